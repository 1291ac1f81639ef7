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


def lighttpd_log_dir(farm: FarmSettings) -> Path:
    # lighttpd opens its logs after dropping to the front-end user, so it owns this directory.
    return farm.log_dir / "lighttpd"


def lighttpd_stderr_log(farm: FarmSettings) -> Path:
    # What lighttpd writes to stderr, copied by the (root) supervisor: so it lives in the
    # root-owned log directory, not in lighttpd's own, where the front-end user could plant a
    # symlink for root to write through.
    return farm.log_dir / "lighttpd.stderr.log"


def generated_dir(farm: FarmSettings) -> Path:
    return farm.run_dir / "lighttpd"


def control_socket(farm: FarmSettings) -> Path:
    return farm.run_dir / "websitectl.sock"


def pid_file(farm: FarmSettings) -> Path:
    return farm.run_dir / "websitectl.pid"


def supervisor_log(farm: FarmSettings) -> Path:
    return farm.log_dir / "websitectl.log"
