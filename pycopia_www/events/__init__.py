"""Live updates: backends publish events, the events backend streams them to browsers (SSE).

    from pycopia_www.events import publish
    publish("net.eth0", {"rx": 1234, "up": True})      # any backend, under its own user

In the page, pycopia_www/static/events.js (served at /pwww/events.js) subscribes:
    import { subscribe } from "/pwww/events.js";
    const stop = subscribe("net.eth0", (value) => { ... });

  publish.py    the publisher every backend process uses (the publish socket, bounded waits)
  periodic.py   a timer in a backend, run by one of its workers (with topic=, while it is listened)
  packets.py    what travels on the publish socket
  intake.py     the events server's side of that socket: who may publish what (SO_PEERCRED)
  requests.py   a subscription request: topics, roles, Last-Event-ID
  hub.py        subscribers per topic, replay buffers, limits
  interest.py   which wake topics have subscribers, told to the supervisor
  sse.py        the text/event-stream format and event ids
  fastcgi.py    FastCGI on an event loop: one open-ended response per stream
  server.py     the events backend's process
See docs/events.md.
"""
from .periodic import periodic
from .publish import publish, reauthorize, stats

__all__ = ["periodic", "publish", "reauthorize", "stats"]
