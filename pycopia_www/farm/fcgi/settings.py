"""What serve() was asked to run, shared by the master and its workers."""
import logging
import socket
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pool:
    listen: socket.socket          # bound, listening, non-blocking
    app: object                    # the WSGI application
    name: str                      # for process names: pwww-<name>-worker
    workers: int                   # the most workers
    max_requests: int              # per worker; 0 = never recycle
    request_timeout: float         # seconds
    log: logging.Logger
    record_io: type                # records.RecordIO or flupio.FlupRecordIO
    values: dict = field(default_factory=dict)     # answers to FCGI_GET_VALUES
    # TCP peers that may connect (ipaddress networks); empty: any (a unix socket's permissions
    # decide who connects there)
    peers: tuple = ()
    min_workers: int = 0           # the fewest workers; 0: as many as `workers` (a fixed pool)
    max_rss: int = 0               # bytes a worker may be resident; 0: no limit
    idle_timeout: float | None = None   # seconds without a request before serve() returns
    retire_after: float = 30.0     # seconds a worker above min_workers may sit idle
    hold: object = None            # a farm.hold.Hold: busy while it says so, though no request comes

    @property
    def fewest(self) -> int:
        return self.min_workers or self.workers

    @property
    def grows(self) -> bool:
        return self.fewest < self.workers
