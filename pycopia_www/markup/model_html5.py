"""A practical HTML5 content model for debug-mode checks of HTML5 documents.

HTML5 has no DTD; this follows the spec's content categories closely enough to catch the
mistakes that change the tree a text/html parser builds (a block inside a paragraph, a row
straight inside a table, a form inside a form) and misspelt attributes. `data-*`, `aria-*`,
`role` and `on*` handlers are accepted on every element.
"""
TEXT = "#PCDATA"

GLOBAL = frozenset({
    "accesskey", "autocapitalize", "autofocus", "class", "contenteditable", "dir", "draggable",
    "enterkeyhint", "hidden", "id", "inert", "inputmode", "is", "itemid", "itemprop", "itemref",
    "itemscope", "itemtype", "lang", "nonce", "popover", "spellcheck", "style", "tabindex",
    "title", "translate", "xml:lang", "role"})

PHRASING = {
    "a", "abbr", "audio", "b", "bdi", "bdo", "br", "button", "canvas", "cite", "code", "data",
    "datalist", "del", "dfn", "em", "embed", "i", "iframe", "img", "input", "ins", "kbd", "label",
    "map", "mark", "meter", "noscript", "object", "output", "picture", "progress", "q", "ruby",
    "s", "samp", "script", "select", "slot", "small", "span", "strong", "sub", "sup", "template",
    "textarea", "time", "u", "var", "video", "wbr"}
HEADING = {"h1", "h2", "h3", "h4", "h5", "h6", "hgroup"}
SECTIONING = {"article", "aside", "nav", "section"}
FLOW_ONLY = {"address", "blockquote", "details", "dialog", "div", "dl", "fieldset", "figure",
             "footer", "form", "header", "hr", "main", "menu", "ol", "p", "pre", "search",
             "table", "ul"} | HEADING | SECTIONING

PHRASING_CONTENT = frozenset({TEXT} | PHRASING)
FLOW_CONTENT = frozenset(PHRASING_CONTENT | FLOW_ONLY)
# interactive content may not nest inside a or button
INTERACTIVE = {"a", "button", "details", "embed", "iframe", "input", "label", "select",
               "textarea"}
EMPTY = frozenset()
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})

CHILDREN = {
    **{name: PHRASING_CONTENT for name in PHRASING - VOID},
    **{name: FLOW_CONTENT for name in FLOW_ONLY},
    **{name: PHRASING_CONTENT for name in {"p", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
                                           "legend", "dt", "summary"}},
    **{name: EMPTY for name in VOID},
    "html": frozenset({"head", "body"}),
    "head": frozenset({"title", "base", "meta", "link", "style", "script", "noscript",
                       "template"}),
    "title": frozenset({TEXT}), "style": frozenset({TEXT}), "script": frozenset({TEXT}),
    "option": frozenset({TEXT}), "textarea": frozenset({TEXT}),
    "body": FLOW_CONTENT, "li": FLOW_CONTENT, "dd": FLOW_CONTENT, "td": FLOW_CONTENT,
    "th": FLOW_CONTENT, "caption": FLOW_CONTENT - {"table"}, "figcaption": FLOW_CONTENT,
    "ins": FLOW_CONTENT, "del": FLOW_CONTENT, "noscript": FLOW_CONTENT,
    "template": FLOW_CONTENT, "object": FLOW_CONTENT, "video": FLOW_CONTENT | {"source", "track"},
    "audio": FLOW_CONTENT | {"source", "track"}, "canvas": FLOW_CONTENT,
    "a": FLOW_CONTENT - INTERACTIVE, "button": PHRASING_CONTENT - INTERACTIVE,
    "label": PHRASING_CONTENT - {"label"},
    "form": FLOW_CONTENT - {"form"},
    "fieldset": FLOW_CONTENT | {"legend"},
    "details": FLOW_CONTENT | {"summary"},
    "figure": FLOW_CONTENT | {"figcaption"},
    "hgroup": frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p"}),
    "ul": frozenset({"li", "script", "template"}), "ol": frozenset({"li", "script", "template"}),
    "menu": frozenset({"li", "script", "template"}),
    "dl": frozenset({"dt", "dd", "div", "script", "template"}),
    "select": frozenset({"option", "optgroup", "hr", "script", "template"}),
    "optgroup": frozenset({"option", "script", "template"}),
    "datalist": PHRASING_CONTENT | {"option"},
    "picture": frozenset({"source", "img"}),
    "map": FLOW_CONTENT | {"area"},
    # no tr directly in table: the text/html parser would invent a tbody around it
    "table": frozenset({"caption", "colgroup", "thead", "tbody", "tfoot", "script", "template"}),
    "thead": frozenset({"tr"}), "tbody": frozenset({"tr"}), "tfoot": frozenset({"tr"}),
    "colgroup": frozenset({"col", "template"}), "tr": frozenset({"th", "td"}),
    "ruby": PHRASING_CONTENT | {"rt", "rp"}, "rt": PHRASING_CONTENT, "rp": PHRASING_CONTENT,
}

_FORM_ASSOCIATED = {"form", "name", "disabled"}
_SUBMITTER = {"formaction", "formenctype", "formmethod", "formnovalidate", "formtarget",
              "popovertarget", "popovertargetaction"}
ATTRIBUTES = {
    **{name: GLOBAL for name in CHILDREN},
    "html": GLOBAL | {"xmlns"},
    "base": GLOBAL | {"href", "target"},
    "meta": GLOBAL | {"name", "http-equiv", "content", "charset", "media"},
    "link": GLOBAL | {"href", "crossorigin", "rel", "media", "integrity", "hreflang", "type",
                      "referrerpolicy", "sizes", "imagesrcset", "imagesizes", "as", "blocking",
                      "color", "disabled", "fetchpriority"},
    "style": GLOBAL | {"media", "blocking", "type"},
    "script": GLOBAL | {"src", "type", "nomodule", "async", "defer", "crossorigin", "integrity",
                        "referrerpolicy", "blocking", "fetchpriority"},
    "a": GLOBAL | {"href", "target", "download", "ping", "rel", "hreflang", "type",
                   "referrerpolicy"},
    "area": GLOBAL | {"alt", "coords", "shape", "href", "target", "download", "ping", "rel",
                      "referrerpolicy"},
    "img": GLOBAL | {"alt", "src", "srcset", "sizes", "crossorigin", "usemap", "ismap", "width",
                     "height", "referrerpolicy", "decoding", "loading", "fetchpriority"},
    "blockquote": GLOBAL | {"cite"}, "q": GLOBAL | {"cite"},
    "ins": GLOBAL | {"cite", "datetime"}, "del": GLOBAL | {"cite", "datetime"},
    "time": GLOBAL | {"datetime"}, "data": GLOBAL | {"value"},
    "ol": GLOBAL | {"reversed", "start", "type"}, "li": GLOBAL | {"value"},
    "form": GLOBAL | {"accept-charset", "action", "autocomplete", "enctype", "method", "name",
                      "novalidate", "target", "rel"},
    "label": GLOBAL | {"for"},
    "input": GLOBAL | _FORM_ASSOCIATED | _SUBMITTER | {
        "accept", "alt", "autocomplete", "checked", "dirname", "height", "list", "max",
        "maxlength", "min", "minlength", "multiple", "pattern", "placeholder", "readonly",
        "required", "size", "src", "step", "type", "value", "width"},
    "button": GLOBAL | _FORM_ASSOCIATED | _SUBMITTER | {"type", "value"},
    "select": GLOBAL | _FORM_ASSOCIATED | {"autocomplete", "multiple", "required", "size"},
    "optgroup": GLOBAL | {"disabled", "label"},
    "option": GLOBAL | {"disabled", "label", "selected", "value"},
    "textarea": GLOBAL | _FORM_ASSOCIATED | {"autocomplete", "cols", "dirname", "maxlength",
                                             "minlength", "placeholder", "readonly", "required",
                                             "rows", "wrap"},
    "fieldset": GLOBAL | _FORM_ASSOCIATED,
    "output": GLOBAL | {"for", "form", "name"},
    "progress": GLOBAL | {"value", "max"},
    "meter": GLOBAL | {"value", "min", "max", "low", "high", "optimum"},
    "details": GLOBAL | {"open", "name"}, "dialog": GLOBAL | {"open"},
    "td": GLOBAL | {"colspan", "rowspan", "headers"},
    "th": GLOBAL | {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": GLOBAL | {"span"}, "colgroup": GLOBAL | {"span"},
    "iframe": GLOBAL | {"src", "srcdoc", "name", "sandbox", "allow", "allowfullscreen", "width",
                        "height", "referrerpolicy", "loading"},
    "embed": GLOBAL | {"src", "type", "width", "height"},
    "object": GLOBAL | {"data", "type", "name", "form", "width", "height"},
    "source": GLOBAL | {"type", "media", "src", "srcset", "sizes", "width", "height"},
    "track": GLOBAL | {"kind", "src", "srclang", "label", "default"},
    "video": GLOBAL | {"src", "crossorigin", "poster", "preload", "autoplay", "playsinline",
                       "loop", "muted", "controls", "width", "height"},
    "audio": GLOBAL | {"src", "crossorigin", "preload", "autoplay", "loop", "muted", "controls"},
    "canvas": GLOBAL | {"width", "height"},
    "map": GLOBAL | {"name"},
}

REQUIRED_ATTRIBUTES = {"img": ("src", "alt"), "area": ("alt",)}

REQUIRED_CHILDREN = {
    "html": ("head", "body"), "head": ("title",), "optgroup": ("option",),
    "thead": ("tr",), "tfoot": ("tr",), "tbody": ("tr",), "tr": ("th", "td"),
}

ENUMERATED = {
    ("input", "type"): {"button", "checkbox", "color", "date", "datetime-local", "email", "file",
                        "hidden", "image", "month", "number", "password", "radio", "range",
                        "reset", "search", "submit", "tel", "text", "time", "url", "week"},
    ("button", "type"): {"button", "submit", "reset"},
    ("form", "method"): {"get", "post", "dialog"},
}
