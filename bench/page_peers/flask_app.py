"""The bench page in Flask, SQLAlchemy (one session per request) and Jinja2 templates."""
import os

from flask import Flask, render_template
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from page_models import NAV, Group, Host      # bench/, on uWSGI's --pythonpath

app = Flask(__name__, template_folder="templates/jinja")
engine = create_engine(f"sqlite:///{os.environ['PAGE_DB']}")
QUERY = (select(Host.id, Host.name, Host.address, Group.name, Host.enabled, Host.created)
         .join(Group).order_by(Host.name).limit(100))


@app.route("/hosts")
def hosts():
    with Session(engine) as session:
        rows = session.execute(QUERY).all()
    return render_template("hosts.html", title="Hosts", nav=NAV, rows=rows)


@app.route("/host/<int:id>")
def host(id):
    return f"host {id}"


for _name, _ in NAV:
    if _name != "hosts":
        app.add_url_rule(f"/{_name}", _name, lambda: "page")
