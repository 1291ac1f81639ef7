"""Forms and their controls.

Every labelled control is laid out the same way, so one stylesheet fits every form:

    <div class="field [error]"><label for="ID">Label</label> CONTROL <span class="error">..</span></div>

(a <span class="field"> instead of the <div> where only inline content may go, as in a <p>).

Values come from the form's `values` dict when it has the field (the data being edited, or
what was just submitted), else from the value= given to the add_* call. Errors come from the
form's `errors` dict (field name -> message or list of messages; key None for the whole form).
"""
import re
from collections.abc import Mapping

from .attributes import class_names
from .errors import MarkupError
from .context import current
from .urls import is_same_site

_NOT_ID_CHAR = re.compile(r"[^A-Za-z0-9_.-]")
_YES_NO = (("yes", "Yes"), ("no", "No"))
DEFAULT = object()  # "not given", where None means "none"


class FormState:
    """Shared by every node inside one form."""
    __slots__ = ("element", "values", "errors", "id_prefix")

    def __init__(self, element, values, errors, id_prefix):
        self.element = element
        self.values = values or {}
        self.errors = errors or {}
        self.id_prefix = id_prefix


class FormsMixin:
    __slots__ = ()

    def add_form(self, action, method="post", values=None, errors=None, csrf_token=DEFAULT,
                 **attrs):
        """A form; its children are pre-filled from `values` and show `errors`.

        A POST form gets a hidden CSRF field first thing: the token is `csrf_token` if given
        (False or None: no field), else the document's csrf_token, else the current request's
        (context.py: the web layer's CSRF provider, which also names the field). GET forms never
        carry the token, since it would end up in URLs and logs; nor do forms whose action is
        off-site (a scheme or a //host: give this site's own actions as paths), and an explicit
        csrf_token there is an error.
        """
        method = method.lower()
        form = self._add("form", None, dict(attrs, action=action, method=method))
        prefix = _id_part(attrs.get("id") or f"form{self.document.count('form')}")
        form.form = FormState(form.element, values, errors, prefix)
        if method == "post" and not is_same_site(form.element.get("action", "")):
            if csrf_token not in (DEFAULT, None, False):
                raise MarkupError(f"refusing to send a CSRF token to the off-site action "
                                  f"{form.element.get('action')!r}")
        elif method == "post":
            field = self.document.csrf_field
            token = self.document.csrf_token if csrf_token is DEFAULT else csrf_token
            if token is None and csrf_token is DEFAULT:
                provider = current().csrf
                token = provider() if provider else None
                if isinstance(token, tuple):
                    field, token = token
            if token:  # not add_hidden: submitted values must never replace the token
                host = form._inline_host("hidden-fields")
                host._add("input", None, {"type": "hidden", "name": field, "value": token})
        messages = _messages(form.form.errors.get(None))
        if messages:
            box = form._add("ul", None, {"class_": "errors"})
            for message in messages:
                box._add("li", message)
        return form

    def add_fieldset(self, legend=None, **attrs):
        fieldset = self._add("fieldset", None, attrs)
        if legend is not None:
            fieldset._add("legend", legend)
        return fieldset

    def add_label(self, for_, text=None, **attrs):
        return self._add("label", text, dict(attrs, for_=for_))

    # -- text-like inputs ---------------------------------------------------------------------

    def add_textinput(self, name, label=None, value=None, **attrs):
        return self._input_field("text", name, label, self._current(name, value), attrs)

    def add_password(self, name, label=None, **attrs):
        """A password field. Never pre-filled, whatever the form's values hold."""
        return self._input_field("password", name, label, None, attrs)

    def add_email(self, name, label=None, value=None, **attrs):
        return self._typed_field("email", name, label, value, attrs, {})

    def add_number(self, name, label=None, value=None, min=None, max=None, step=None, **attrs):
        """A number field. HTML5: type="number" with min/max/step. XHTML 1.0 has no number
        input: a text input with class "number" (min/max/step are dropped; check on the
        server, as always)."""
        limits = {"min": min, "max": max, "step": step}
        return self._typed_field("number", name, label, value, attrs, limits)

    def add_date(self, name, label=None, value=None, **attrs):
        """A date field (HTML5 type="date", the value YYYY-MM-DD); XHTML 1.0: a text input
        with class "date"."""
        return self._typed_field("date", name, label, value, attrs, {})

    def add_datetime(self, name, label=None, value=None, **attrs):
        """A local date and time (HTML5 type="datetime-local", YYYY-MM-DDTHH:MM); XHTML 1.0: a
        text input with class "datetime-local"."""
        return self._typed_field("datetime-local", name, label, value, attrs, {})

    def add_fileinput(self, name, label=None, **attrs):
        """A file upload; switches the enclosing form to multipart/form-data."""
        if self.form is not None:
            self.form.element.set("enctype", "multipart/form-data")
        return self._input_field("file", name, label, None, attrs)

    def add_hidden(self, name, value=None, **attrs):
        host = self._inline_host("hidden-fields")
        return host._add("input", None, dict(attrs, type="hidden", name=name,
                                              value=self._current(name, value)))

    def add_textarea(self, name, label=None, value=None, rows=4, cols=40, **attrs):
        area = self._field("textarea", name, label, dict(attrs, rows=rows, cols=cols))
        current = self._current(name, value)
        area.add_text("" if current is None else current)
        return area

    # -- choices ------------------------------------------------------------------------------

    def add_checkbox(self, name, label=None, checked=False, value="1", **attrs):
        """One checkbox, its label after it. Checked when the form's value for `name` is True
        or equals `value`, else when checked=True."""
        current = self._current(name, None)
        is_checked = checked if current is None else _matches(current, value)
        holder, control_id = self._field_holder(name, attrs)
        box = holder._add("input", None, dict(attrs, type="checkbox", id=control_id, name=name,
                                               value=value, checked=is_checked))
        if label is not None:
            holder._add("label", label, {"for_": control_id})
        holder._add_error_message(name)
        return box

    def add_checkboxes(self, name, label, choices, selected=(), **attrs):
        """A set of checkboxes sharing `name`, in a fieldset with `label` as legend."""
        return self._choice_set("checkbox", name, label, choices, selected, attrs)

    def add_radios(self, name, label, choices, selected=None, **attrs):
        return self._choice_set("radio", name, label, choices, selected, attrs)

    def add_yesno(self, name, label, value=None, **attrs):
        """Yes/No radio buttons (values "yes" and "no"); value may be a bool."""
        current = self._current(name, value)
        if isinstance(current, bool):
            current = "yes" if current else "no"
        return self._choice_set("radio", name, label, _YES_NO, current, attrs, prefilled=True)

    def add_select(self, name, label=None, choices=(), selected=None, multiple=False, **attrs):
        """A drop-down (or list box when multiple=True). choices: values, (value, text) pairs,
        a {value: text} dict, or {group label: choices} for option groups."""
        select = self._field("select", name, label, dict(attrs, multiple=multiple))
        current = _as_set(self._current(name, selected))
        for kind, key, content in _choices(choices, allow_groups=True):
            if kind == "group":
                group = select._add("optgroup", None, {"label": key})
                for _, value, text in _choices(content, allow_groups=False):
                    group._add("option", text, {"value": value, "selected": str(value) in current})
            else:
                select._add("option", content, {"value": key, "selected": str(key) in current})
        return select

    # -- buttons ------------------------------------------------------------------------------

    def add_submit(self, label="Submit", name=None, **attrs):
        host = self._inline_host("buttons")
        return host._add("input", None, dict(attrs, type="submit", value=label, name=name))

    def add_reset(self, label="Reset", **attrs):
        host = self._inline_host("buttons")
        return host._add("input", None, dict(attrs, type="reset", value=label))

    def add_button(self, text, type="button", name=None, value=None, **attrs):
        host = self._inline_host("buttons")
        return host._add("button", text, dict(attrs, type=type, name=name, value=value))

    # -- layout helpers -----------------------------------------------------------------------

    def _current(self, name, default):
        form = self.form
        if form is not None and name in form.values:
            return form.values[name]
        return default

    def _field_id(self, name, suffix=None):
        prefix = self.form.id_prefix if self.form is not None else "field"
        return "-".join([prefix, _id_part(name)] + ([] if suffix is None else [str(suffix)]))

    def _field_holder(self, name, attrs):
        has_error = self.form is not None and bool(self.form.errors.get(name))
        # a <div> where blocks may go, a <span> inside a paragraph or other inline element
        tag = "div" if "div" in self.document.dialect.model.CHILDREN.get(self.name, ()) else "span"
        holder = self._add(tag, None, {"class_": ["field", "error"] if has_error else "field"})
        return holder, attrs.pop("id", None) or self._field_id(name)

    def _field(self, tag, name, label, attrs):
        holder, control_id = self._field_holder(name, attrs)
        if label is not None:
            holder._add("label", label, {"for_": control_id})
        control = holder._add(tag, None, dict(attrs, id=control_id, name=name))
        holder._add_error_message(name)
        return control

    def _input_field(self, type, name, label, value, attrs):
        return self._field("input", name, label, dict(attrs, type=type, value=value))

    def _typed_field(self, type, name, label, value, attrs, html5_only):
        value = self._current(name, value)
        # A value the type cannot hold (what a user typed into a form shown again with its
        # errors) keeps its text in a text input: the page stays valid and nothing is lost.
        if type in self.document.dialect.input_types and _holds(type, value):
            return self._input_field(type, name, label, value, {**attrs, **html5_only})
        classes = [type, *class_names(attrs.pop("class_", None))]
        return self._input_field("text", name, label, value, dict(attrs, class_=classes))

    def _add_error_message(self, name):
        messages = _messages(self.form.errors.get(name)) if self.form is not None else ()
        if messages:
            self._add("span", "; ".join(messages), {"class_": "error"})

    def _choice_set(self, type, name, label, choices, selected, attrs, prefilled=False):
        current = _as_set(selected if prefilled else self._current(name, selected))
        has_error = self.form is not None and bool(self.form.errors.get(name))
        fieldset = self._add("fieldset", None, {"class_": ["choices", "error"] if has_error
                                                else "choices"})
        if label is not None:
            fieldset._add("legend", label)
        for index, (_, value, text) in enumerate(_choices(choices, allow_groups=False)):
            choice = fieldset._add("div", None, {"class_": "choice"})
            control_id = self._field_id(name, index)
            choice._add("input", None, dict(attrs, type=type, id=control_id, name=name,
                                            value=value, checked=str(value) in current))
            choice._add("label", text, {"for_": control_id})
        fieldset._add_error_message(name)
        return fieldset

    def _inline_host(self, class_name):
        """Where an input can go: here if this element may hold inputs directly, else a
        <div class=class_name> (the last child if it is one already, so they group)."""
        model = self.document.dialect.model.CHILDREN
        if "input" in model.get(self.name, ()):
            return self
        if len(self.element):
            last = self.element[-1]
            if last.tag == "div" and last.get("class") == class_name:
                return self.child_class(last, self.document, self.form)
        return self._add("div", None, {"class_": class_name})


def _id_part(text):
    """A string made fit for use in an XML ID."""
    part = _NOT_ID_CHAR.sub("_", str(text))
    return part if part[:1].isalpha() else "f" + part


_TYPED_VALUES = {
    "number": re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?"),
    "date": re.compile(r"\d{4,}-\d\d-\d\d"),
    "datetime-local": re.compile(r"\d{4,}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,3})?)?"),
}


def _holds(type, value) -> bool:
    """Can an input of this HTML5 type carry this value (the HTML standard's value syntax)?"""
    pattern = _TYPED_VALUES.get(type)
    return pattern is None or value is None or value == "" or bool(pattern.fullmatch(str(value)))


def _messages(errors):
    if not errors:
        return ()
    return [errors] if isinstance(errors, str) else [str(each) for each in errors]


def _as_set(value):
    if value is None:
        return set()
    if isinstance(value, (list, tuple, set, frozenset)):
        return {str(each) for each in value}
    return {str(value)}


def _matches(current, value):
    if isinstance(current, bool):
        return current
    if isinstance(current, (list, tuple, set, frozenset)):
        return str(value) in {str(each) for each in current}
    return str(current) == str(value)


def _choices(choices, allow_groups):
    """Normalise choices to ("option", value, text) and ("group", label, choices) triples."""
    items = choices.items() if isinstance(choices, Mapping) else choices
    for item in items:
        if isinstance(choices, Mapping):
            key, content = item
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            key, content = item
        else:
            key, content = item, item
        if isinstance(content, (list, tuple, set, frozenset, Mapping)):
            if not allow_groups:
                raise MarkupError(f"choice group {key!r}: only a select has option groups")
            yield "group", key, content
        else:
            yield "option", key, content
