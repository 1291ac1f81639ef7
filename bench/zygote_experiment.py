"""The measurement behind docs/decisions.md, "No shared start-up parent": what a pre-imported,
gc.freeze()'d parent forked once per backend would save against one interpreter started per
backend (what the farm does). Not a benchmark of `make bench`; run it as root (pagemap):

    .venv/bin/python bench/zygote_experiment.py

Each of the demo's backends is loaded in its own process and answers one request in-process
(the page a worker would serve first), either
  exec    a fresh `python -I` per backend, as the supervisor starts them
  fork    children of one parent that imported the framework and froze it (the "zygote")
and the memory of the processes is summed as if they were alone on the machine (bench/pages.py).
No privileges are dropped here: the question is only how much memory the sharing saves.
"""
import gc
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO), str(REPO / "demo")]

from pages import alone_pss      # noqa: E402

FRAMEWORK = ["pycopia_www.farm.backend", "pycopia_www.farm.fcgi", "pycopia_www.web.loader",
             "pycopia_www.ui", "pycopia_www.proxy.server", "pycopia_www.auth.urls"]
FARM = REPO / "demo" / "etc" / "farm.toml"


def backend_process(ident: str, host: str, ready_fd: int) -> None:
    """Load one backend's application, answer one request, report, and wait to be measured."""
    import importlib
    os.chdir(os.environ["PWWW_ZYGOTE_DIR"])     # where the auth backend's store goes
    for name in FRAMEWORK:
        importlib.import_module(name)
    from pycopia_www.config import load_site
    from pycopia_www.web import loader
    site = load_site(FARM)
    app = loader.load(site, site.backend(ident))
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SCRIPT_NAME": "", "QUERY_STRING": "",
               "SERVER_NAME": host, "SERVER_PORT": "80", "HTTP_HOST": host, "REMOTE_ADDR": "127.0.0.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
               "wsgi.errors": sys.stderr}
    b"".join(app(environ, lambda status, headers, exc_info=None: None))
    gc.collect()
    os.write(ready_fd, b"R")
    time.sleep(120)


BACKENDS = [("appliance.ui", "localhost"), ("appliance.db", "localhost"),
            ("appliance.sys", "localhost"), ("appliance.auth", "localhost"),
            ("docs.docs", "docs.local")]


def wait_ready(fd: int, count: int) -> None:
    got = b""
    while len(got) < count:
        got += os.read(fd, count)


def measure_exec() -> dict[str, float]:
    r, w = os.pipe()
    procs = [subprocess.Popen([sys.executable, "-I", __file__, "child", ident, host, str(w)],
                              pass_fds=(w,)) for ident, host in BACKENDS]
    try:
        wait_ready(r, len(procs))
        alone = alone_pss([p.pid for p in procs])
        return {ident: alone[p.pid] for (ident, _), p in zip(BACKENDS, procs)}
    finally:
        for p in procs:
            p.kill()
            p.wait()


def measure_fork() -> dict[str, float]:
    import importlib
    for name in FRAMEWORK:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    r, w = os.pipe()
    pids = []
    for ident, host in BACKENDS:
        pid = os.fork()
        if pid == 0:
            try:
                backend_process(ident, host, w)
            finally:
                os._exit(0)
        pids.append(pid)
    try:
        wait_ready(r, len(pids))
        alone = alone_pss([os.getpid(), *pids])
        out = {ident: alone[pid] for (ident, _), pid in zip(BACKENDS, pids)}
        out["(the parent)"] = alone[os.getpid()]
        return out
    finally:
        for pid in pids:
            os.kill(pid, 9)
            os.waitpid(pid, 0)


def main() -> None:
    import tempfile
    if os.geteuid() != 0:
        sys.exit("zygote_experiment needs root: page frames come from /proc/<pid>/pagemap")
    with tempfile.TemporaryDirectory(prefix="pwww-zygote-") as scratch:
        os.environ["PWWW_ZYGOTE_DIR"] = scratch
        for mode, measure in (("exec", measure_exec), ("fork", measure_fork)):
            result = measure() if mode == "exec" else _in_child(measure)
            print(f"{mode}: " + ", ".join(f"{k} {v / 1024:.1f}" for k, v in result.items())
                  + f"; total {sum(result.values()) / 1024:.1f} MB")


def _in_child(measure):
    """Run measure() in a fresh interpreter, so that this one's imports do not count."""
    out = subprocess.run([sys.executable, "-I", __file__, "fork"], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        backend_process(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1:2] == ["fork"]:
        print(json.dumps(measure_fork()))
    else:
        main()
