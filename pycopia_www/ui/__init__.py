"""The appliance UI kit: the shipped page layout and menu, flash messages, forms generated from
a schema, and settings that survive and roll back. See docs/ui.md.

Above web/ (it reads requests) and markup/ (it builds pages); nothing below imports it.
"""
from .flash import flash_redirect, register_flash
from .layout import Layout, Page, error_page, page

__all__ = ["Layout", "Page", "error_page", "flash_redirect", "page", "register_flash"]
