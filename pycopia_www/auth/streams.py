"""The authorizer's answer for an event stream: a request to a backend with kind = "events".

Like a page, a stream needs the roles of what it asks for: the read roles of its topics, from the
events backend's configuration (the events server checks them again). Unlike a page:
- asking is no sign of a person: the session's idle clock is not restarted, so a page left open
  with its live parts still logs out after idle_timeout;
- the answer says when the session will expire if nobody does anything (PWWW_SESSION_ENDS, unix
  time): the events server ends the stream then, and the client comes back to be asked again;
- refusals are plain 401 and 403: an EventSource cannot follow a redirect to the login page.
"""
import math

from ..events.requests import Refused, needed_roles, subscriptions
from ..web.response import Response


def decide_stream(request, service, backend):
    session = service.current(request, touch=False)
    try:
        subs = subscriptions(request.environ.get("QUERY_STRING", ""))
    except Refused as refused:
        return Response(refused.reason + "\n", refused.status)
    needed = needed_roles(backend.events, subs)
    if session is None:
        return Response("", 200) if not needed else Response("login required\n", 401)
    if not needed <= session.roles:
        return Response("Your roles do not allow these topics.\n", 403)
    settings = service.settings
    ends = min(session.last_seen + settings.idle_timeout, session.created + settings.max_age)
    # Rounded up: a stream that ended a moment early would reconnect into a session still alive.
    variables = {**service.variables(session), "PWWW_SESSION_ENDS": str(math.ceil(ends))}
    return Response("", 200, [(f"Variable-{k}", v) for k, v in variables.items()])
