"""A route module that refuses to be imported by root: websitectl must never do that."""
import os

from pycopia_www.urls import route

if os.geteuid() == 0:
    raise RuntimeError("a route module was imported by root")


def item(request, n: int):
    return f"item {n}"


routes = [route(r"^/$", "testapps.whoami", name="home"),
          route(r"^/item/(?P<n>\d+)$", "rootshy_urls.item", name="item")]
