"""What differs between the two document types: XML doctype, content model, which form controls
exist, which element a section is; and the debug-mode checks that use the content model."""
from . import model_html5, model_xhtml1
from .attributes import display_name
from .errors import MarkupError

TEXT = "#PCDATA"


HTML_DOCTYPE = "<!DOCTYPE html>"


class Dialect:
    def __init__(self, name, doctype, model, section_tag, open_attributes):
        self.name = name
        # the doctype of the XML serialisation; text/html is HTML, whose doctype is always
        # HTML_DOCTYPE (the Nu Html Checker calls any other one obsolete)
        self.doctype = doctype
        self.model = model
        self.section_tag = section_tag
        # elements that never have content; everything else is written <x></x>, never <x/>,
        # so that a text/html parser reads the same tree as an XML parser
        self.void = frozenset(tag for tag, children in model.CHILDREN.items() if not children
                              and tag not in ("script", "style", "textarea", "title"))
        self.input_types = model.ENUMERATED[("input", "type")]
        # attribute prefixes valid on any element (HTML5's data-*, aria-*, event handlers)
        self._open_attributes = open_attributes

    def __repr__(self):
        return f"<Dialect {self.name}>"

    def check_child(self, parent, child):
        allowed = self.model.CHILDREN.get(parent)
        if allowed is None:
            raise MarkupError(f"<{parent}> is not an element of {self.name}")
        if child not in self.model.CHILDREN:
            raise MarkupError(f"<{child}> is not an element of {self.name}")
        if child not in allowed:
            raise MarkupError(f"<{child}> is not allowed inside <{parent}> in {self.name}")

    def check_text(self, parent, text):
        if text.strip() and TEXT not in self.model.CHILDREN.get(parent, ()):
            raise MarkupError(f"text {text[:30]!r} is not allowed directly inside <{parent}> in "
                              f"{self.name}; put it in a paragraph or other element")

    def check_attribute(self, tag, name, value):
        name = display_name(name)
        allowed = self.model.ATTRIBUTES.get(tag, ())
        if name not in allowed and not name.startswith(self._open_attributes):
            raise MarkupError(f"<{tag}> has no attribute {name!r} in {self.name}")
        values = self.model.ENUMERATED.get((tag, name))
        if values is not None and value not in values:
            raise MarkupError(f"<{tag} {name}={value!r}> is not one of {sorted(values)} in "
                              f"{self.name}")

    def check_required_attributes(self, element):
        tag = element.tag
        for name in self.model.REQUIRED_ATTRIBUTES.get(tag, ()):
            if element.get(name) is None:
                raise MarkupError(f"<{tag}> needs a {name!r} attribute in {self.name}")

    def check_complete(self, root):
        """Raise for an element left without the children its content model requires."""
        required = self.model.REQUIRED_CHILDREN
        for element in root.iter():
            tag = element.tag if isinstance(element.tag, str) else None
            needs = required.get(tag)
            if needs and not any(child.tag in needs for child in element
                                 if isinstance(child.tag, str)):
                where = element.get("id") or element.get("class") or ""
                raise MarkupError(f"<{tag}{' ' + where if where else ''}> needs at least one "
                                  f"of {list(needs)} in {self.name}")


XHTML1_STRICT = Dialect(
    "XHTML 1.0 Strict",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
    model_xhtml1, section_tag="div", open_attributes=())

HTML5 = Dialect("HTML5", HTML_DOCTYPE, model_html5, section_tag="section",
                open_attributes=("data-", "aria-", "on"))
