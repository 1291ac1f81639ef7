"""Which media type to send a page as, from the request's Accept header.

XHTML goes out as application/xhtml+xml only to a client that names that type itself with a
quality at least as high as text/html's: a browser that only reaches it through a */* wildcard
(old Internet Explorer, curl) gets text/html, which every client renders. Both document types
serialise to markup that parses the same either way (see serialize.py).
"""
XHTML = "application/xhtml+xml"
HTML = "text/html"


def _accepted(accept_header):
    """{media range: quality} from an Accept header; malformed parts are skipped."""
    ranges = {}
    for part in (accept_header or "").split(","):
        media_range, *params = [piece.strip() for piece in part.split(";")]
        if not media_range:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        media_range = media_range.lower()
        ranges[media_range] = max(quality, ranges.get(media_range, 0.0))
    return ranges


def _quality(ranges, media_type):
    """The quality of the most specific range that matches media_type."""
    kind = media_type.split("/")[0]
    for candidate in (media_type, kind + "/*", "*/*"):
        if candidate in ranges:
            return ranges[candidate]
    return 0.0


def negotiate(accept_header):
    """"application/xhtml+xml" or "text/html" for a request with this Accept header."""
    ranges = _accepted(accept_header)
    xhtml = ranges.get(XHTML, 0.0)
    if xhtml > 0 and xhtml >= _quality(ranges, HTML):
        return XHTML
    return HTML


def prefers(accept_header, media_type, over=HTML) -> bool:
    """Does this Accept header name `media_type` itself, with a quality above `over`'s?"""
    ranges = _accepted(accept_header)
    wanted = ranges.get(media_type.lower(), 0.0)
    return wanted > 0 and wanted > _quality(ranges, over)
