"""Table pages for a model: a list (paged, sortable, searchable, with an empty state) and a view,
add, edit and delete page per row, in the shipped layout, behind one route. See docs/ui.md.

    # handlers/db/tables.py (imported by the backend that serves it)
    from pycopia_www.ui.tables import TablePages
    hosts = TablePages(Host, roles=["admin"], columns=["name", "address", "group_id"],
                       search=["name", "address"], exclude=["created"])

    # handlers/db/urls.py (data only)
    from pycopia_www.urls import TABLE_PAGES, route
    route(r"^/tables/hosts/" + TABLE_PAGES, "handlers.db.tables.hosts", name="hosts-table",
          menu="Hosts", menu_roles=["admin"])

The route's two groups choose the page: none is the list, `action="add"` the add form, `key` a
row's page, `key` and `action` ("edit", "delete") its forms; every link is get_url of the route
with these. Everything works on request.db (the data layer's session of the request, committed
after a normal answer, rolled back after an error), forms are model_form's, and a change is
flushed in a savepoint of its own: a constraint that refuses it (a name already taken) is shown
on its field with the values kept, and nothing of it stays in the database.
"""
import enum
import math
from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint, and_, func, inspect as sa_inspect, or_, select
from sqlalchemy.exc import IntegrityError

from ..data.permissions import ANYONE, NOBODY, TableAccess, permits
from ..data.schema import SORTABLE, TableInfo
from ..data.session import conflict_reason
from ..markup.tables import Link
from ..web.errors import BadRequest, Forbidden, MethodNotAllowed, NotFound, Unauthorized
from ..web.response import to_response
from .flash import flash_redirect
from .forms import model_form
from .layout import DEFAULT
from .schema import _member_text, column_label

PER_PAGE = 20
MAX_SEARCH = 100                # characters of a search
PAGE_LINKS = 2                  # page links on each side of the current page
KEY_KINDS = {"integer": int, "string": str, "text": str}
NUMBERS = ("integer", "float", "decimal")
GET, POST = frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD", "POST"})


class TablePages:
    """The pages of one model's table. `roles`: who may add, edit and delete (a list of roles,
    LOGGED_IN, NOBODY for read-only pages, or a rule(user, table, operation) like TableAccess's);
    `read_roles`: who may list and view (ANYONE: whoever the route lets in). `columns`: the
    list's columns (default every column but an autoincrement key), the first links to the row;
    `search`: the text columns a search looks in; `sort`: the list's order ("name", "-created";
    default the key); `fields`/`exclude`: the form's columns (model_form's only/exclude);
    `hidden`: columns never shown nor edited. `title`, `noun`: "Hosts", "host" (defaults from
    the table and the class). `layout`: the site's Layout."""

    def __init__(self, model, *, roles=NOBODY, read_roles=ANYONE, columns=None, search=(),
                 sort=None, fields=None, exclude=(), hidden=(), per_page: int = PER_PAGE,
                 title: str | None = None, noun: str | None = None, label: str | None = None,
                 layout=None, validators=()):
        mapper = sa_inspect(model)
        self.model = model
        self.info = info = TableInfo(mapper.local_table, model, hidden=hidden, label=label)
        self.access = TableAccess(read_roles=read_roles, write_roles=roles)
        if len(info.primary_key) != 1 or info.primary_key[0].kind not in KEY_KINDS:
            raise ValueError(f"TablePages({model.__name__}): the table needs a primary key of one "
                             f"integer or text column")
        self.key = info.primary_key[0]
        if columns is None:
            columns = [c.name for c in info.columns.values()
                       if not (c is self.key and c.generated)]
        self.columns = [info.column(name) for name in columns]
        self.search = [info.column(name) for name in search]
        for col in self.search:
            if col.kind not in ("string", "text"):
                raise ValueError(f"TablePages({model.__name__}): search column {col.name!r} is "
                                 f"not text")
        self.sortable = {c.name for c in self.columns if c.kind in SORTABLE and not c.foreign_key}
        self.sort = sort
        if sort is not None and sort.lstrip("-") not in self.sortable:
            raise ValueError(f"TablePages({model.__name__}): cannot sort by {sort!r} "
                             f"(sortable: {', '.join(sorted(self.sortable))})")
        if not isinstance(per_page, int) or not 1 <= per_page <= 500:
            raise ValueError(f"TablePages({model.__name__}): per_page is 1 to 500")
        self.per_page = per_page
        self.fields = fields
        self.exclude = tuple(exclude) + tuple(hidden)
        self.validators = tuple(validators)
        self.title = title or info.name.replace("_", " ").capitalize()
        self.noun = noun or model.__name__.lower()
        self.layout = layout or DEFAULT

    # -- dispatch -------------------------------------------------------------------------------

    def __call__(self, request, key: str | None = None, action: str | None = None):
        method = "GET" if request.method == "HEAD" else request.method
        if key is None and action is None:
            return self._answer(request, method, GET, self.list_page)
        if key is None:
            if action != "add":
                raise NotFound()
            return self._answer(request, method, POST, self.add_page)
        if action == "add":
            raise NotFound()
        row = self._row(request, key)
        page = {None: self.view_page, "edit": self.edit_page, "delete": self.delete_page}[action]
        return self._answer(request, method, GET if action is None else POST, page, row)

    @staticmethod
    def _answer(request, method, allowed, page, *args):
        if method not in allowed:
            raise MethodNotAllowed(allowed)
        return page(request, *args, posted=method == "POST")

    def url(self, request, key=None, action=None, **query) -> str:
        """The URL of one of these pages (the route that reached this request, reversed)."""
        route = request.route
        params = {k: v for k, v in (("key", key), ("action", action)) if v is not None}
        return request.get_url(route.name or route.target, _query=query or None, **params)

    def may(self, request, operation: str) -> bool:
        return permits(self.access.rule(operation), request.user, self.info.name, operation)

    def _require(self, request, operation: str) -> None:
        if self.may(request, operation):
            return
        doing = "see" if operation == "read" else "change"
        if request.user is None:
            raise Unauthorized(f"Log in to {doing} {self.title.lower()}.")
        raise Forbidden(f"Your roles do not allow you to {doing} {self.title.lower()}.")

    def _db(self, request):
        try:
            return request.db
        except AttributeError:
            raise RuntimeError(f"TablePages({self.model.__name__}) needs request.db: give the "
                               f"backend a database (docs/data.md)") from None

    def _row(self, request, text: str):
        self._require(request, "read")
        try:
            key = KEY_KINDS[self.key.kind](text)
        except ValueError:
            raise NotFound(f"There is no {self.noun} {text!r}.") from None
        row = self._db(request).get(self.model, key)
        if row is None:
            raise NotFound(f"There is no {self.noun} {text!r}.")
        return row

    def label(self, row) -> str:
        text = getattr(row, self.info.label.attribute)
        return f"{self.noun} {self.key_of(row)}" if text in (None, "") else str(text)

    def key_of(self, row):
        return getattr(row, self.key.attribute)

    def _page(self, request, title: str):
        return self.layout.page(request, title)

    def _back(self, page, request) -> None:
        page.content.add_paragraph(class_="back").add_anchor(self.url(request), f"Back to {self.title}")

    # -- the list -------------------------------------------------------------------------------

    def list_page(self, request, posted=False):
        self._require(request, "read")
        db = self._db(request)
        search, sort, number = self._list_query(request)
        where = self._search_clause(search)
        total = db.scalar(select(func.count()).select_from(self.info.table).where(where))
        pages = max(1, math.ceil(total / self.per_page))
        if number > pages:
            raise NotFound(f"There is no page {number} of {self.title.lower()}.")
        stmt = (select(self.model).where(where).order_by(*self._order(sort))
                .offset((number - 1) * self.per_page).limit(self.per_page))
        rows = list(db.scalars(stmt))
        page = self._page(request, self.title)
        content = page.content
        if self.may(request, "create"):
            content.add_paragraph(class_="actions").add_anchor(
                self.url(request, action="add"), f"Add {self.noun}", class_="button")
        if self.search:
            self._search_form(content, request, search, sort)
        if not rows:
            text = (f"No {self.title.lower()} match “{search}”." if search
                    else f"No {self.title.lower()} yet.")
            content.add_paragraph(text, class_="empty", id="table-empty")
            return page
        first, last = (number - 1) * self.per_page + 1, (number - 1) * self.per_page + len(rows)
        content.add_paragraph(f"{first}–{last} of {total}", class_="range", id="table-range")
        self._table(content, request, rows, search, sort)
        if pages > 1:
            self._paging(content, request, number, pages, search, sort)
        return page

    def _list_query(self, request) -> tuple[str, str | None, int]:
        query = request.query
        search = (query.get("q") or "").strip()
        if len(search) > MAX_SEARCH:
            raise BadRequest(f"A search is at most {MAX_SEARCH} characters.")
        sort = query.get("sort") or None
        if sort is not None and sort.lstrip("-") not in self.sortable:
            raise BadRequest(f"{self.title} cannot be sorted by {sort!r}.")
        text = query.get("page") or "1"
        if not text.isdigit() or int(text) < 1:
            raise BadRequest("The page is a whole number from 1.")
        return search, sort, int(text)

    def _search_clause(self, search: str):
        if not search or not self.search:
            return and_(True)
        return or_(*(c.column.icontains(search, autoescape=True) for c in self.search))

    def _order(self, sort):
        sort = sort or self.sort
        order = []
        if sort:
            column = self.info.columns[sort.lstrip("-")].column
            order.append(column.desc() if sort.startswith("-") else column.asc())
        return order + [self.key.column.asc()]          # stable pages among equal values

    def _list_url(self, request, search, sort, number=1) -> str:
        query = {k: v for k, v in (("q", search), ("sort", sort)) if v}
        if number > 1:
            query["page"] = number
        return self.url(request, **query)

    def _search_form(self, content, request, search, sort) -> None:
        form = content.add_form(self.url(request), method="get", role="search", id="table-search",
                                class_="search", values={"q": search})
        form.add_textinput("q", f"Search {self.title.lower()}", maxlength=MAX_SEARCH)
        if sort:
            form.add_hidden("sort", sort)
        form.add_submit("Search", class_="secondary")
        if search:
            content.add_paragraph().add_anchor(self._list_url(request, "", sort), "Show all")

    def _table(self, content, request, rows, search, sort) -> None:
        wrap = content.add_div(class_="table-wrap")
        classes = ["number" if c.kind in NUMBERS and not c.foreign_key else None for c in self.columns]
        table = wrap.add_table(id="table", class_="rows", column_classes=classes)
        tr = table.add_heading_row(())
        current = sort or self.sort
        for col, cls in zip(self.columns, classes):
            heading = column_label(col.attribute, col.column)
            if col.name not in self.sortable:
                tr.add_element("th", heading, scope="col", class_=cls)
                continue
            state = ("ascending" if current == col.name else
                     "descending" if current == "-" + col.name else "none")
            next_sort = "-" + col.name if state == "ascending" else col.name
            th = tr.add_element("th", scope="col", class_=cls, aria_sort=state)
            th.add_anchor(self._list_url(request, search, next_sort), heading)
        shown = self._shown(request, rows)
        table.add_rows([self._cells(request, row, shown) for row in rows])

    def _cells(self, request, row, shown) -> list:
        cells = [shown(col, getattr(row, col.attribute)) for col in self.columns]
        cells[0] = Link(self.url(request, key=self.key_of(row)), cells[0] or self.label(row))
        return cells

    def _paging(self, content, request, number, pages, search, sort) -> None:
        nav = content.add_element("nav", class_="paging", aria_label="Pages")
        items = nav.add_element("ul")
        wanted = sorted({1, pages, *range(max(1, number - PAGE_LINKS), min(pages, number + PAGE_LINKS) + 1)})
        if number > 1:
            items.add_element("li").add_anchor(self._list_url(request, search, sort, number - 1),
                                               "Previous", rel="prev")
        previous = 0
        for n in wanted:
            if n > previous + 1:
                items.add_element("li").add_span("…", class_="gap")
            item = items.add_element("li")
            if n == number:
                item.add_span(str(n), aria_current="page")
            else:
                item.add_anchor(self._list_url(request, search, sort, n), str(n))
            previous = n
        if number < pages:
            items.add_element("li").add_anchor(self._list_url(request, search, sort, number + 1),
                                               "Next", rel="next")

    def _shown(self, request, rows):
        """shown(column, value) -> text: what a cell shows; a foreign key shows the label of the
        row it points to (one query per such column for the rows at hand)."""
        labels = {}
        for col in self.info.columns.values():
            if col.foreign_key is not None:
                values = {getattr(row, col.attribute) for row in rows} - {None}
                labels[col.name] = _related_labels(self._db(request), col, values) if values else {}

        def shown(col, value) -> str:
            if value is None:
                return ""
            if col.name in labels:
                return labels[col.name].get(value, str(value))
            return display(value)
        return shown

    # -- one row --------------------------------------------------------------------------------

    def view_page(self, request, row, posted=False):
        page = self._page(request, f"{self.noun.capitalize()} {self.label(row)}")
        shown = self._shown(request, [row])
        pairs = [(column_label(c.attribute, c.column), shown(c, getattr(row, c.attribute)) or "—")
                 for c in self.info.columns.values()]
        page.content.add_definition_list(pairs, id="row", class_="row")
        key = self.key_of(row)
        if self.may(request, "update") or self.may(request, "delete"):
            actions = page.content.add_paragraph(class_="buttons")
            if self.may(request, "update"):
                actions.add_anchor(self.url(request, key=key, action="edit"), "Edit", class_="button")
            if self.may(request, "delete"):
                actions.add_anchor(self.url(request, key=key, action="delete"), "Delete",
                                   class_=["button", "danger"])
        self._back(page, request)
        return page

    def add_page(self, request, posted=False):
        self._require(request, "create")
        return self._edit(request, None, posted)

    def edit_page(self, request, row, posted=False):
        self._require(request, "update")
        return self._edit(request, row, posted)

    def _edit(self, request, row, posted):
        db = self._db(request)
        exclude = self.exclude + ((self.key.attribute,) if row is not None else ())
        form = model_form(self.model, row, only=self.fields, exclude=exclude, session=db,
                          validators=self.validators)
        status = 200
        if posted:
            form = form.bind(request.form)
            status = self._store(db, form, row) if form.valid else 422
            if status is None:
                return flash_redirect(self.url(request), "saved" if row is not None else "added")
        title = (f"Edit {self.noun} {self.label(row)}" if row is not None else f"Add {self.noun}")
        page = self._page(request, title)
        action = self.url(request, key=self.key_of(row), action="edit") if row is not None \
            else self.url(request, action="add")
        form.render(page.content, action, submit="Save" if row is not None else "Add",
                    id="row-form")
        self._back(page, request)
        return _with_status(page, request, status)

    def _store(self, db, form, row) -> int | None:
        """Set the converted values on the row (a new one, to add) and flush them in a savepoint
        of their own. None when the database took them; else 409, the refusal is on the form
        and nothing of the change stays."""
        data = form.data
        target = row if row is not None else self.model()
        try:
            with db.begin_nested():
                form.apply(target)
                if row is None:
                    db.add(target)
                db.flush()
        except IntegrityError as exc:
            form.add_error(*self._conflict(db, form, data, row, exc))
            return 409
        return None

    def _conflict(self, db, form, data, row, exc) -> tuple[str | None, str]:
        """Which field a refused change is about: the unique columns another row already has
        these values in (asked after the refusal: the database decided, this explains); else
        the database's own words, for the whole form."""
        attributes = {c.name: c.attribute for c in self.info.columns.values()}
        for names in _unique_sets(self.info.table):
            wanted = [attributes.get(n) for n in names]
            if not all(a in data for a in wanted):
                continue
            clause = and_(*(self.info.table.columns[n] == data[a] for n, a in zip(names, wanted)))
            if row is not None:
                clause = and_(clause, self.key.column != self.key_of(row))
            if db.execute(select(self.key.column).where(clause).limit(1)).first() is not None:
                what = " and ".join(form.schema[a].label.lower() for a in wanted)
                return wanted[0], f"Another {self.noun} has this {what}."
        return None, f"Not saved: this {conflict_reason(exc)}."

    def delete_page(self, request, row, posted=False):
        self._require(request, "delete")
        db = self._db(request)
        label, status, problem = self.label(row), 200, None
        if posted and request.form.get("confirm") == "yes":
            try:
                with db.begin_nested():
                    db.delete(row)
                    db.flush()
            except IntegrityError as exc:
                status, problem = 409, f"The {self.noun} was not deleted: it {conflict_reason(exc)}."
            else:
                return flash_redirect(self.url(request), "deleted")
        page = self._page(request, f"Delete {self.noun} {label}?")
        if problem:
            page.flash(problem, "error")
        page.content.add_paragraph(f"The {self.noun} {label} will be deleted. This cannot be undone.")
        form = page.content.add_form(self.url(request, key=self.key_of(row), action="delete"),
                                     id="delete-form")
        buttons = form.add_div(class_="buttons")
        # The button's name and value are the confirmation: a post without them asks again.
        buttons.add_button("Delete", type="submit", name="confirm", value="yes", class_="danger")
        buttons.add_anchor(self.url(request, key=self.key_of(row)), "Cancel",
                           class_=["button", "secondary"])
        return _with_status(page, request, status)


def _with_status(page, request, status: int):
    if status == 200:
        return page
    response = to_response(page, request)
    response.status = status
    return response


def _unique_sets(table) -> list[tuple[str, ...]]:
    """The column names of each unique constraint and unique index of `table` (its key aside)."""
    found = []
    for item in [*table.constraints, *table.indexes]:
        if isinstance(item, UniqueConstraint) or isinstance(item, Index) and item.unique:
            names = tuple(c.name for c in item.columns)
            if names and names not in found:
                found.append(names)
    return found


def _related_labels(db, col, values) -> dict:
    """{key: label} of the rows a foreign key column points to, for these key values."""
    target = next(iter(col.column.foreign_keys)).column
    label_name = col.column.info.get("label_column") or target.info.get("label_column")
    label = target.table.columns[label_name] if label_name else TableInfo(target.table).label.column
    rows = db.execute(select(target, label).where(target.in_(sorted(values))))
    return {value: "" if text is None else str(text) for value, text in rows}


def display(value) -> str:
    """A value as a cell or a definition shows it."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, enum.Enum):
        return _member_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
