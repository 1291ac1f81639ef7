"""A backend that publishes what a request asks: GET /...?topic=NAME&value=JSON[&n=COUNT], or
&size=BYTES for a string of that many x's. Answers what publish() returned and this process's
counts, so a test sees sent and dropped."""
import json
from urllib.parse import parse_qs

from pycopia_www.events import publish, stats


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    topic = query["topic"][0]
    value = json.loads(query.get("value", ["null"])[0])
    if "size" in query:
        value = "x" * int(query["size"][0])
    sent = [publish(topic, value) for _ in range(int(query.get("n", ["1"])[0]))]
    body = json.dumps({"sent": sent.count(True), "dropped": sent.count(False), **{
        f"process_{k}": v for k, v in stats().items()}}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
