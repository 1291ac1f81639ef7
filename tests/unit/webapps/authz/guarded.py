from webapps.authz.urls import guarded as routes  # noqa: F401
