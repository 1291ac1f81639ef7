"""Qualified names: every element the builder makes is in the XHTML namespace."""
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_PREFIX = "{%s}" % XHTML_NS
_PREFIX_LEN = len(_PREFIX)


class _QualifiedTags(dict):
    """tag name -> "{namespace}name", computed once per name (lxml wants Clark notation)."""

    def __missing__(self, name):
        value = self[name] = _PREFIX + name
        return value


TAG = _QualifiedTags()


def local_name(tag):
    """The element name without its namespace ("{...xhtml}p" -> "p")."""
    return tag[_PREFIX_LEN:] if tag.startswith(_PREFIX) else tag
