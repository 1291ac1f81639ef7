"""The navigation menu of a virtual host, collected from its one URL table.

A route becomes a menu entry by saying so in its route module:

    route(r"^/net$", "handlers.ui.net.page", name="net", menu="Network", menu_order=20,
          menu_section="System", menu_icon="/media/net.svg")

The URL map collects the entries of every backend of the virtual host (VhostUrls.menu), so a page
built by one backend can show the pages of all the others. Each entry carries the protection of
its route (access.route_roles), so a page shows a user only the entries they may reach. Only the
route's own protection is known here: a route module is data, and a mark on the view
(requires_role) is seen only by the backend that imports it; put roles= on the route of a menu
entry. A page anyone may read but only some may change (the table pages) says who its entry is
for with menu_roles=[...]: those roles on top of the route's protection.
"""
from dataclasses import dataclass

from ..config import ConfigError
from .access import route_roles
from .reverse import Failed

DEFAULT_ORDER = 100


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str                            # a path on this virtual host
    order: int
    section: str | None
    icon: str | None                    # an image URL, shown before the label
    roles: frozenset[str] | None        # None: anyone; a set: a user with all of them
    name: str | None                    # the route's name
    backend: str                        # the ident of the backend that serves it

    def visible_to(self, user) -> bool:
        if self.roles is None:
            return True
        return user is not None and user.has_roles(self.roles)


def collect_menu(entries) -> tuple[MenuEntry, ...]:
    """The menu entries among a virtual host's ReverseEntry list (in declaration order), sorted
    by menu_order, then as declared. A menu route must be reachable without parameters."""
    found = []
    for position, entry in enumerate(entries):
        placed = entry.placed
        options = placed.route.options
        label = options.get("menu")
        if label is None:
            continue
        try:
            url = entry.build({})
        except Failed as exc:
            raise ConfigError(placed.file, placed.config_key, f"menu entry {label!r}: its URL must "
                              f"need no parameters ({exc})") from None
        found.append((options.get("menu_order", DEFAULT_ORDER), position, MenuEntry(
            label, url, options.get("menu_order", DEFAULT_ORDER), options.get("menu_section"),
            options.get("menu_icon"), _entry_roles(placed), placed.route.name,
            placed.backend.ident)))
    return tuple(item for _, _, item in sorted(found, key=lambda t: t[:2]))


def _entry_roles(placed) -> frozenset[str] | None:
    """Who sees the entry: who may reach the route, and has the route's menu_roles."""
    roles = route_roles(placed.backend, placed.route)
    extra = placed.route.options.get("menu_roles")
    if extra:
        roles = (roles or frozenset()) | frozenset(extra)
    return roles
