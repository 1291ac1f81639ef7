"""The proxy at /api: JavaScript in the page calls these methods as if they were local."""
from pycopia_www.proxy import Proxy


class Api:
    def greet(self, name: str) -> str:
        return f"Hello, {name}!"


api = Proxy(Api())
