"""Backend "web": the pages and the proxy."""
