"""From a request's FastCGI parameters to a stream that may open, or the reason it may not.

    GET /events?topic=demo.status&topic=net.*[&last-event-id=ID]

Each `topic` is a name or a pattern (config/topics.py) that a declared topic covers. Who may
listen: a subscription needs every role of the declared topics it may deliver; the user and roles
are the authorizer's (REMOTE_USER, PWWW_ROLES from lighttpd), checked here again so that the
events backend never relies on the authorizer being configured. The client's Last-Event-ID (the
header a browser sends when it reconnects, or `last-event-id` in the query when a page reopens its
stream itself) says where to replay from; a malformed one is ignored.
"""
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .. import authproof
from ..config import EventSettings
from ..config.topics import check_pattern
from . import sse

MAX_SUBSCRIPTIONS = 64      # topics in one stream
MAX_QUERY = 8192            # bytes of query string


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class StreamRequest:
    subscriptions: tuple[str, ...]
    last: tuple[str, int] | None        # (epoch, number) of the last event the client saw
    client: str                         # REMOTE_ADDR
    user: str | None
    session: str | None                 # the public session id (PWWW_SESSION)
    ends: float | None                  # when the session expires (unix time), as the authorizer said


def subscriptions(query: str) -> list[str]:
    """The `topic` values of a query string, in order, without repeats (shape only)."""
    if len(query) > MAX_QUERY:
        raise Refused(414, "query string too long")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_SUBSCRIPTIONS + 8)
    except ValueError:
        raise Refused(400, f"at most {MAX_SUBSCRIPTIONS} topics in one stream") from None
    return list(dict.fromkeys(v for k, v in pairs if k == "topic"))


def needed_roles(settings: EventSettings, subs) -> frozenset[str]:
    """Every role a subscriber to `subs` must have. Unknown topics need nothing here (they are
    refused on their own)."""
    return frozenset().union(*(settings.roles_to_read(s) or () for s in subs))


def parse(params: dict[str, str], settings: EventSettings, *, at_prefix: bool = True,
          identity_key: bytes | None = None, anonymous: bool = False) -> StreamRequest:
    """`at_prefix`: the backend owns a prefix, and the stream is at the prefix itself (a
    backend with `match` gets whatever its regex let through). `identity_key`: the virtual
    host's (authproof): the authorizer's variables count only with its valid proof.
    `anonymous`: a host without users; whatever authorizer variables came are not believed."""
    if anonymous:
        params = {k: v for k, v in params.items() if k not in authproof.SIGNED}
    if identity_key is not None and (problem := authproof.verify(identity_key, params)):
        raise Refused(403, f"forbidden: {problem}")
    if params.get("REQUEST_METHOD") != "GET":
        raise Refused(405, "event streams are read with GET")
    if at_prefix and params.get("PATH_INFO", "") not in ("", "/"):
        raise Refused(404, "no such stream")
    query = params.get("QUERY_STRING", "")
    subs = subscriptions(query)
    if not subs:
        raise Refused(400, "name at least one topic: ?topic=NAME")
    for sub in subs:
        if check_pattern(sub):
            raise Refused(400, f"not a topic name or pattern: {sub[:80]!r}")
        if settings.roles_to_read(sub) is None:
            raise Refused(404, f"no such topic: {sub}")
    user = params.get("REMOTE_USER") or None
    roles = frozenset(r for r in params.get("PWWW_ROLES", "").split(",") if r)
    needed = needed_roles(settings, subs)
    if needed and user is None:
        raise Refused(401, "login required")
    if not needed <= roles:
        raise Refused(403, "your roles do not allow these topics")
    last = params.get("HTTP_LAST_EVENT_ID") or \
        next((v for k, v in parse_qsl(query, keep_blank_values=True) if k == "last-event-id"), None)
    return StreamRequest(tuple(subs), sse.parse_id(last), params.get("REMOTE_ADDR", ""), user,
                         params.get("PWWW_SESSION") or None, _ends(params.get("PWWW_SESSION_ENDS")))


def _ends(text: str | None) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def deadline(request: StreamRequest, settings: EventSettings, now: float | None = None) -> float:
    """Unix time at which the stream ends (its client then reconnects through the authorizer)."""
    now = time.time() if now is None else now
    limit = now + settings.max_stream_age
    return min(limit, request.ends) if request.ends is not None else limit
