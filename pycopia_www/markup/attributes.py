"""Python keyword arguments -> XHTML attributes.

One rule for every name: a trailing underscore is dropped (class_, for_, type_ - names Python
reserves or that shadow builtins) and the remaining underscores become hyphens (http_equiv,
accept_charset, data_row, aria_label). xml_lang and xml_space are the XML attributes. Values:
None and False leave the attribute out, True writes the XHTML boolean form (checked="checked"),
a list/tuple/set of classes is joined with spaces, anything else is str()-ed. lxml escapes the
value on output.
"""
from .errors import MarkupError
from .namespace import XML_NS
from .text import clean_text

_XML_ATTRIBUTES = {"xml_lang": "{%s}lang" % XML_NS, "xml_space": "{%s}space" % XML_NS}
_names = dict(_XML_ATTRIBUTES)


def attribute_name(key):
    """The attribute (lxml name) for a keyword argument name; memoised, names repeat a lot."""
    name = _names.get(key)
    if name is None:
        name = _names[key] = key.rstrip("_").replace("_", "-")
    return name


def display_name(name):
    """The name as a DTD writes it ("{...XML...}lang" -> "xml:lang")."""
    return "xml:" + name[len(XML_NS) + 2:] if name.startswith("{" + XML_NS) else name


def attribute_value(name, value):
    """The string to store, or None when the attribute is to be left out."""
    if value is None or value is False:
        return None
    if name == "srcdoc":        # a whole page in an attribute: its script would run on this origin
        raise MarkupError("refusing srcdoc: give the frame a src URL of its own")
    if value is True:
        return display_name(name)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return clean_text(" ".join(str(item) for item in items))
    return clean_text(str(value))


def class_names(value):
    """A class_= value (None, "a b" or an iterable of names) as a list of names."""
    if value is None:
        return []
    return value.split() if isinstance(value, str) else list(value)
