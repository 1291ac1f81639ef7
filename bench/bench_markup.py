"""bench markup: build and serialise the same 1000-row x 10-column table page three ways.

ours     pycopia_www.markup.XHTMLDocument.add_table (escaping by construction)
jinja2   a Jinja2 template with autoescape on
dominate dominate's tag objects (escapes by default)

Each is timed best-of-N in this one process; the last line is the summary `make bench` reads.
"""
import statistics
import sys
import time

import dominate
import jinja2
from dominate import tags

from pycopia_www.markup import XHTMLDocument

ROWS, COLUMNS, REPEATS = 1000, 10, 25
HEADINGS = [f"Column {column}" for column in range(COLUMNS)]
# Every cell needs escaping work: it holds <, > and & and a quote.
DATA = [[f"r{row}c{column} <{row}> & \"{column}\"" for column in range(COLUMNS)]
        for row in range(ROWS)]
TITLE = "Benchmark <table>"

# The page ours writes for application/xhtml+xml (to_bytes()).
TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en"><head>'
    "<title>{{ title }}</title></head><body><table><thead><tr>"
    '{% for heading in headings %}<th scope="col">{{ heading }}</th>{% endfor %}'
    "</tr></thead><tbody>"
    "{% for row in rows %}<tr class=\"{{ loop.cycle('odd', 'even') }}\">"
    "{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
    "</tbody></table></body></html>")


def with_ours():
    doc = XHTMLDocument(TITLE)
    doc.add_table(DATA, HEADINGS)
    return doc.to_bytes()


def with_jinja2():
    return TEMPLATE.render(title=TITLE, headings=HEADINGS, rows=DATA).encode("utf-8")


def with_dominate():
    page = dominate.document(title=TITLE)
    with page:
        with tags.table():
            with tags.thead(), tags.tr():
                for heading in HEADINGS:
                    tags.th(heading, scope="col")
            with tags.tbody():
                for number, row in enumerate(DATA):
                    with tags.tr(cls="even" if number % 2 else "odd"):
                        for cell in row:
                            tags.td(cell)
    return page.render(pretty=False).encode("utf-8")


def timings(build):
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        build()
        samples.append((time.perf_counter() - start) * 1000)
    return min(samples), statistics.median(samples)


def main():
    peers = {"ours": with_ours, "jinja2": with_jinja2, "dominate": with_dominate}
    for build in peers.values():  # same work, same escaping: check before timing
        page = build()
        assert page.count(b"<td") == ROWS * COLUMNS and b"&lt;0&gt; &amp;" in page, build
    results = {name: timings(build) for name, build in peers.items()}
    jinja2_best = results["jinja2"][0]
    print(f"{'builder':<10}{'best ms':>10}{'median ms':>11}{'vs jinja2':>11}   "
          f"({ROWS}x{COLUMNS} table, best of {REPEATS})")
    for name, (best, median) in results.items():
        print(f"{name:<10}{best:>10.2f}{median:>11.2f}{best / jinja2_best:>10.2f}x")
    print("bench markup: " + " ".join(f"{name}={best:.2f}"
                                      for name, (best, _) in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
