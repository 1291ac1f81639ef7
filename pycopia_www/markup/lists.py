"""Lists from Python data: lists and tuples keep their order, sets are sorted (so the page is
the same every time), dicts become an item per key with the value nested under it."""
from collections.abc import Mapping


class ListsMixin:
    __slots__ = ()

    def add_list(self, items=(), ordered=False, empty=None, **attrs):
        """A <ul> (or <ol> if ordered) holding `items`; nested lists/sets/dicts nest.

        An item may be text, any value (str()-ed) or a node from a new_* method. A dict's
        key becomes the item's text; a container value nests under it, a plain value follows
        as "key: value". An empty list has no items, which XHTML forbids: pass empty="..." to
        get one placeholder item (class "empty") instead.
        """
        node = self._add("ol" if ordered else "ul", None, attrs)
        for item in _ordered(items):
            node._add_list_item(item, ordered)
        if empty is not None and not len(node.element):
            node.add_item(empty, class_="empty")
        return node

    def add_item(self, content=None, **attrs):
        """One <li> with text or a node in it."""
        item = self._add("li", None, attrs)
        item._fill(content)
        return item

    def _add_list_item(self, item, ordered):
        if isinstance(item, Mapping):
            for key, value in item.items():
                self._add_list_item_pair(key, value, ordered)
        else:
            self.add_item(item)

    def _add_list_item_pair(self, key, value, ordered):
        if _is_collection(value):
            li = self.add_item(key)
            if value:
                li.add_list(value, ordered)
        else:
            self.add_item(f"{key}: {value}")

    def add_definition_list(self, pairs=(), **attrs):
        """A <dl> from a dict or (term, definition) pairs. A definition that is a list or tuple
        gives several <dd>; a node is placed as it is."""
        node = self._add("dl", None, attrs)
        pairs = pairs.items() if isinstance(pairs, Mapping) else pairs
        for term, definition in pairs:
            node.add_term(term)
            for each in (definition if isinstance(definition, (list, tuple)) else (definition,)):
                node.add_definition(each)
        return node

    def add_term(self, content=None, **attrs):
        term = self._add("dt", None, attrs)
        term._fill(content)
        return term

    def add_definition(self, content=None, **attrs):
        definition = self._add("dd", None, attrs)
        definition._fill(content)
        return definition


def _is_collection(value):
    return isinstance(value, (list, tuple, set, frozenset, Mapping))


def _ordered(items):
    if isinstance(items, (set, frozenset)):
        try:
            return sorted(items)
        except TypeError:  # mixed types: order by text, still the same every time
            return sorted(items, key=str)
    if isinstance(items, Mapping):
        return [items]
    return items
