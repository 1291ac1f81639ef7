"""The XHTML 1.0 Strict content model, as data for debug-mode checks.

Written from the W3C DTD's parameter entities so each set reads like the DTD it mirrors;
tests/unit/test_markup_model.py compares every entry with the real DTD from w3c-sgml-lib.
"""
TEXT = "#PCDATA"  # marks content models that allow character data

# Attribute groups (%coreattrs; %i18n; %events; %focus;).
CORE = frozenset({"id", "class", "style", "title"})
I18N = frozenset({"lang", "xml:lang", "dir"})
EVENTS = frozenset({"onclick", "ondblclick", "onmousedown", "onmouseup", "onmouseover",
                    "onmousemove", "onmouseout", "onkeypress", "onkeydown", "onkeyup"})
FOCUS = frozenset({"accesskey", "tabindex", "onfocus", "onblur"})
ATTRS = CORE | I18N | EVENTS

# Element groups.
SPECIAL_PRE = {"br", "span", "bdo", "map"}
SPECIAL = SPECIAL_PRE | {"object", "img"}
FONTSTYLE = {"tt", "i", "b", "big", "small"}
PHRASE = {"em", "strong", "dfn", "code", "q", "samp", "kbd", "var", "cite", "abbr", "acronym",
          "sub", "sup"}
INLINE_FORMS = {"input", "select", "textarea", "label", "button"}
MISC_INLINE = {"ins", "del", "script"}
MISC = {"noscript"} | MISC_INLINE
INLINE = {"a"} | SPECIAL | FONTSTYLE | PHRASE | INLINE_FORMS
HEADING = {"h1", "h2", "h3", "h4", "h5", "h6"}
LISTS = {"ul", "ol", "dl"}
BLOCKTEXT = {"pre", "hr", "blockquote", "address"}
BLOCK = {"p", "div", "fieldset", "table"} | HEADING | LISTS | BLOCKTEXT

# Content models (%Inline; %Block; %Flow; and the special ones).
INLINE_CONTENT = frozenset({TEXT} | INLINE | MISC_INLINE)
BLOCK_CONTENT = frozenset(BLOCK | {"form"} | MISC)
FLOW_CONTENT = frozenset({TEXT, "form"} | BLOCK | INLINE | MISC)
A_CONTENT = frozenset({TEXT} | SPECIAL | FONTSTYLE | PHRASE | INLINE_FORMS | MISC_INLINE)
PRE_CONTENT = frozenset({TEXT, "a"} | FONTSTYLE | PHRASE | SPECIAL_PRE | MISC_INLINE | INLINE_FORMS)
BUTTON_CONTENT = frozenset({TEXT, "p", "div", "table"} | HEADING | LISTS | BLOCKTEXT | SPECIAL
                           | FONTSTYLE | PHRASE | MISC)
HEAD_MISC = {"script", "style", "meta", "link", "object"}

EMPTY = frozenset()
_inline_elements = {name: INLINE_CONTENT for name in
                    HEADING | FONTSTYLE | PHRASE | {"p", "address", "span", "bdo", "label",
                                                    "legend", "caption", "dt"}}

# element -> the element names (and TEXT) it may contain
CHILDREN = {
    **_inline_elements,
    "html": frozenset({"head", "body"}),
    "head": frozenset(HEAD_MISC | {"title", "base"}),
    "title": frozenset({TEXT}), "style": frozenset({TEXT}), "script": frozenset({TEXT}),
    "option": frozenset({TEXT}), "textarea": frozenset({TEXT}),
    "body": BLOCK_CONTENT, "blockquote": BLOCK_CONTENT, "noscript": BLOCK_CONTENT,
    "div": FLOW_CONTENT, "li": FLOW_CONTENT, "dd": FLOW_CONTENT, "ins": FLOW_CONTENT,
    "del": FLOW_CONTENT, "th": FLOW_CONTENT, "td": FLOW_CONTENT,
    "object": FLOW_CONTENT | {"param"},
    "fieldset": FLOW_CONTENT | {"legend"},
    "a": A_CONTENT, "pre": PRE_CONTENT, "button": BUTTON_CONTENT,
    "form": frozenset(BLOCK | MISC),
    "ul": frozenset({"li"}), "ol": frozenset({"li"}), "dl": frozenset({"dt", "dd"}),
    "map": frozenset(BLOCK | {"form", "area"} | MISC),
    "select": frozenset({"optgroup", "option"}), "optgroup": frozenset({"option"}),
    "table": frozenset({"caption", "col", "colgroup", "thead", "tfoot", "tbody", "tr"}),
    "thead": frozenset({"tr"}), "tfoot": frozenset({"tr"}), "tbody": frozenset({"tr"}),
    "colgroup": frozenset({"col"}), "tr": frozenset({"th", "td"}),
    **{name: EMPTY for name in ("base", "meta", "link", "hr", "br", "img", "param", "area",
                                "input", "col")},
}

# element -> the attributes it may carry (beyond the common ones given by its group)
_CELL = {"abbr", "axis", "headers", "scope", "rowspan", "colspan", "align", "char", "charoff",
         "valign"}
_ALIGN = {"align", "char", "charoff", "valign"}
ATTRIBUTES = {
    **{name: ATTRS for name in CHILDREN},
    "html": I18N | {"id", "xmlns"},
    "head": I18N | {"id", "profile"},
    "title": I18N | {"id"},
    "base": {"href", "id"},
    "meta": I18N | {"id", "http-equiv", "name", "content", "scheme"},
    "link": ATTRS | {"charset", "href", "hreflang", "type", "rel", "rev", "media"},
    "style": I18N | {"id", "type", "media", "title", "xml:space"},
    "script": {"id", "charset", "type", "src", "defer", "xml:space"},
    "body": ATTRS | {"onload", "onunload"},
    "pre": ATTRS | {"xml:space"},
    "blockquote": ATTRS | {"cite"}, "q": ATTRS | {"cite"},
    "ins": ATTRS | {"cite", "datetime"}, "del": ATTRS | {"cite", "datetime"},
    "a": ATTRS | FOCUS | {"charset", "type", "name", "href", "hreflang", "rel", "rev", "shape",
                          "coords"},
    "bdo": CORE | EVENTS | I18N,
    "br": CORE,
    "object": ATTRS | {"declare", "classid", "codebase", "data", "type", "codetype", "archive",
                       "standby", "height", "width", "usemap", "name", "tabindex"},
    "param": {"id", "name", "value", "valuetype", "type"},
    "img": ATTRS | {"src", "alt", "longdesc", "height", "width", "usemap", "ismap"},
    "map": I18N | EVENTS | {"id", "class", "style", "title", "name"},
    "area": ATTRS | FOCUS | {"shape", "coords", "href", "nohref", "alt"},
    "form": ATTRS | {"action", "method", "enctype", "onsubmit", "onreset", "accept",
                     "accept-charset"},
    "label": ATTRS | {"for", "accesskey", "onfocus", "onblur"},
    "input": ATTRS | FOCUS | {"type", "name", "value", "checked", "disabled", "readonly", "size",
                              "maxlength", "src", "alt", "usemap", "onselect", "onchange",
                              "accept"},
    "select": ATTRS | {"name", "size", "multiple", "disabled", "tabindex", "onfocus", "onblur",
                       "onchange"},
    "optgroup": ATTRS | {"disabled", "label"},
    "option": ATTRS | {"selected", "disabled", "label", "value"},
    "textarea": ATTRS | FOCUS | {"name", "rows", "cols", "disabled", "readonly", "onselect",
                                 "onchange"},
    "legend": ATTRS | {"accesskey"},
    "button": ATTRS | FOCUS | {"name", "value", "type", "disabled"},
    "table": ATTRS | {"summary", "width", "border", "frame", "rules", "cellspacing",
                      "cellpadding"},
    "colgroup": ATTRS | _ALIGN | {"span", "width"}, "col": ATTRS | _ALIGN | {"span", "width"},
    "thead": ATTRS | _ALIGN, "tfoot": ATTRS | _ALIGN, "tbody": ATTRS | _ALIGN,
    "tr": ATTRS | _ALIGN,
    "th": ATTRS | _CELL, "td": ATTRS | _CELL,
}

# attributes without which an element is invalid
REQUIRED_ATTRIBUTES = {
    "base": ("href",), "meta": ("content",), "style": ("type",), "script": ("type",),
    "bdo": ("dir",), "img": ("src", "alt"), "map": ("id",), "area": ("alt",), "form": ("action",),
    "optgroup": ("label",), "textarea": ("rows", "cols"),
}

# elements whose content model needs at least one child element ("+" in the DTD)
REQUIRED_CHILDREN = {
    "html": ("head", "body"), "head": ("title",),
    "ul": ("li",), "ol": ("li",), "dl": ("dt", "dd"), "select": ("option", "optgroup"),
    "optgroup": ("option",), "thead": ("tr",), "tfoot": ("tr",), "tbody": ("tr",),
    "tr": ("th", "td"), "table": ("tbody", "tr"),
}

# attribute -> allowed values, where the DTD enumerates them
ENUMERATED = {
    ("input", "type"): {"text", "password", "checkbox", "radio", "submit", "reset", "file",
                        "hidden", "image", "button"},
    ("button", "type"): {"button", "submit", "reset"},
    ("form", "method"): {"get", "post"},
}
