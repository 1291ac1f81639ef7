"""The bench page in Django: its ORM (models mapped onto the same tables) and its templates."""
import os
from pathlib import Path

import django
from django.conf import settings

HERE = Path(__file__).resolve().parent
settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF="page_peers.django_urls", USE_TZ=False,
    SECRET_KEY="bench-only", INSTALLED_APPS=["page_peers"], MIDDLEWARE=[],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["PAGE_DB"],
                           "CONN_MAX_AGE": None}},          # keep the connection, as ours does
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [HERE / "templates" / "django"], "OPTIONS": {"debug": False}}],
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
