"""Tables from rows of Python values, built for speed.

The hot path makes one template <tr> per (row length, zebra class) and deep-copies it for each
row: lxml copies a whole row in C, so Python only touches each cell once, to set its text.
That, not SubElement per cell, is what keeps a 10,000-cell table near a template engine's time
(see docs/markup.md, "Where the time goes").
"""
import threading
from typing import NamedTuple

from lxml import etree
from lxml.etree import SubElement

from .errors import MarkupError
from .text import clean_text, set_text
from .urls import check_scheme


_shared = threading.local()     # row templates, per thread: lxml trees stay in their thread
_SHARED_TEMPLATES = 64


class Link(NamedTuple):
    """A cell holding one link, `<a href="...">text</a>`: for a table with a link per row, much
    cheaper than a new_anchor node per cell (no node object, no resolver: href is a URL, e.g.
    from get_url). Both are escaped and cleaned like any text, and a script URL (javascript:)
    is refused as in any href."""
    href: str
    text: str


class TablesMixin:
    __slots__ = ()

    def add_table(self, rows=(), headings=None, *, formatters=None, zebra=("odd", "even"),
                  cell_ids=None, row_headings=False, caption=None, column_classes=None, **attrs):
        """A table: optional caption, a <thead> row of `headings`, and a <tbody> of `rows`.

        formatters: per column, a callable value -> text (or node); a sequence aligned with
            the columns (None = plain str()), or a dict keyed by column index or heading.
        zebra: classes given to body rows in turn; None for none.
        cell_ids: None; a prefix ("t" -> id "t-<row>-<col>", counted from 0); or a callable
            (row, col) -> id.
        row_headings: make each row's first cell a <th scope="row">.
        column_classes: per column, the class of its body cells (None = none), e.g. "number"
            for the stylesheet's right-aligned figures; set once on the row template, free per row.
        Returns the Table; table.add_row(values) appends more rows the same way.
        """
        table = self._add("table", None, attrs, cls=self.table_class)
        if caption is not None:
            table._add("caption", caption)
        table._setup(headings, formatters, zebra, cell_ids, row_headings, column_classes)
        if headings:
            table.add_heading_row(headings)
        table.add_rows(rows)
        return table


class TableMethods:
    """The Table node's own methods; container.py combines them with Container as Table."""
    __slots__ = ()

    def _setup(self, headings, formatters, zebra, cell_ids, row_headings, column_classes=None):
        state = self._state = TableState()
        state.width = len(headings) if headings else None
        state.formatters = _column_formatters(formatters, headings)
        state.zebra = tuple(zebra) if zebra else (None,)     # row n gets zebra[n % len]
        state.cell_ids = cell_ids
        state.row_headings = row_headings
        state.column_classes = tuple(column_classes or ())
        state.templates = {}
        state.row_count = 0
        state.tbody = None

    def add_heading_row(self, headings, **attrs):
        """A row of column headings in <thead> (created on first use)."""
        thead = self.element.find("thead")
        head = (self.child_class(thead, self.document, self.form) if thead is not None
                else self._add_section_before_body("thead"))
        row = head._add("tr", None, attrs)
        for heading in headings:
            row._add("th", None, {"scope": "col"})._fill(heading)
        return row

    def _add_section_before_body(self, name):
        node = self._add(name)
        tbody = self._state.tbody
        if tbody is not None:  # thead must precede tbody
            tbody.addprevious(node.element)
        return node

    def add_rows(self, rows):
        """Append body rows (each an iterable of cell values). Returns the table."""
        state = self._state
        if state.tbody is None:
            state.tbody = self._add("tbody").element
            self.document.clean_subtrees.add(state.tbody)
        append = state.tbody.append
        formatters, zebra, ids = state.formatters, state.zebra, state.cell_ids
        period = len(zebra)
        clean_subtrees = self.document.clean_subtrees
        check_width = self.document.debug and state.width is not None
        number = state.row_count - 1
        width, shapes, links = None, None, ()     # the last row's width, its templates, links
        # The loop below runs once per row and its inner loop once per cell: keep it flat.
        for number, row in enumerate(rows, state.row_count):
            if not isinstance(row, (list, tuple)):
                row = list(row)
            if len(row) != width:
                width = len(row)
                if check_width and width > state.width:
                    raise MarkupError(f"row {number} has {width} cells; the table has "
                                      f"{state.width} headings")
                # The first row of a width decides which cells of its template hold an <a>.
                links = (() if formatters else
                         tuple(value.__class__ is Link for value in row))
                shapes = state.templates.get((width, links)) or self._templates(width, links)
            pristine, working, cells, anchors = shapes[number % period]
            if not formatters:
                # Fast: the texts go into this table's own template row, whose cells are held,
                # and the filled row is copied (no node object per cell). A cell it does not
                # handle (None, a node, a link where the first row had none...) sends the row
                # to the general path below.
                for cell, value, a in zip(cells, row, anchors):
                    kind = value.__class__
                    if kind is Link:
                        if a is None:
                            break
                        href, text = value
                        if not (href[:1] == "/" and href.isprintable()):
                            href = _checked_href(href)
                        if not text.isprintable():
                            text = clean_text(text)
                        a.set("href", href)
                        a.text = text
                        continue
                    if a is not None:
                        break
                    if kind is not str:
                        if kind is not int and kind is not float:
                            break
                        value = str(value)
                    if not value.isprintable():
                        value = clean_text(value)  # see text.py: inlined, it runs per cell
                    cell.text = value
                else:
                    tr = working.__copy__()  # lxml copies the whole row in C
                    append(tr)
                    if ids is not None:
                        _set_cell_ids(tr, number, ids)
                    continue
            tr = pristine.__copy__()
            append(tr)
            if formatters:
                _fill_formatted(tr, row, formatters, clean_subtrees)
            else:
                for cell, value, linked in zip(tr, row, links):
                    kind = value.__class__
                    if kind is Link:
                        if linked:      # the template's <a>: setting is cheaper than making
                            a = cell[0]
                            href, text = value
                            a.set("href", _checked_href(href))
                            a.text = clean_text(text)
                        else:
                            _add_link(cell, value)
                        continue
                    if linked:          # this row has no link where the first one had
                        del cell[0]
                    if kind is not str:
                        value = _cell_value(cell, value, clean_subtrees)
                        if value is None:
                            continue
                    set_text(cell, value)
            if ids is not None:
                _set_cell_ids(tr, number, ids)
        state.row_count = number + 1
        return self

    def add_row(self, values, **attrs):
        """Append one body row; returns its <tr> node (attrs are set on it)."""
        self.add_rows((values,))
        self.document.clean_subtrees.discard(self._state.tbody)  # the caller may add to it
        row = self.child_class(self._state.tbody[-1], self.document, self.form)
        if attrs:
            row.set_attributes(**attrs)
        return row

    def _templates(self, width, links):
        """The rows to copy for rows of this width, one per zebra class; the cells where
        `links` is true hold an empty <a>. Made once per thread for every table of the same
        shape (copying reads a template, never changes it)."""
        state, document = self._state, self.document
        key = (document.dialect, document.debug, width, links, state.zebra,
               state.column_classes, state.row_headings)
        cache = _shared.__dict__.setdefault("templates", {})
        try:
            shapes = cache.get(key)
        except TypeError:       # a column class given as a list: not hashable, not shared
            key, shapes = None, None
        if shapes is None:
            shapes = [self._template(width, cls, links) for cls in state.zebra]
            if key is not None:
                if len(cache) >= _SHARED_TEMPLATES:
                    cache.clear()
                cache[key] = shapes
        # Per class: the shared template (never changed), this table's own copy to fill, its
        # cells and, per column, the <a> it holds or None.
        mine = []
        for pristine in shapes:
            working = pristine.__copy__()
            cells = list(working)
            mine.append((pristine, working, cells,
                         tuple(cell[0] if linked else None
                               for cell, linked in zip(cells, links + (False,) * width))))
        state.templates[width, links] = mine
        return mine

    def _template(self, width, zebra_class, links=()):
        """The row to copy for rows of this width and class, built through the checked path
        (so debug mode validates it once)."""
        scratch = self.child_class(etree.Element("tbody"), self.document, self.form)
        row = scratch._add("tr", None, {"class_": zebra_class})
        row.element.text = ""  # a row of no cells is invalid, but never <tr/>
        classes = self._state.column_classes
        for column in range(width):
            cls = classes[column] if column < len(classes) else None
            if column == 0 and self._state.row_headings:
                cell = row._add("th", None, {"scope": "row", "class_": cls})
            else:
                cell = row._add("td", None, {"class_": cls})
            cell.element.text = ""  # so no copy is ever an empty <td/>
            if column < len(links) and links[column]:
                cell._add("a", "", {"href": ""})
        return row.element


def _column_formatters(formatters, headings):
    if not formatters:
        return None
    if isinstance(formatters, dict):
        names = list(headings or ())
        width = max([key if isinstance(key, int) else names.index(key) for key in formatters]) + 1
        by_index = [None] * width
        for key, formatter in formatters.items():
            by_index[key if isinstance(key, int) else names.index(key)] = formatter
        return by_index
    return list(formatters)


def _fill_formatted(tr, row, formatters, clean_subtrees):
    for column, (cell, value) in enumerate(zip(tr, row)):
        formatter = formatters[column] if column < len(formatters) else None
        if formatter is not None:
            value = formatter(value)
        if value.__class__ is not str:
            value = _cell_value(cell, value, clean_subtrees)
            if value is None:
                continue
        set_text(cell, value)


def _cell_value(cell, value, clean_subtrees):
    """Text for a non-string cell value, or None once a node has been placed in the cell."""
    if value is None:
        return None
    if value.__class__ is Link:
        _add_link(cell, value)
        return None
    element = getattr(value, "element", None)
    if isinstance(element, etree._Element):
        cell.append(element)
        clean_subtrees.discard(cell.getparent().getparent())  # the node may hold empty elements
        return None
    return str(value)


def _add_link(cell, link):
    href, text = link
    # text "" rather than None: never an empty <a/>
    SubElement(cell, "a", {"href": _checked_href(href)}).text = clean_text(text)


def _checked_href(href):
    """A Link's href as any href attribute gets it: a script URL refused, the text cleaned. (A
    path from get_url starts with "/" and so has no scheme: the hot loop skips the call.)"""
    check_scheme(href)
    return clean_text(href)


def _set_cell_ids(tr, row_number, ids):
    for column, cell in enumerate(tr):
        if callable(ids):
            cell_id = ids(row_number, column)
        else:
            cell_id = f"{ids}-{row_number}-{column}"
        if cell_id is not None:
            cell.set("id", str(cell_id))


class TableState:
    """What add_row needs to carry on the way add_table started."""
    __slots__ = ("width", "formatters", "zebra", "cell_ids", "row_headings", "column_classes",
                 "templates", "row_count", "tbody")
