"""A corpus of pages built with pycopia_www.markup, one per kind of building block, for the
validity tests. Each builder takes a Document class and returns the finished document; the
same code must give valid XHTML 1.0 Strict and well-formed polyglot HTML5."""
from pycopia_www.markup import url

NASTY = "Tom & Jerry <b>\"quoted\" 'single'</b> ]]> </script> \x01 \u00e9\u4e2d\U0001f600"


def page_text(cls):
    doc = cls("Text " + NASTY, body_class=["text", "page"])
    doc.add_meta(name="description", content=NASTY)
    main = doc.add_section("main")
    for level in range(1, 7):
        main.add_heading(level, f"Heading {level} {NASTY}")
    para = main.add_paragraph("Plain " + NASTY + " ")
    para.add_strong("strong")
    para.add_text(", ")
    para.add_emphasis("emphasis")
    para.add_text(", ")
    para.add_code("code()")
    para.add_break()
    para.add_span("span", class_="note", title=NASTY)
    main.add_preformatted("  preformatted\n\ttext " + NASTY)
    quote = main.add_blockquote(cite="http://example.com/q?a=1&b=2")
    quote.add_paragraph("A quotation.")
    main.add_rule()
    main.add_div("A division with text " + NASTY)
    return doc


def page_links_and_images(cls):
    doc = cls("Links")
    box = doc.add_section("links", class_="nav")
    para = box.add_paragraph()
    para.add_anchor("/plain?x=1&y=<2>", "plain " + NASTY, title=NASTY)
    para.add_anchor(url("home"), "resolved")
    para.add_image("/media/logo.png", "Logo " + NASTY, width=10, height=20)
    para.add_image("/media/spacer.gif", "")
    doc.add_stylesheet("/media/site.css")
    doc.add_stylesheet("/media/print.css", media="print")
    doc.add_script("/pwww/proxy.js", module=True)
    doc.add_script("/js/legacy.js", defer=True)
    doc.add_script("/js/late.js", in_body=True)
    return doc


def page_scripts(cls):
    doc = cls("Scripts")
    doc.add_inline_style("p > a::after { content: \"</style>]]>\"; }\nbody { color: #333 }")
    doc.add_inline_script("var s = '</script><script>alert(1)</script>';\nif (1 < 2 && 3 > 2) {}"
                          "\nvar t = a[b[0]]; // ]]>\n<!-- not a comment")
    doc.add_inline_script("import { proxy } from '/pwww/proxy.js';", module=True)
    doc.add_paragraph("Body after scripts.")
    doc.add_inline_script("document.body.className += ' ready';", in_body=True)
    return doc


def page_lists(cls):
    doc = cls("Lists")
    box = doc.add_div(id="lists")
    box.add_list(["one", NASTY, 3])
    box.add_list({"zeta", "alpha", "mid"}, ordered=True)
    box.add_list({"Fruit": ["apple", "pear"], "Count": 2, "Nested": {"deep": {"x", "y"}}})
    box.add_list([], empty="Nothing here")
    box.add_list(["with a link", box.new_anchor("/a", "link")])
    box.add_definition_list({"term " + NASTY: "definition", "several": ["one", "two"]})
    box.add_definition_list([("pairs", box.new_strong("strong definition"))])
    return doc


def page_tables(cls):
    doc = cls("Tables")
    box = doc.add_section("tables")
    rows = [[number, f"name {number} {NASTY}", number * 1.5, None] for number in range(6)]
    box.add_table(rows, ["#", "Name", "Value", "Empty"], caption="Caption " + NASTY,
                  formatters={"Value": "{:.2f}".format}, cell_ids="cell", row_headings=True)
    table = box.add_table([["a", "b"]], zebra=None, title="no headings", class_="plain")
    table.add_row(["c", box.new_anchor("/d", "d")], class_="extra")
    box.add_table([[box.new_list(["x", "y"]), "text"]], ["Nested", "Text"], cell_ids=lambda r, c: f"n{r}{c}")
    return doc


def page_form(cls):
    doc = cls("Form", csrf_token="token-<&>")
    content = doc.add_section("content")
    values = {"hostname": "box <1>", "mode": "dhcp", "services": ["ssh", "http"],
              "zone": ["utc"], "enabled": True, "ipv6": False, "port": 8080,
              "password": "never shown", "notes": NASTY}
    errors = {"hostname": "must not contain <", "mode": ["pick one", "really"],
              None: "The form has errors."}
    form = content.add_form(action=url("settings"), values=values, errors=errors, id="settings")
    network = form.add_fieldset("Network " + NASTY)
    network.add_textinput("hostname", "Host name", maxlength=64)
    network.add_password("password", "Password")
    network.add_number("port", "Port", min=1, max=65535)
    network.add_email("admin", "Admin e-mail", value="root@localhost")
    network.add_radios("mode", "Addressing", [("static", "Static"), ("dhcp", "DHCP")])
    network.add_checkboxes("services", "Services", {"ssh": "SSH", "http": "HTTP", "ftp": "FTP"})
    network.add_checkbox("enabled", "Enabled")
    network.add_yesno("ipv6", "IPv6")
    network.add_select("zone", "Time zone", {"World": ["utc"], "Europe": {"cet": "Berlin"}})
    network.add_select("many", "Many", ["a", "b", "c"], selected=["b"], multiple=True, size=3)
    network.add_textarea("notes", "Notes", rows=3, cols=30)
    network.add_fileinput("upload", "Upload")
    network.add_label("hostname-extra", "Separate label")
    network.add_textinput("extra", None, id="hostname-extra")
    form.add_hidden("version", 3)
    form.add_submit("Save")
    form.add_reset("Undo")
    form.add_button("Help", name="action", value="help")
    search = content.add_form(action="/search", method="get")
    para = search.add_paragraph("Search: ")
    para.add_textinput("q", None)
    para.add_submit("Go")
    return doc


def page_raw(cls):
    doc = cls("Raw")
    box = doc.add_div()
    box.add_unsafe_markup('lead <em>emphasis</em> and <a href="/x">a link</a> tail')
    return doc


PAGES = [page_text, page_links_and_images, page_scripts, page_lists, page_tables, page_form,
         page_raw]


# -- helpers for the markup tests: read a page back the way a browser in XML mode would --------

def parse(document):
    """The serialised document parsed back (lxml root element)."""
    from lxml import etree
    return etree.fromstring(document.to_bytes(), etree.XMLParser(resolve_entities=False))


def xpath(document_or_root, path):
    """Elements matching `path`, where "h:" is the XHTML namespace prefix."""
    root = document_or_root if hasattr(document_or_root, "xpath") else parse(document_or_root)
    return root.xpath(path, namespaces={"h": "http://www.w3.org/1999/xhtml"})
