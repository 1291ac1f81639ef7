"""What travels on the publish socket: one packet per message, UTF-8 JSON (see docs/events.md).

The socket is SOCK_SEQPACKET: the kernel keeps message boundaries and delivers a message whole or
not at all, so there is no framing here, and a publisher that gives up on a full socket never
leaves half a message behind. Two kinds of message:

  {"topic": "demo.status", "value": V}          an event; V is a typed value (proxy codec form)
  {"control": "reauthorize", "user": "ann", "session": "id" | null}
                                                the auth backend: streams of this session (or of
                                                every session of the user) must ask again
Both sides use this module; the events server trusts nothing in a packet but its sender's uid.
"""
import json

MAX_PACKET = 65536
REAUTHORIZE = "reauthorize"


class PacketError(ValueError):
    """A packet that is not one of the messages above."""


def _dump(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def event_packet(topic: str, wire_value) -> bytes:
    """`wire_value`: already in the codec's JSON-able form."""
    return _dump({"topic": topic, "value": wire_value})


def reauthorize_packet(user: str, session: str | None = None) -> bytes:
    return _dump({"control": REAUTHORIZE, "user": user, "session": session})


def read(packet: bytes) -> dict:
    """The message in a packet, checked for shape (not for permission)."""
    try:
        message = json.loads(packet)
    except (ValueError, RecursionError):
        raise PacketError("not JSON") from None
    if not isinstance(message, dict):
        raise PacketError("not a JSON object")
    if "topic" in message:
        if set(message) != {"topic", "value"} or not isinstance(message["topic"], str):
            raise PacketError("an event has exactly a string topic and a value")
        return message
    if message.get("control") == REAUTHORIZE:
        user, session = message.get("user"), message.get("session")
        if set(message) != {"control", "user", "session"} or not isinstance(user, str) or \
                not (session is None or isinstance(session, str)):
            raise PacketError("reauthorize takes a string user and a string or null session")
        return message
    raise PacketError("neither an event nor a known control message")
