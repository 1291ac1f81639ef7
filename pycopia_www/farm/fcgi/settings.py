"""What serve() was asked to run, shared by the master and its workers."""
import logging
import socket
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pool:
    listen: socket.socket          # bound, listening, non-blocking
    app: object                    # the WSGI application
    name: str                      # for process names: pwww-<name>-worker
    workers: int
    max_requests: int              # per worker; 0 = never recycle
    request_timeout: float         # seconds
    log: logging.Logger
    record_io: type                # records.RecordIO or flupio.FlupRecordIO
    values: dict = field(default_factory=dict)     # answers to FCGI_GET_VALUES
    # TCP peers that may connect (ipaddress networks); empty: any (a unix socket's permissions
    # decide who connects there)
    peers: tuple = ()
