"""A backend whose periodic task feeds topic net.tick (its pid, every 0.2 s) only while the topic
has subscribers; GET answers what this process has published and dropped so far."""
import json
import os

from pycopia_www.events import periodic, publish, stats

periodic(0.2, lambda: publish("net.tick", {"pid": os.getpid()}), name="tick", backend="ticker",
         topic="net.tick")


def application(environ, start_response):
    body = json.dumps({"pid": os.getpid(), **stats()}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
