"""Where the farm keeps things at run time: one place, so the supervisor, setup and lighttpd agree."""
from pathlib import Path

from ..config import Backend, FarmSettings


def socket_dir(farm: FarmSettings) -> Path:
    return farm.run_dir / "sockets"


def socket_path(farm: FarmSettings, backend: Backend) -> Path:
    return socket_dir(farm) / f"{backend.ident}.sock"


def publish_dir(farm: FarmSettings) -> Path:
    return farm.run_dir / "events"


def publish_socket(farm: FarmSettings, host: str) -> Path:
    """Where the events backend of virtual host `host` takes what backends publish."""
    return publish_dir(farm) / f"{host}.sock"


def state_path(farm: FarmSettings, backend: Backend) -> Path:
    return farm.state_dir / backend.ident


def backend_log(farm: FarmSettings, backend: Backend) -> Path:
    return farm.log_dir / f"{backend.ident}.log"


def lighttpd_error_log(farm: FarmSettings) -> Path:
    # lighttpd's stderr, which is its error log; like its access log, written by the (root)
    # supervisor into the root-owned log directory: lighttpd opens no log file itself.
    return farm.log_dir / "lighttpd.error.log"


def lighttpd_access_log(farm: FarmSettings) -> Path:
    return farm.log_dir / "lighttpd.access.log"


def generated_dir(farm: FarmSettings) -> Path:
    return farm.run_dir / "lighttpd"


def certificate_dir(farm: FarmSettings) -> Path:
    # The certificates the farm made or was given by `websitectl cert install`: root's alone.
    # lighttpd reads copies staged beside its generated configuration (certificates.stage).
    return farm.state_dir / "tls"


def identity_dir(farm: FarmSettings) -> Path:
    # The virtual hosts' identity keys (farm/identity.py): root's alone.
    return farm.state_dir / "identity"


def control_socket(farm: FarmSettings) -> Path:
    return farm.run_dir / "websitectl.sock"


def pid_file(farm: FarmSettings) -> Path:
    return farm.run_dir / "websitectl.pid"


def supervisor_log(farm: FarmSettings) -> Path:
    return farm.log_dir / "websitectl.log"
