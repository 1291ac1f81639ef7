"""Check builder output the way a browser and the W3C would; used by the test suite and by
anyone who wants to check a page of their own.

    from pycopia_www.markup.validate import html5_errors, nu_errors, xhtml1_strict_errors
    assert xhtml1_strict_errors(doc.to_bytes()) == []
    assert html5_errors(doc.to_bytes("text/html")) == []
    report = nu_errors([("home", body, "text/html"), ...], jar="vnu.jar")   # {name: [errors]}

XHTML 1.0 Strict: validated against the W3C DTD installed by Debian's w3c-sgml-lib package
(no network). libxml2 cannot follow that DTD's relative references to its entity files
through the system catalog, so the DTD and its three xhtml-*.ent files are copied into one
temporary directory and loaded from there.

HTML5: parsed as text/html by html5lib (a test dependency, imported on first use) and as XML by
lxml. A page passes when the text/html parser reports no error and both parsers build the
same tree (same elements, attributes and text, in the same order).

The Nu Html Checker (vnu.jar, the W3C's checker for HTML as browsers read it; npm's vnu-jar
ships it) runs on Java and starts slowly, so nu_errors checks many documents in one process.
"""
import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from .namespace import XML_NS

DTD_ROOT = "/usr/share/xml/w3c-sgml-lib/schema/dtd"
STRICT_DTD = "REC-xhtml1-20020801/xhtml1-strict.dtd"
ENTITY_FILES = [f"REC-xhtml-modularization-20100729/xhtml-{name}.ent"
                for name in ("lat1", "symbol", "special")]
STRICT_PUBLIC_ID = "-//W3C//DTD XHTML 1.0 Strict//EN"


class ValidatorUnavailable(RuntimeError):
    """The DTD (w3c-sgml-lib), html5lib, Java or vnu.jar is not installed."""


@functools.cache
def xhtml1_strict_dtd(dtd_root=DTD_ROOT):
    """The XHTML 1.0 Strict DTD as an lxml DTD object, loaded once per process."""
    files = [STRICT_DTD, *ENTITY_FILES]
    missing = [name for name in files if not os.path.exists(os.path.join(dtd_root, name))]
    if missing:
        raise ValidatorUnavailable(f"missing {missing} under {dtd_root}: "
                                   "apt-get install w3c-sgml-lib")
    with tempfile.TemporaryDirectory(prefix="xhtml-dtd-") as workdir:
        for name in files:
            shutil.copy(os.path.join(dtd_root, name), workdir)
        return etree.DTD(os.path.join(workdir, os.path.basename(STRICT_DTD)))


def _parse_xml(data):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser).getroottree()


def xhtml1_strict_errors(data):
    """Problems that make `data` (a whole page, bytes) invalid XHTML 1.0 Strict; [] if none."""
    try:
        tree = _parse_xml(data)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    problems = []
    if tree.docinfo.public_id != STRICT_PUBLIC_ID:
        problems.append(f"doctype public id is {tree.docinfo.public_id!r}, "
                        f"not {STRICT_PUBLIC_ID!r}")
    dtd = xhtml1_strict_dtd()
    if not dtd.validate(tree):
        problems += [f"line {entry.line}: {entry.message}" for entry in dtd.error_log]
    return problems


def _html5lib():
    try:
        import html5lib
    except ImportError as error:  # a test extra, not a runtime dependency
        raise ValidatorUnavailable("html5_errors needs html5lib (pip install html5lib)") from error
    return html5lib


# serialize.py wraps inline script/style CDATA markers in comments; the two parsers see the
# same code with different comment text.
_POLYGLOT_MARKERS = {"/*<![CDATA[*/": "/**/", "/*]]>*/": "/**/"}


def _canonical(element, out, depth=0):
    """A line per element and text node: what both parsers must agree on."""
    namespace, _, name = element.tag[1:].partition("}")
    text = element.text
    if text and name in ("script", "style"):
        for marker, comment in _POLYGLOT_MARKERS.items():
            text = text.replace(marker, comment)
    attributes = sorted(
        ("xml:" + key[len(XML_NS) + 2:] if key.startswith("{" + XML_NS) else key, value)
        for key, value in element.attrib.items()
        if key != "xmlns")  # a namespace declaration to XML, a plain attribute to text/html
    out.append(f"{'  ' * depth}<{name}> ns={namespace} {attributes}")
    if text:
        out.append(f"{'  ' * depth}  text {text!r}")
    for child in element:
        if isinstance(child.tag, str):
            _canonical(child, out, depth + 1)
        if child.tail:
            out.append(f"{'  ' * depth}  text {child.tail!r}")
    return out


def html5_errors(data, legacy_doctype=False):
    """Problems with reading `data` (a whole page, bytes) as text/html; [] if none.
    legacy_doctype=True accepts a non-HTML5 doctype (to check XHTML 1.0 sent as text/html)."""
    html5lib = _html5lib()
    parser = html5lib.HTMLParser(namespaceHTMLElements=True)  # builds an xml.etree tree
    html_tree = parser.parse(data)
    problems = [f"text/html parse error {code} {details or ''} at {position}"
                for position, code, details in parser.errors
                if not (legacy_doctype and code == "unknown-doctype")]
    try:
        xml_root = _parse_xml(data).getroot()
    except etree.XMLSyntaxError as error:
        return problems + [f"not well-formed XML: {error}"]
    as_html = _canonical(html_tree, [])
    as_xml = _canonical(xml_root, [])
    if as_html != as_xml:
        for index, (left, right) in enumerate(zip(as_html + [""] * len(as_xml),
                                                  as_xml + [""] * len(as_html))):
            if left != right:
                problems.append(f"trees differ at line {index}: text/html {left!r} vs "
                                f"XML {right!r}")
                break
    return problems


# vnu chooses its parser by the file name: .xhtml is read as XML, .html as text/html.
NU_SUFFIXES = {"application/xhtml+xml": ".xhtml", "text/html": ".html"}


def nu_errors(documents, *, jar=None, java="java", timeout=900):
    """Check documents with the Nu Html Checker in one `vnu --errors-only` run.

    documents: (name, body bytes, media type) triples; the media type ("text/html" or
    "application/xhtml+xml", parameters allowed) says which parser reads the body, as the
    Content-Type header would tell a browser. jar: the path of vnu.jar (default: $VNU_JAR).
    Returns {name: [error, ...]} with every name given, in order; [] means the document passed.
    Each error reads "line L, column C: message [extract]"."""
    jar = jar or os.environ.get("VNU_JAR")
    if not jar or not os.path.exists(jar):
        raise ValidatorUnavailable(f"vnu.jar not found ({jar or 'pass jar= or set VNU_JAR'}): "
                                   "it comes with the npm package vnu-jar")
    if shutil.which(java) is None:
        raise ValidatorUnavailable(f"{java!r} not found: install a Java runtime "
                                   "(apt-get install default-jre-headless)")
    documents = list(documents)
    report = {}
    with tempfile.TemporaryDirectory(prefix="vnu-") as workdir:
        files = {}
        for number, (name, body, media_type) in enumerate(documents):
            if name in report:
                raise ValueError(f"two documents are named {name!r}")
            kind = media_type.split(";")[0].strip().lower()
            if kind not in NU_SUFFIXES:
                raise ValueError(f"{name}: the checker reads {sorted(NU_SUFFIXES)}, not {kind!r}")
            path = Path(workdir, f"{number:05d}{NU_SUFFIXES[kind]}")
            path.write_bytes(body)
            files[path.name] = name
            report[name] = []
        if not files:
            return report
        command = [java, "-jar", str(jar), "--errors-only", "--no-langdetect", "--format", "json",
                   "--stdout", "--exit-zero-always", *sorted(str(Path(workdir, f)) for f in files)]
        proc = subprocess.run(command, capture_output=True, timeout=timeout)
        try:
            messages = json.loads(proc.stdout)["messages"]
        except (ValueError, KeyError) as error:
            raise RuntimeError(f"vnu gave no report (exit {proc.returncode}): "
                               f"{proc.stderr.decode(errors='replace')[-2000:]}") from error
    for message in messages:
        file = os.path.basename(unquote(urlsplit(message.get("url", "")).path))
        text = _nu_message(message)
        if file in files:
            report[files[file]].append(text)
        else:                           # about no document: the run itself went wrong
            raise RuntimeError(f"vnu: {text}")
    return report


def _nu_message(message):
    where = ""
    if "lastLine" in message:
        where = f"line {message['lastLine']}, column {message.get('firstColumn', message.get('lastColumn', '?'))}: "
    kind = message.get("type", "error")
    text = where + ("" if kind == "error" else f"{kind}: ") + message.get("message", "")
    if message.get("extract"):
        text += f" [{message['extract'].strip()}]"
    return text
