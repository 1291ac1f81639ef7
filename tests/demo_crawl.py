"""Every page of the demo site, fetched through real lighttpd the way a visitor reaches it: from the
home page of each virtual host, following every href, src and action, logged out and logged in,
each page in both serialisations (Accept: application/xhtml+xml, then text/html); the error pages
(404 on each host, 405, a form post refused by the CSRF check, a wrong password); every POST
form submitted as shown, and again with values it refuses, so its errors are on the page.

The result feeds the Nu Html Checker run (tests/nucheck.py) and the link check
(tests/conformance/test_links.py). Redirect answers (3xx) are followed and not checked as pages:
no browser shows their bodies; neither are lighttpd's own error pages (a missing static file),
which are not the demo's.
"""
import http.client
import tomllib
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html

from demofarm import DEMO

XHTML, HTML = "application/xhtml+xml", "text/html"
USER, PASSWORD = "nu-checker", "nu-checker-pw-1"
MAX_REDIRECTS = 5
# (tag, attribute) pairs that hold a URL a browser follows or loads
URL_ATTRIBUTES = {("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"),
                  ("form", "action"), ("iframe", "src"), ("area", "href")}


def demo_hosts() -> list[list[str]]:
    """The host names of each virtual host of the demo, canonical first."""
    return [tomllib.loads(file.read_text())["hosts"]
            for file in sorted((DEMO / "etc" / "backends.d").glob("*.toml"))]


@dataclass
class Reply:
    url: str                    # the URL that answered (after redirects)
    status: int
    content_type: str
    body: bytes
    location: str = ""
    hops: list = field(default_factory=list)    # the redirects that led here

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    @property
    def is_page(self) -> bool:
        return self.media_type in (XHTML, HTML)


class Visitor:
    """Just enough of a browser: cookies per host name, Host headers naming the farm's port,
    redirects followed within the site only."""

    def __init__(self, port: int, site_hosts: set[str]):
        self.port, self.site_hosts = port, site_hosts
        self.cookies: dict[str, dict[str, str]] = {}

    def on_site(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme == "http" and parts.hostname in self.site_hosts and parts.port == self.port

    def fetch(self, url: str, *, accept=XHTML, method="GET", form=None) -> Reply:
        hops = []
        while True:
            reply = self._once(url, accept, method, form)
            if reply.status not in (301, 302, 303, 307, 308) or len(hops) == MAX_REDIRECTS:
                reply.hops = hops
                return reply
            hops.append((reply.status, url))
            url = urljoin(url, reply.location)
            if not self.on_site(url):
                raise OffSite(f"{hops[-1][1]} redirects off the site, to {url}")
            if reply.status == 303 or reply.status in (301, 302) and method == "POST":
                method, form = "GET", None

    def _once(self, url, accept, method, form) -> Reply:
        parts = urlsplit(url)
        host = parts.hostname
        headers = {"Host": parts.netloc, "Accept": accept}
        if self.cookies.get(host):
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies[host].items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body, headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        jar = self.cookies.setdefault(host, {})
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            if "max-age=0" in header.lower():
                jar.pop(name, None)
            else:
                jar[name] = rest.split(";", 1)[0]
        return Reply(url, response.status, response.getheader("Content-Type") or "", data,
                     response.getheader("Location") or "")


class OffSite(Exception):
    """A redirect to a URL outside the demo."""


def parse(reply: Reply):
    return lxml.html.document_fromstring(reply.body)


def urls_in(root):
    """(tag, attribute, value) for every URL a browser would follow or load, forms aside."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rpartition("}")[2].lower()
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value is not None and (tag, attribute) in URL_ATTRIBUTES:
                yield tag, attribute, value


def form_target(page_url: str, form) -> tuple[str, str]:
    """(method, absolute action URL) of a form: no action is the page itself."""
    return (form.get("method") or "get").lower(), urljoin(page_url, form.get("action") or page_url)


@dataclass
class Link:
    identity: str
    page: str                   # the URL of the page that has it
    where: str                  # "a@href", "form@action" ...
    url: str
    status: int | None = None   # the final status, once fetched
    problem: str | None = None


@dataclass
class Crawl:
    documents: list = field(default_factory=list)      # (name, body, media type)
    links: list = field(default_factory=list)          # Link
    names: set = field(default_factory=set)

    def record(self, name: str, reply: Reply) -> None:
        """One page as a document for the checker (a redirect's body is no page)."""
        if reply.is_page and not 300 <= reply.status < 400:
            name = f"{name} -> {reply.status} {reply.media_type}"
            if name not in self.names:
                self.names.add(name)
                self.documents.append((name, reply.body, reply.content_type))


class DemoCrawler:
    def __init__(self, port: int):
        self.port = port
        self.vhosts = demo_hosts()
        self.site_hosts = {host for hosts in self.vhosts for host in hosts}
        self.crawl = Crawl()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def visitor(self, identity: str) -> Visitor:
        visitor = Visitor(self.port, self.site_hosts)
        if identity != "anonymous":
            login = self.url(self.vhosts[0][0], "/auth/login")
            form = dict(parse(visitor.fetch(login)).forms[0].form_values())
            reply = visitor.fetch(login, method="POST",
                                  form={**form, "name": USER, "password": PASSWORD, "next": "/"})
            assert reply.hops and reply.hops[0][0] == 303, f"login failed: {reply.status}"
        return visitor

    def run(self) -> Crawl:
        for identity in ("anonymous", USER):
            for page_url, index, action in self.pages(identity):
                self.submit(identity, page_url, index, action)
            self.error_pages(identity)
        return self.crawl

    # ----- pages and links ----------------------------------------------------------------------

    def pages(self, identity: str) -> list:
        """Crawl from each virtual host's home page; the POST forms found, to submit later."""
        visitor = self.visitor(identity)
        # Each host's home page, and the login page (no page links to it once logged in).
        queue = [self.url(hosts[0], "/") for hosts in self.vhosts]
        queue.append(self.url(self.vhosts[0][0], "/auth/login"))
        fetched: dict[str, Reply | OffSite] = {}
        forms, links, seen_forms = [], [], set()

        def follow(link: Link) -> None:
            links.append(link)
            if not visitor.on_site(link.url):
                link.problem = "leaves the site"
            else:
                queue.append(link.url.partition("#")[0])     # a fragment names a part of a page

        while queue:
            url = queue.pop(0)
            if url in fetched:
                continue
            try:
                reply = fetched[url] = visitor.fetch(url)
            except OffSite as exc:
                fetched[url] = exc
                continue
            if not reply.is_page or reply.status != 200:
                continue
            name = f"{identity}: GET {url}"
            self.crawl.record(f"{name} as {XHTML}", reply)
            self.crawl.record(f"{name} as {HTML}", visitor.fetch(url, accept=HTML))
            root = parse(reply)
            for tag, attribute, value in urls_in(root):
                follow(Link(identity, reply.url, f"{tag}@{attribute}", urljoin(reply.url, value)))
            for index, form in enumerate(root.forms):
                method, action = form_target(reply.url, form)
                if method != "post":
                    follow(Link(identity, reply.url, "form@action (GET)", action))
                    continue
                # The same form on many pages (the logout buttons) is submitted once.
                key = (action, tuple(sorted(name for name, _ in form.form_values())))
                if key not in seen_forms:
                    seen_forms.add(key)
                    forms.append((reply.url, index, action))
        for link in links:
            reply = fetched.get(link.url.partition("#")[0])
            if isinstance(reply, OffSite):
                link.problem = str(reply)
            elif reply is not None and link.problem is None:
                link.status = reply.status
        self.crawl.links += links
        return forms

    # ----- forms --------------------------------------------------------------------------------

    def submit(self, identity: str, page_url: str, index: int, action: str) -> None:
        """Submit a POST form as shown (in a fresh session: a logout form ends it), then with
        values it refuses; every answer that is a page, in both serialisations. A table page's
        delete form sent as shown deletes nothing: its confirmation is the button's name and
        value, which lxml's form values (what a form sends without a click) leave out."""
        link = Link(identity, page_url, "form@action (POST)", action)
        self.crawl.links.append(link)
        if not Visitor(self.port, self.site_hosts).on_site(action):
            link.problem = "leaves the site"
            return
        attempts = [("as shown", {})] + REFUSED.get(urlsplit(action).path, [])
        for why, changes in attempts:
            for accept in (XHTML, HTML):
                visitor = self.visitor(identity)
                form = parse(visitor.fetch(page_url)).forms[index]     # this session's token
                fields = {**dict(form.form_values()), **changes}
                reply = visitor.fetch(action, accept=accept, method="POST", form=fields)
                if link.status is None:
                    link.status = reply.status
                self.crawl.record(f"{identity}: POST {action} ({why}) as {accept}", reply)

    def error_pages(self, identity: str) -> None:
        visitor = self.visitor(identity)
        probes = [(self.url(hosts[0], "/no/such/page"), "GET", None) for hosts in self.vhosts]
        probes += [(self.url(self.vhosts[0][0], "/auth/logout"), "GET", None),       # 405
                   (self.url(self.vhosts[0][0], "/notes"), "POST", {"text": "no token"})]  # 403
        for url, method, form in probes:
            for accept in (XHTML, HTML):
                reply = visitor.fetch(url, accept=accept, method=method, form=form)
                assert reply.status >= 400, (url, reply.status)
                self.crawl.record(f"{identity}: {method} {url} as {accept}", reply)


# Values each form refuses, so the page shows its errors (path of the action -> [(why, fields)]).
REFUSED = {
    "/notes": [("an empty note", {"text": "  "})],
    "/settings": [("a refresh that is no number", {"refresh_seconds": "x"}),
                  ("a refresh out of range", {"refresh_seconds": "0"}),
                  ("an empty site name", {"site_name": ""})],
    "/auth/login": [("a wrong password", {"name": USER, "password": "wrong"})],
    "/tables/groups/add": [("a name that is taken", {"name": "lab"})],
    "/tables/hosts/add": [("a name too long and a group that is none", {"name": "h" * 64,
                                                                       "group_id": "x"})],
}


def crawl_demo(farm) -> Crawl:
    proc = farm.ctl("user", "add", USER, "--roles", "admin", input=PASSWORD + "\n", check=False)
    assert proc.returncode == 0 or "exists" in proc.stderr, proc.stderr
    return DemoCrawler(farm.port).run()
