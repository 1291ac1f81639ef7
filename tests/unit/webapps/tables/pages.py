"""The table pages of the racks and devices."""
from pycopia_www.ui.tables import TablePages

from webapps.tables.models import Device, Rack

racks = TablePages(Rack, roles=["admin"], search=["name", "note"], sort="name", per_page=3)
devices = TablePages(Device, roles=["admin"], columns=["name", "rack_id", "position", "created"],
                     exclude=["created"])
