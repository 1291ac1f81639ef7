"""Who listens to what, and what a reconnecting client missed: the events server's bookkeeping.

No I/O here. A stream is anything with `subscriptions`, `client`, `session`, `user`, and
`send(frame)` (which drops a subscriber that has stopped reading, without waiting for it). The
hub numbers every event, hands its frame to every stream subscribed to its topic, and keeps the
last `replay` events of each topic so a client that reconnects with Last-Event-ID gets what it
missed, or is told it missed something when that is no longer kept.
"""
from collections import Counter, OrderedDict, deque

from ..config import EventSettings
from ..config.topics import covers
from . import sse

# Bytes of events kept for replay over all topics: the least recently published topics are
# forgotten first (their subscribers are told they missed events when they reconnect).
REPLAY_BYTES = 4 << 20


class TopicLog:
    """The last events of one topic, and the number of the newest one no longer kept."""

    __slots__ = ("events", "evicted_through", "size")

    def __init__(self, keep: int):
        self.events: deque[tuple[int, bytes]] = deque(maxlen=keep)
        self.evicted_through = 0
        self.size = 0

    def append(self, number: int, frame: bytes) -> None:
        events = self.events
        if len(events) == events.maxlen:
            self.drop_oldest()
        events.append((number, frame))
        self.size += len(frame)

    def drop_oldest(self) -> None:
        number, frame = self.events.popleft()
        self.evicted_through = number
        self.size -= len(frame)


def _stems(topic: str):
    """The stems of every pattern that covers `topic`: "", "a.", "a.b." for "a.b.c"."""
    yield ""
    end = topic.find(".")
    while end != -1:
        yield topic[:end + 1]
        end = topic.find(".", end + 1)


class Hub:
    def __init__(self, settings: EventSettings, epoch: str | None = None):
        self.settings = settings
        self.epoch = epoch or sse.new_epoch()
        self.number = 0                             # of the last event published
        self.streams: set = set()
        self._exact: dict[str, set] = {}            # topic name -> its streams
        self._wide: dict[str, set] = {}             # pattern stem ("net.", "" for "*") -> streams
        self._by_user: dict[str, set] = {}
        self._per_client: Counter = Counter()
        self._per_session: Counter = Counter()
        self._logs: OrderedDict[str, TopicLog] = OrderedDict()   # least recently published first
        self._log_bytes = 0
        self._forgotten_through = 0                 # newest event of a topic log dropped whole
        self.published = 0
        self.deliveries = 0

    # -- streams ---------------------------------------------------------------------------------

    def refusal(self, client: str, session: str | None) -> tuple[int, str] | None:
        """Why one more stream of this client and session cannot open (status, reason), or None."""
        s = self.settings
        if len(self.streams) >= s.max_streams:
            return 503, "the events server holds as many streams as it may"
        if self._per_client[client] >= s.max_streams_per_client:
            return 429, "too many event streams from this address"
        if session and self._per_session[session] >= s.max_streams_per_session:
            return 429, "too many event streams for this session"
        return None

    def add(self, stream) -> None:
        self.streams.add(stream)
        for sub in stream.subscriptions:
            if sub.endswith("*"):
                self._wide.setdefault(sub[:-1], set()).add(stream)
            else:
                self._exact.setdefault(sub, set()).add(stream)
        self._per_client[stream.client] += 1
        if stream.session:
            self._per_session[stream.session] += 1
        if stream.user:
            self._by_user.setdefault(stream.user, set()).add(stream)

    def remove(self, stream) -> None:
        if stream not in self.streams:
            return
        self.streams.discard(stream)
        for sub in stream.subscriptions:
            index, key = (self._wide, sub[:-1]) if sub.endswith("*") else (self._exact, sub)
            _discard(index, key, stream)
        _count_down(self._per_client, stream.client)
        if stream.session:
            _count_down(self._per_session, stream.session)
        if stream.user:
            _discard(self._by_user, stream.user, stream)

    def crowd(self, client: str, session: str | None) -> list:
        """The streams counted against this client address or this session."""
        return [s for s in self.streams if s.client == client or (session and s.session == session)]

    def of_user(self, user: str, session: str | None = None) -> list:
        """The streams of `user`: of one session, or of all of them."""
        return [s for s in self._by_user.get(user, ()) if session is None or s.session == session]

    # -- events ----------------------------------------------------------------------------------

    def publish(self, topic: str, value_json: str) -> int:
        """Number the event, keep it for replay, send it; returns how many streams it went to."""
        self.number += 1
        self.published += 1
        frame = sse.event(self.epoch, self.number, topic, value_json)
        if self.settings.replay:
            self._keep(topic, frame)
        targets = self._exact.get(topic)
        wide = [self._wide[stem] for stem in _stems(topic) if stem in self._wide]
        if wide:
            targets = set(targets or ()).union(*wide)
        if not targets:
            return 0
        for stream in tuple(targets):           # a send may drop a stream, changing the set
            stream.send(frame)
        self.deliveries += len(targets)
        return len(targets)

    def _keep(self, topic: str, frame: bytes) -> None:
        log = self._logs.get(topic)
        if log is None:
            log = self._logs[topic] = TopicLog(self.settings.replay)
        else:
            self._logs.move_to_end(topic)
            self._log_bytes -= log.size
        log.append(self.number, frame)
        self._log_bytes += log.size
        while self._log_bytes > REPLAY_BYTES:
            oldest_topic, oldest = next(iter(self._logs.items()))
            if oldest is log:                   # this topic alone is over: trim its own past
                self._log_bytes -= log.size
                log.drop_oldest()
                self._log_bytes += log.size
                continue
            del self._logs[oldest_topic]
            self._log_bytes -= oldest.size
            self._forgotten_through = max(self._forgotten_through, oldest.events[-1][0])

    def backlog(self, subscriptions, last: tuple[str, int] | None) -> bytes:
        """What a client reconnecting after event `last` (from its Last-Event-ID) gets first: a
        missed notice for the subscriptions whose events are no longer all kept, then the kept
        events it has not seen, in order."""
        if last is None:
            return b""
        epoch, seen = last
        if epoch != self.epoch:
            return sse.missed(subscriptions)     # the server restarted: anything may be lost
        seen = min(seen, self.number)
        if seen == self.number:
            return b""
        missed, frames = [], {}
        for sub in subscriptions:
            lost = not self.settings.replay or self._forgotten_through > seen
            for topic, log in self._logs.items():
                if covers(sub, topic):
                    lost = lost or log.evicted_through > seen
                    frames.update((n, f) for n, f in log.events if n > seen)
            if lost:
                missed.append(sub)
        notice = sse.missed(missed) if missed else b""
        return notice + b"".join(frames[n] for n in sorted(frames))


def _discard(index: dict, key, stream) -> None:
    streams = index.get(key)
    if streams is not None:
        streams.discard(stream)
        if not streams:
            del index[key]


def _count_down(counter: Counter, key) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
