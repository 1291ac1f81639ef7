"""pycopia-www: a web framework and process farm (see README.md and docs/)."""
from pathlib import Path

# The framework's own browser assets (proxy.js, the shipped stylesheet pwww.css and favicon), which
# lighttpd serves on every virtual host at STATIC_URL.
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/pwww/"
