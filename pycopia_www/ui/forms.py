"""Forms generated from one schema (ui/schema.py): rendered with the markup builder, bound to
what was posted, errors shown next to their fields with the submitted values kept.

    form = model_form(Host, row, exclude=["created"], session=request.db)
    form = schema_form(Settings, current)

    def post(self, request):
        bound = form.bind(request.form)
        if not bound.valid:
            bound.render(page.content, action=...)       # the errors, the values as typed
            ...
        bound.apply(row)                                 # every converted value, or nothing

Nothing is set on a row (or given to a dataclass) until every field has converted and passed
its checks: a submission with one bad field changes nothing.
"""
from ..markup import HTML5
from .schema import NO_DEFAULT, Cleaned, Schema, choice_key, dataclass_schema, model_schema


class SchemaForm:
    """A schema with the values to show (a record being edited, defaults, or a submission) and,
    once bound, the errors and converted data."""

    def __init__(self, schema: Schema, values: dict | None = None, cleaned: Cleaned | None = None):
        self.schema = schema
        self.values = dict(values or {})
        self.cleaned = cleaned

    # -- binding --------------------------------------------------------------------------------

    def bind(self, submitted) -> "SchemaForm":
        """A new form holding `submitted` (a request.form, or a dict), converted and checked."""
        cleaned = self.schema.clean(submitted)
        shown = {f.name: v if isinstance(v, str) else f.form_value(v)
                 for f, v in ((self.schema[n], v) for n, v in cleaned.values.items())}
        return SchemaForm(self.schema, shown, cleaned)

    @property
    def errors(self) -> dict:
        return self.cleaned.errors if self.cleaned is not None else {}

    @property
    def valid(self) -> bool:
        return self.cleaned is not None and self.cleaned.valid

    @property
    def data(self) -> dict:
        """The converted values of a valid submission."""
        if not self.valid:
            raise ValueError("the form is not bound or has errors: " + repr(self.errors))
        return dict(self.cleaned.data)

    def apply(self, target):
        """Set every converted value on `target` (a model row or any object) at once."""
        data = self.data
        for name, value in data.items():
            setattr(target, name, value)
        return target

    def instance(self):
        """A new instance of the schema's dataclass from the converted values."""
        return self.schema.source(**self.data)

    def add_error(self, name: str | None, message: str) -> None:
        """An error found after binding (say, a name already taken): shown on its field."""
        if self.cleaned is None:
            self.cleaned = Cleaned(dict(self.values), {}, None)
        self.cleaned.errors[name] = message
        self.cleaned.data = None

    # -- rendering ------------------------------------------------------------------------------

    def render(self, container, action, *, submit: str = "Save", legend: str | None = None,
               method: str = "post", buttons=(), **attrs):
        """Add the form to `container` (a markup node); returns the <form> node. `buttons`:
        extra (label, name, value) submit buttons after the main one."""
        form = container.add_form(action, method=method, values=self.values, errors=self.errors,
                                  **attrs)
        holder = form.add_fieldset(legend) if legend else form
        html5 = container.document.dialect is HTML5
        for field in self.schema:
            _add_control(holder, field, html5)
        form.add_submit(submit)
        for label, name, value in buttons:
            form.add_button(label, type="submit", name=name, value=value, class_="secondary")
        return form


def _add_control(holder, field, html5: bool):
    attrs = {}
    if html5 and field.required and field.kind != "boolean" and field.widget != "radios":
        attrs["required"] = True
    kind, name, label = field.kind, field.name, field.label
    if kind == "text":
        if html5 and field.max_length is not None and field.widget != "textarea":
            attrs["maxlength"] = field.max_length
        if html5 and field.min_length is not None and field.widget != "textarea":
            attrs["minlength"] = field.min_length
        add = {"textarea": holder.add_textarea, "password": holder.add_password,
               "email": holder.add_email}.get(field.widget, holder.add_textinput)
        if field.widget == "textarea":
            attrs["rows"] = 3
        control = add(name, label, **attrs)
    elif kind in ("integer", "decimal", "float"):
        step = field.step if field.step is not None else (1 if kind == "integer" else "any")
        control = holder.add_number(name, label, min=field.minimum, max=field.maximum, step=step,
                                    **attrs)
    elif kind == "boolean":
        control = holder.add_checkbox(name, label)
    elif kind == "date":
        control = holder.add_date(name, label, **attrs)
    elif kind == "datetime":
        control = holder.add_datetime(name, label, **attrs)
    elif kind == "choice":
        choices = [(choice_key(v), text) for v, text in field.choices]
        if field.widget == "radios":
            control = holder.add_radios(name, label, choices)
        else:
            if not field.required:
                choices.insert(0, ("", "—"))
            # A select always has a choice: `required` would ask for an empty first option.
            attrs.pop("required", None)
            control = holder.add_select(name, label, choices, **attrs)
    else:
        raise ValueError(f"field {name!r}: unknown kind {kind!r}")
    _describe(control, field, html5)
    return control


def _describe(control, field, html5: bool) -> None:
    """Help text after the control; in HTML5 the control names its help and error message
    (aria-describedby) and says when it is invalid, for screen readers."""
    box = control.element if control.name == "fieldset" else control.element.getparent()
    holder = type(control)(box, control.document, control.form)
    if field.required:
        holder.add_class("required")
    control_id = control.get_attribute("id") or f"{holder.get_attribute('id') or field.name}"
    described = []
    if field.help:
        help_id = f"{control_id}-help"
        help_text = holder.add_span(field.help, class_="help", id=help_id).element
        error = next((e for e in box if e.get("class") == "error"), None)
        if error is not None:
            error.addprevious(help_text)        # the help under the control, then the error
        described.append(help_id)
    for element in box:
        if element.get("class") == "error" and element.tag.endswith("span"):
            element.set("id", f"{control_id}-error")
            described.append(f"{control_id}-error")
            if html5 and control.name != "fieldset":
                control.set_attributes(aria_invalid="true")
    if html5 and described and control.name != "fieldset":
        control.set_attributes(aria_describedby=" ".join(described))


def model_form(model, row=None, *, only=None, exclude=(), session=None, validators=()) -> SchemaForm:
    """An add form (row None: the columns' defaults) or an edit form (the row's values) for a
    SQLAlchemy model. A foreign key needs `session` to list the related rows."""
    schema = model_schema(model, only=only, exclude=exclude, session=session, validators=validators)
    return SchemaForm(schema, schema.form_values(row) if row is not None else _defaults(schema))


def schema_form(cls, instance=None, *, only=None, exclude=(), validators=()) -> SchemaForm:
    """A form for a dataclass schema (settings, wizards): the instance's values, or defaults."""
    schema = dataclass_schema(cls, only=only, exclude=exclude, validators=validators)
    return SchemaForm(schema, schema.form_values(instance) if instance is not None else _defaults(schema))


def _defaults(schema: Schema) -> dict:
    return {f.name: f.form_value(f.default) for f in schema if f.default is not NO_DEFAULT}
