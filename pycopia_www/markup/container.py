"""Container: the node class returned by every add_* method, and the new_* twins.

The naming scheme lives here, in one place:
  add_X(...)  builds X, appends it to this node, returns the new child node
  new_X(...)  builds the same X detached, returns it; attach it later with node.append()
  set_attributes/add_class return the node itself; add_text returns None.
Form controls (add_textinput, add_select, ...) have no new_* twin; see the end of this file.
"""
from lxml import etree

from .elements import ElementsMixin
from .forms import FormsMixin
from .lists import ListsMixin
from .node import Node
from .tables import TableMethods, TablesMixin


class Container(ElementsMixin, ListsMixin, TablesMixin, FormsMixin, Node):
    __slots__ = ()

    def _fill(self, content):
        """Put content of any kind in this element: text, a node, or a collection (a list)."""
        if content is None:
            return
        if isinstance(content, Node):
            self.append(content)
        elif isinstance(content, (list, tuple, set, frozenset, dict)):
            self.add_list(content)
        else:
            self.add_text(content)


class Table(TableMethods, Container):
    __slots__ = ("_state",)


Node.child_class = Container
Container.table_class = Table


class _Scratch(Container):
    """What new_* builds on: an add_* whose parent is nobody. The parent's checks run when
    the result is append()ed."""
    __slots__ = ()

    def _add(self, name, text=None, attrs=None, cls=None):
        node = (cls or self.child_class)(etree.Element(name), self.document, self.form)
        node._configure(text, attrs)
        return node


def _detached(add_method):
    def new(self, *args, **kwargs):
        return add_method(_Scratch(None, self.document, self.form), *args, **kwargs)
    new.__name__ = "new_" + add_method.__name__[4:]
    new.__doc__ = (f"Like {add_method.__name__}, but the result is not attached: pass it to "
                   "append(), or use it as a table cell, list item or definition.")
    return new


# Form controls have no new_* twin: they belong to their form (ids, pre-filled values, errors)
# and come wrapped in a field <div>, so a detached control would lose its label.
_CONTROLS = {name for name in vars(FormsMixin)
             if name.startswith("add_") and name not in ("add_form", "add_fieldset", "add_label")}
for _name in dir(Container):
    if _name.startswith("add_") and _name not in _CONTROLS and _name not in ("add_text",
                                                                            "add_class",
                                                                            "add_unsafe_markup"):
        setattr(Container, "new_" + _name[4:], _detached(getattr(Container, _name)))
