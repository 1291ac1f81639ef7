"""Flash messages: a short message on the page a redirect leads to ("Saved.").

A handler that saved something redirects with `flash_redirect(url, "saved")`; the next page in
the layout shows the registered text of the key. Only registered keys are shown, so a link that
someone else crafted can show nothing but these texts: the query string carries a key, never a
message. No cookie and no server state: it works across backends and survives a reload.

    register_flash("rebooting", "The box is rebooting.", kind="warning")
"""
from ..web.errors import HTTPError
from ..web.response import Redirect

QUERY_KEY = "flash"
_MESSAGES: dict[str, tuple[str, str]] = {
    "saved": ("success", "Saved."),
    "added": ("success", "Added."),
    "deleted": ("success", "Deleted."),
    "applied": ("warning", "Applied. Confirm the change or it is undone."),
    "confirmed": ("success", "Confirmed: the change stays."),
    "reverted": ("warning", "The change was not confirmed in time and has been undone."),
}


def register_flash(key: str, text: str, kind: str = "success") -> None:
    """Make `key` mean `text` (kind: info, success, warning, error)."""
    if kind not in ("info", "success", "warning", "error"):
        raise ValueError(f"flash kind {kind!r} is not one of info, success, warning, error")
    _MESSAGES[key] = (kind, text)


def flash_redirect(location: str, *keys: str, status: int = 303, query=None) -> Redirect:
    """A redirect (303 after a POST) to a page that shows the messages of `keys`."""
    unknown = [k for k in keys if k not in _MESSAGES]
    if unknown:
        raise KeyError(f"flash message {unknown[0]!r} is not registered (register_flash)")
    pairs = list(query.items() if hasattr(query, "items") else query or ())
    return Redirect(location, status, query=pairs + [(QUERY_KEY, k) for k in keys])


def flash_messages(request) -> list[tuple[str, str]]:
    """(kind, text) of the registered keys in the request's query, in order, each once."""
    try:
        keys = request.query.getall(QUERY_KEY)
    except HTTPError:           # a malformed query string: the page itself will say so
        return []
    seen, out = set(), []
    for key in keys:
        if key in _MESSAGES and key not in seen:
            seen.add(key)
            out.append(_MESSAGES[key])
    return out
