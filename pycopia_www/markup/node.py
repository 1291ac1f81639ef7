"""Node: the builder's handle on one element of a document.

A Node wraps an lxml element together with the document it belongs to (for the dialect, the
debug flag and the URL resolver) and the form it is inside, if any (for pre-filled values and
errors). Containers hand back Nodes for their children: that is the Tk-like part.
"""
from lxml import etree

from . import urls
from .attributes import attribute_name, attribute_value
from .errors import MarkupError
from .namespace import unqualify
from .text import append_text


class Node:
    __slots__ = ("element", "document", "form")
    # the class that wraps children; container.py sets it to Container
    child_class = None

    def __init__(self, element, document, form=None):
        self.element = element
        self.document = document
        self.form = form

    def __repr__(self):
        return f"<{type(self).__name__} {etree.tostring(self.element)[:60]!r}>"

    @property
    def name(self):
        """The element's name without namespace ("p", "div")."""
        return self.element.tag

    # -- attributes -------------------------------------------------------------------------

    def set_attributes(self, **attrs):
        """Set attributes from keyword arguments (see attributes.py for the naming rule).
        Returns the node itself, so a set can follow an add_* in one expression."""
        return self._set_attributes(attrs)

    def _set_attributes(self, attrs):
        element, document = self.element, self.document
        debug = document.debug
        for key, value in attrs.items():
            name = attribute_name(key)
            if name in urls.URL_ATTRIBUTES and value is not None and value is not False:
                value = urls.resolve(value, document.url_resolver)
            value = attribute_value(name, value)
            if value is None:
                continue
            if debug:
                document.dialect.check_attribute(self.name, name, value)
                if name == "id":
                    document.claim_id(value)
            element.set(name, value)
        return self

    def get_attribute(self, key, default=None):
        return self.element.get(attribute_name(key), default)

    def add_class(self, *names):
        """Add class names (duplicates are ignored). Returns the node."""
        present = (self.element.get("class") or "").split()
        present += [name for name in names if name not in present]
        self.element.set("class", " ".join(present))
        return self

    # -- children ---------------------------------------------------------------------------

    def add_text(self, text):
        """Append text, escaped on output. Returns None: text is not a node."""
        if not isinstance(text, str):
            text = str(text)
        if self.document.debug:
            self.document.dialect.check_text(self.name, text)
        append_text(self.element, text)

    def append(self, node):
        """Attach a node made by a new_* method (or moved from elsewhere). Returns it."""
        if not isinstance(node, Node):
            raise MarkupError(f"append() takes a builder node, not {type(node).__name__}; "
                              "use add_text() for text")
        if self.document.debug:
            self.document.dialect.check_child(self.name, node.name)
        self.element.append(node.element)
        node.document, node.form = self.document, node.form or self.form
        return node

    def add_element(self, name, text=None, **attrs):
        """Append any element by name: the escape hatch for elements without an add_* method.
        Checked against the document type in debug mode like everything else."""
        return self._add(name, text, attrs)

    def add_unsafe_markup(self, markup):
        """THE raw-markup call: parse `markup` (well-formed XML, any number of elements and
        text) and append it unescaped. Comments and processing instructions are dropped.
        Never pass it anything that came from a user."""
        parser = etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False,
                                 no_network=True)
        wrapper = etree.fromstring(f"<div>{markup}</div>", parser)
        unqualify(wrapper)        # markup that declares the XHTML namespace itself
        if wrapper.text:
            self.add_text(wrapper.text)
        for child in list(wrapper):
            if child.tag is etree.Entity:
                raise MarkupError("entity references are not allowed in raw markup")
            if self.document.debug:
                self.document.dialect.check_child(self.name, child.tag)
            self.element.append(child)

    def _add(self, name, text=None, attrs=None, cls=None):
        """Create child element `name`, set its attributes and text; return its Node."""
        document = self.document
        if document.debug:
            document.dialect.check_child(self.name, name)
        node = (cls or self.child_class)(etree.SubElement(self.element, name), document,
                                         self.form)
        node._configure(text, attrs)
        return node

    def _configure(self, text, attrs):
        if attrs:
            self._set_attributes(attrs)
        if self.document.debug:
            self.document.dialect.check_required_attributes(self.element)
            if text is not None:
                self.add_text(text)
        elif text is not None:      # add_text without its debug check, for every element made
            append_text(self.element, text if text.__class__ is str else str(text))
