"""The text/event-stream a subscriber reads (the WHATWG Server-Sent Events format).

  retry: 2000                                   once, at the start: reconnect after 2 s
  id: 5f3a9c01-42                               every event: the stream's epoch and the event's number
  data: {"topic":"demo.status","value":{...}}   one line: the topic and the typed value (proxy codec)

  event: pwww-missed                            after a reconnect that cannot be replayed whole:
  data: ["notes.*"]                             the subscriptions that lost events (refetch them)

  :                                             a comment: keeps idle connections open

An event id is "<epoch>-<number>": the epoch is random per start of the events server, the number
counts every event it has published. A client that reconnects sends the last id it saw
(Last-Event-ID); an id of this epoch says exactly what it missed, any other epoch means that
everything before the restart is unknown.
"""
import json
import re
import secrets

RETRY_MS = 2000
MISSED = "pwww-missed"
HEARTBEAT = b":\n\n"
_ID = re.compile(r"([0-9a-f]{8})-([1-9][0-9]{0,17})")


def new_epoch() -> str:
    return secrets.token_hex(4)


def start() -> bytes:
    return f"retry: {RETRY_MS}\n\n".encode()


def event(epoch: str, number: int, topic: str, value_json: str) -> bytes:
    """`value_json` is compact JSON (no line breaks): it must stay on one data line."""
    return f'id: {epoch}-{number}\ndata: {{"topic":"{topic}","value":{value_json}}}\n\n'.encode()


def missed(subscriptions) -> bytes:
    return f"event: {MISSED}\ndata: {json.dumps(list(subscriptions), separators=(',', ':'))}\n\n".encode()


def parse_id(text: str | None) -> tuple[str, int] | None:
    """(epoch, number) of a Last-Event-ID; None when absent or malformed (then it is ignored)."""
    if not text:
        return None
    found = _ID.fullmatch(text)
    return (found.group(1), int(found.group(2))) if found else None
