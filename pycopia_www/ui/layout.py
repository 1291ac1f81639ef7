"""The shipped page layout: header with the site's name and who is logged in, the navigation
menu built from the URL map, flash messages, the content area and a footer. See docs/ui.md.

    from pycopia_www.ui import Layout, page

    def view(request):
        p = page(request, "Network")          # the default layout
        p.content.add_paragraph("...")
        return p                              # a handler may return the page itself

    layout = Layout(site_name="My box", stylesheets=["/media/site.css"])
    p = layout.page(request, "Network")

Pages are HTML5 (in XML syntax, negotiated like any markup document) because the layout's
landmarks (<header>, <nav>, <main>, <footer>) and ARIA attributes do not exist in XHTML 1.0.
This module sits above web/ (it reads the request) and markup/ (it builds the page).
"""
from urllib.parse import quote

from .. import STATIC_URL
from ..markup import HTML5Document
from .flash import flash_messages

STYLESHEET = STATIC_URL + "pwww.css"
FAVICON = STATIC_URL + "favicon.svg"
LOGIN_ROUTE, LOGOUT_ROUTE = "auth-login", "auth-logout"


class Page:
    """One page in the layout. Build into `content` (the <main> element); `header`, `nav`,
    `footer` and `doc` (the HTML5Document) are there for what a page adds elsewhere. A handler
    may return the Page: it renders like its document."""

    def __init__(self, doc, header, nav, flashes, content, footer):
        self.doc = doc
        self.header = header
        self.nav = nav
        self._flashes = flashes
        self.content = content
        self.footer = footer

    # What belongs to the document as a whole, reachable from the page.
    _DOCUMENT_METHODS = frozenset({"add_script", "add_inline_script", "add_stylesheet",
                                   "add_inline_style", "add_meta", "add_body_class", "head", "body",
                                   "to_bytes", "title"})

    def __getattr__(self, name):
        if name in Page._DOCUMENT_METHODS:
            return getattr(self.doc, name)
        raise AttributeError(f"'Page' object has no attribute {name!r} (build into page.content)")

    def flash(self, text: str, kind: str = "info") -> None:
        """A message at the top of the content ("Saved."); kind is info, success, warning or
        error (a CSS class; an error is announced at once by screen readers)."""
        role = "alert" if kind == "error" else "status"
        self._flashes.add_paragraph(text, class_=["flash", kind], role=role)

    def render(self, accept_header=None):
        return self.doc.render(accept_header)


class Layout:
    """What every page of a site shares. `site_name` is a string or a callable(request) -> str
    (read per page, e.g. from settings); None means the virtual host's first host name.
    `footer` is a callable(page, request) that fills page.footer; `home` the route name the
    site's name links to ("/" if there is no such route)."""

    def __init__(self, site_name=None, *, stylesheets=(), scripts=(), footer=None, home="home",
                 lang="en"):
        self.site_name = site_name
        self.stylesheets = tuple(stylesheets)
        self.scripts = tuple(scripts)
        self.footer = footer
        self.home = home
        self.lang = lang

    def name_for(self, request) -> str:
        name = self.site_name(request) if callable(self.site_name) else self.site_name
        if name:
            return name
        urls = _urls(request)
        hosts = urls.vhost.hosts if urls is not None else ()
        return hosts[0] if hosts else "pycopia-www"

    def page(self, request, title: str, *, heading: bool = True) -> Page:
        """A new page titled `title` ("Title — Site" in the browser's tab) with an <h1> of the
        title unless heading=False."""
        site = self.name_for(request)
        doc = HTML5Document(f"{title} — {site}" if title and title != site else site,
                            lang=self.lang, body_class="pwww")
        doc.add_meta(name="viewport", content="width=device-width, initial-scale=1")
        doc.add_meta(name="color-scheme", content="light dark")
        doc.head._add("link", None, {"rel": "icon", "type": "image/svg+xml", "href": FAVICON})
        for href in (STYLESHEET, *self.stylesheets):
            doc.add_stylesheet(href)
        for src in self.scripts:
            doc.add_script(src, in_body=True)
        doc.body.add_anchor("#content", "Skip to the content", class_="skip")
        header = doc.body.add_element("header", class_="site")
        header.add_anchor(self._home_url(request), site, class_="site-name")
        _who(header, request)
        nav = _menu(doc.body, request)
        main = doc.body.add_element("main", id="content", tabindex="-1")
        flashes = main.add_div(class_="flashes")
        page = Page(doc, header, nav, flashes, main, doc.body.add_element("footer", class_="site"))
        for kind, text in flash_messages(request):
            page.flash(text, kind)
        if heading and title:
            main.add_heading(1, title)
        if self.footer is not None:
            self.footer(page, request)
        else:
            page.footer.add_paragraph("pycopia-www")
        return page

    def error_page(self, request, error) -> Page:
        """An error in the layout: the status's title and the error's reason (error.reason)."""
        page = self.page(request, error.title)
        page.content.add_paragraph(error.reason, class_="reason")
        page.content.add_paragraph().add_anchor(self._home_url(request), "Go to the home page")
        return page

    def _home_url(self, request) -> str:
        try:
            return request.get_url(self.home)
        except (LookupError, RuntimeError):
            return "/"


def _urls(request):
    try:
        return request.urls
    except RuntimeError:        # a request without a URL map (built outside build_app)
        return None


def _who(header, request) -> None:
    """The logged-in user and a log-out button (a POST form: the CSRF token goes in by itself),
    or a log-in link where the virtual host has users."""
    box = header.add_div(class_="who")
    user = request.user
    try:
        login = request.get_url(LOGIN_ROUTE)
        logout = request.get_url(LOGOUT_ROUTE)
    except (LookupError, RuntimeError):     # no standard auth pages on this virtual host
        login = logout = None
    if user is None:
        if login is not None and request.path != login:
            box.add_anchor(f"{login}?next={quote(request.path, safe='/')}", "Log in", class_="login")
        return
    p = box.add_paragraph("Logged in as ", class_="user")
    p.add_strong(user.name)
    if logout is not None:
        form = box.add_form(action=logout, id="logout", class_="logout")
        form.add_button("Log out", type="submit")


def _menu(body, request):
    """<nav> with the entries of the URL map this user may reach, grouped by section; None when
    the virtual host has no menu entries."""
    urls = _urls(request)
    entries = [e for e in (urls.menu if urls is not None else ()) if e.visible_to(request.user)]
    if not entries:
        return None
    nav = body.add_element("nav", class_="menu", aria_label="Main menu")
    top = nav.add_element("ul")
    sections = {}
    for entry in entries:
        if entry.section is None:
            _menu_item(top, entry, request)
            continue
        if entry.section not in sections:
            item = top.add_element("li", class_="section")
            item.add_span(entry.section, class_="section-name")
            sections[entry.section] = item.add_element("ul")
        _menu_item(sections[entry.section], entry, request)
    return nav


def _menu_item(parent, entry, request) -> None:
    item = parent.add_element("li")
    current = "page" if request.path == entry.url else None
    link = item.add_anchor(entry.url, None, aria_current=current)
    if entry.icon:
        link.add_image(entry.icon, "", class_="icon", width="16", height="16")
    link.add_text(entry.label)


DEFAULT = Layout()


def page(request, title: str, **kw) -> Page:
    """A page in the default layout (Layout().page)."""
    return DEFAULT.page(request, title, **kw)


def error_page(request, error) -> Page:
    """The framework's error page, in the default layout: usable as a backend's error page
    (error_pages = {404: "pycopia_www.ui.layout.error_page"}) or by web/errorpages.py."""
    return DEFAULT.error_page(request, error)
