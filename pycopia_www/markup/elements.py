"""Text and structure: sections, headings, paragraphs, phrases, links, images."""
from .attributes import class_names
from .errors import MarkupError


class ElementsMixin:
    """Building blocks for any container. Every add_* appends and returns the new child."""
    __slots__ = ()

    def add_section(self, id=None, **attrs):
        """A named region of the page: <section id=..> in HTML5, <div class="section" id=..>
        in XHTML 1.0 (which has no section element)."""
        tag = self.document.dialect.section_tag
        if tag == "div":
            attrs["class_"] = ["section", *class_names(attrs.get("class_"))]
        return self._add(tag, None, dict(attrs, id=id))

    def add_div(self, text=None, **attrs):
        return self._add("div", text, attrs)

    def add_span(self, text=None, **attrs):
        return self._add("span", text, attrs)

    def add_heading(self, level, text=None, **attrs):
        if level not in (1, 2, 3, 4, 5, 6):
            raise MarkupError(f"heading level must be 1 to 6, not {level!r}")
        return self._add(f"h{level}", text, attrs)

    def add_paragraph(self, text=None, **attrs):
        return self._add("p", text, attrs)

    def add_anchor(self, href, text=None, **attrs):
        """A link. `href` is a URL string, or a URL target for the installed resolver
        (url("name", **args) or a handler object); see urls.py."""
        return self._add("a", text, dict(attrs, href=href))

    def add_image(self, src, alt, **attrs):
        """An image; alt text is required (use "" for a purely decorative image)."""
        return self._add("img", None, dict(attrs, src=src, alt=alt))

    def add_strong(self, text=None, **attrs):
        return self._add("strong", text, attrs)

    def add_emphasis(self, text=None, **attrs):
        return self._add("em", text, attrs)

    def add_code(self, text=None, **attrs):
        return self._add("code", text, attrs)

    def add_preformatted(self, text=None, **attrs):
        return self._add("pre", text, attrs)

    def add_blockquote(self, cite=None, **attrs):
        return self._add("blockquote", None, dict(attrs, cite=cite))

    def add_break(self):
        return self._add("br")

    def add_rule(self, **attrs):
        return self._add("hr", None, attrs)

