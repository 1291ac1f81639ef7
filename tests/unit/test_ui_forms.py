"""Forms from one schema (ui/schema.py, ui/forms.py): widgets, labels, help and required from a
dataclass or a SQLAlchemy model (SQLite); binding converts and checks every field, shows errors
next to their fields with the values kept, and changes nothing while any field is wrong."""
import datetime
import decimal
import enum
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Enum, ForeignKey, Numeric, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pycopia_www.markup import HTML5Document, XHTMLDocument
from pycopia_www.markup.validate import html5_errors, xhtml1_strict_errors
from pycopia_www.ui.forms import model_form, schema_form
from pycopia_www.ui.schema import FieldError, dataclass_schema

from lxml import etree


class Kind(enum.Enum):
    SERVER = "server"
    ROUTER = "router"


class Base(DeclarativeBase):
    pass


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    def __str__(self):
        return f"group {self.name}"


class Host(Base):
    __tablename__ = "hosts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), info={"label": "Host name", "help": "Its DNS name."})
    notes: Mapped[str | None] = mapped_column(Text)
    port: Mapped[int] = mapped_column(default=22, info={"min": 1, "max": 65535})
    weight: Mapped[decimal.Decimal] = mapped_column(Numeric(6, 2))
    up: Mapped[bool] = mapped_column(default=True)
    since: Mapped[datetime.date | None]
    seen: Mapped[datetime.datetime | None]
    kind: Mapped[Kind] = mapped_column(Enum(Kind))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))


def _no_dots(value: str) -> None:
    if "." in value:
        raise ValueError("No dots, please.")


class Mode(enum.Enum):
    AUTO = 1
    MANUAL = 2


@dataclass
class Settings:
    site_name: str = field(default="box", metadata={"label": "Site name", "min_length": 1,
                                                     "max_length": 20, "help": "In the header.",
                                                     "validators": [_no_dots]})
    refresh: int = field(default=5, metadata={"min": 1, "max": 3600})
    motd: str = field(default="", metadata={"widget": "textarea", "max_length": 200})
    mode: Mode = Mode.AUTO
    colour: str = field(default="red", metadata={"choices": ["red", "green"], "widget": "radios"})
    enabled: bool = False
    until: datetime.date | None = None
    ratio: float = 0.5


@pytest.fixture()
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([Group(name="lab"), Group(name="core")])
        s.commit()
        yield s


def render(form, dialect=HTML5Document):
    doc = dialect("t", debug=True)
    form.render(doc.body.add_div(), "/save", id="f")
    return doc.to_bytes()


def controls(page: bytes) -> dict:
    tree = etree.fromstring(page)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    out = {}
    for el in tree.xpath("//h:input[@name!='csrf_token'] | //h:select | //h:textarea", namespaces=ns):
        name = el.get("name")
        kind = el.get("type") if el.tag.endswith("input") else el.tag.split("}")[1]
        out.setdefault(name, kind)
    return out


def test_model_form_widgets_from_column_types(session):
    page = render(model_form(Host, session=session))
    assert html5_errors(page) == []
    assert controls(page) == {"name": "text", "notes": "textarea", "port": "number", "weight": "number",
                              "up": "checkbox", "since": "date", "seen": "datetime-local",
                              "kind": "radio", "group_id": "select"}
    text = page.decode()
    assert 'maxlength="63"' in text and 'step="0.01"' in text and 'min="1" max="65535"' in text
    assert '<label for="f-name">Host name</label>' in text                   # info label
    assert '<span class="help" id="f-name-help">Its DNS name.</span>' in text
    assert 'aria-describedby="f-name-help"' in text
    # the foreign key lists the related rows, with an empty choice since it is nullable
    assert ('<option value="">—</option><option value="1">group lab</option>'
            '<option value="2">group core</option>') in text
    assert '<label for="f-group_id">Group</label>' in text
    assert 'id="f-up" name="up" value="1" checked="checked"' in text        # default True


def test_required_from_nullability_and_defaults(session):
    form = model_form(Host, session=session)
    required = {f.name for f in form.schema if f.required}
    assert required == {"name", "weight", "kind"}        # not null, no default; id is left out
    assert "id" not in form.schema.names


def test_foreign_keys_need_a_session():
    with pytest.raises(TypeError, match="Host.group_id is a foreign key: .* need session="):
        model_form(Host)
    assert "group_id" not in model_form(Host, exclude=["group_id"]).schema.names


def test_only_and_exclude(session):
    assert model_form(Host, only=["name", "port"]).schema.names == ("name", "port")
    assert "notes" not in model_form(Host, exclude=["notes"], session=session).schema.names


def test_edit_form_shows_the_row(session):
    host = Host(name="gw", port=2222, weight=decimal.Decimal("1.50"), up=False, kind=Kind.ROUTER,
                group_id=2, seen=datetime.datetime(2024, 5, 6, 7, 8))
    session.add(host)
    session.commit()
    text = render(model_form(Host, host, session=session)).decode()
    assert 'value="gw"' in text and 'value="2222"' in text and 'value="1.50"' in text
    assert 'value="router" checked="checked"' in text and '<option value="2" selected="selected">' in text
    assert 'value="2024-05-06T08:08"' not in text and 'value="2024-05-06T07:08"' in text


def test_binding_converts_everything_or_changes_nothing(session):
    host = Host(name="old", weight=decimal.Decimal(1), kind=Kind.SERVER)
    session.add(host)
    session.commit()
    form = model_form(Host, host, session=session)
    bad = form.bind({"name": "new", "port": "99999", "weight": "x", "kind": "router", "group_id": "7"})
    assert bad.errors == {"port": "Between 1 and 65535.", "weight": "Write a number.",
                          "group_id": "Choose one of the options."}
    with pytest.raises(ValueError):
        bad.apply(host)
    assert host.name == "old"                    # nothing reached the row
    text = render(bad).decode()                  # errors next to the fields, values as typed
    assert 'value="99999"' in text and 'value="new"' in text
    assert '<span class="error" id="f-port-error">Between 1 and 65535.</span>' in text
    assert 'aria-invalid="true" aria-describedby="f-port-error"' in text
    good = form.bind({"name": " new ", "port": "", "weight": "2.5", "up": "1", "kind": "router",
                      "since": "2024-02-03", "seen": "2024-02-03T04:05", "group_id": "1"})
    assert good.valid
    good.apply(host)
    session.commit()
    assert (host.name, host.port, host.weight, host.up, host.kind, host.group_id) == \
        ("new", 22, decimal.Decimal("2.50"), True, Kind.ROUTER, 1)        # empty port: the default
    assert host.since == datetime.date(2024, 2, 3) and host.seen == datetime.datetime(2024, 2, 3, 4, 5)


def test_an_error_found_later_goes_on_its_field(session):
    form = model_form(Host, session=session).bind({"name": "gw", "weight": "1", "kind": "server"})
    assert form.valid
    form.add_error("name", "This name is taken.")       # e.g. a unique constraint
    assert not form.valid and 'f-name-error">This name is taken.</span>' in render(form).decode()


def test_dataclass_form_widgets_and_defaults():
    page = render(schema_form(Settings))
    assert html5_errors(page) == []
    assert controls(page) == {"site_name": "text", "refresh": "number", "motd": "textarea",
                              "mode": "select", "colour": "radio", "enabled": "checkbox",
                              "until": "date", "ratio": "number"}
    text = page.decode()
    assert 'value="box"' in text and 'value="5"' in text and '<option value="1" selected="selected">Auto' in text
    assert 'value="red" checked="checked"' in text and 'step="any"' in text
    assert '<div class="field required"><label for="f-site_name">Site name</label>' in text


def test_dataclass_binding_checks_types_lengths_choices_and_validators():
    form = schema_form(Settings)
    bound = form.bind({"site_name": "a.b", "refresh": "0", "motd": "m" * 201, "mode": "3",
                       "colour": "blue", "until": "tomorrow", "ratio": "nan"})
    assert bound.errors == {"site_name": "No dots, please.", "refresh": "Between 1 and 3600.",
                            "motd": "At most 200 characters.", "mode": "Choose one of the options.",
                            "colour": "Choose one of the options.",
                            "until": "Write a date as YYYY-MM-DD.", "ratio": "Write a number."}
    assert form.bind({"site_name": "  ", "refresh": "1", "mode": "1", "colour": "red",
                      "ratio": "1"}).errors == {"site_name": "Required."}
    ok = form.bind({"site_name": "Lab", "refresh": "60", "mode": "2", "colour": "green",
                    "enabled": "on", "until": "", "ratio": "0.25"})
    assert ok.instance() == Settings("Lab", 60, "", Mode.MANUAL, "green", True, None, 0.25)


def test_typed_values_from_a_proxy_call_are_checked_too():
    schema = dataclass_schema(Settings)
    assert schema["refresh"].clean(7) == 7
    for value in (True, 7.5, [1]):
        with pytest.raises(FieldError):
            schema["refresh"].clean(value)
    with pytest.raises(FieldError, match="Write text"):
        schema["site_name"].clean(5)


def test_whole_form_validators():
    def order(data):
        if data["refresh"] > 60 and data["enabled"]:
            raise ValueError("Enabled needs a refresh of a minute or less.")
    form = schema_form(Settings, validators=[order])
    bound = form.bind({"site_name": "x", "refresh": "61", "enabled": "1", "mode": "1",
                       "colour": "red", "ratio": "1"})
    assert bound.errors == {None: "Enabled needs a refresh of a minute or less."}
    assert '<ul class="errors"><li>Enabled needs' in render(bound).decode()


def test_xhtml_documents_get_their_fallbacks():
    page = render(schema_form(Settings), XHTMLDocument)
    assert xhtml1_strict_errors(page) == []          # no required/aria/number/date there


def test_unsupported_annotations_are_refused():
    @dataclass
    class Odd:
        things: list = field(default_factory=list)
    with pytest.raises(TypeError, match="Odd.things: no form field"):
        dataclass_schema(Odd)
