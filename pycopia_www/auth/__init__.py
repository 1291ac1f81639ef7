"""The auth backend: users, sessions and the FastCGI authorizer lighttpd asks before it passes a
request to a protected backend. Only this backend (its own system user) reads the user and session
store; other backends learn who is logged in from the authorizer's answer (see docs/auth.md).

  passwords   slow salted hashes (scrypt)
  store       users, sessions and failed logins in SQLite (SQLAlchemy)
  authorizer  the decision for lighttpd, and the session lookup for this backend's own pages
  views, urls the login and logout pages
  usercmd     `websitectl user` and the first admin, run as the auth backend's user
"""
