"""The namespaces of a document.

Every page is XHTML, but in the tree the builder's elements carry no namespace of their own:
the XHTML namespace is declared once, on the root, as the default. The bytes are the same
(`<html xmlns="http://www.w3.org/1999/xhtml">` and unprefixed children, read by any XML
parser as XHTML), and lxml copies and moves unqualified elements in half the time, which is
most of what a table row costs (docs/decisions.md, "Unqualified elements in the tree"). So in
the tree an element's tag is its name ("p", "div"); one with a namespace ("{...svg}svg") is
foreign to the builder's dialect.
"""
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_XHTML_PREFIX = "{%s}" % XHTML_NS


def unqualify(root) -> None:
    """Give XHTML elements parsed from outside (raw markup) the builder's unqualified names.
    (Their own declaration of the namespace is dropped by lxml when they join the document,
    whose root declares it.)"""
    for element in list(root.iter(_XHTML_PREFIX + "*")):
        element.tag = element.tag[len(_XHTML_PREFIX):]
