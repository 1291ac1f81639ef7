"""A backend with a database and table pages (pycopia_www.ui.tables), for test_ui_tables.py."""
