#!/usr/bin/python3
"""`make install` and `make uninstall`: lay out an installed farm (docs/install.md).

    install.py install   --prefix P --sysconfdir E --localstatedir S --logdir L --runstatedir R
                         --unitdir U --initdir I --site DIR --wheels W [--listen A] [--destdir D]
    install.py uninstall --prefix P [--destdir D]

Every path is where the file will be on the target; --destdir (a package's or a firmware
image's root) is put in front of each only while writing. Install builds PREFIX/venv from the
wheels alone (no index, no compiler), copies the site to PREFIX/site and the framework's
configuration to SYSCONFDIR without ever replacing a file there (a different new version goes
beside it as NAME.new), and lists what it wrote in PREFIX/share/pycopia-www/installed-files,
which uninstall removes again: never configuration, state or logs. Standard library only: it
runs with the system's Python on a box that has nothing else yet.
"""
import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
MANIFEST = "share/pycopia-www/installed-files"
PYTHON = "/usr/bin/python3"
# Not part of an installed site: its configuration goes to SYSCONFDIR; the rest is the
# checkout's run-time state, tests and caches.
SITE_SKIP = {"etc", "var", "tests", "__pycache__"}


class Installer:
    def __init__(self, destdir: str):
        self.destdir = destdir
        self.written: list[str] = []        # final paths, for the manifest

    def real(self, path: str | Path) -> Path:
        """Where a target path is written now (under --destdir)."""
        return Path(self.destdir + str(path)) if self.destdir else Path(path)

    def directory(self, path: str | Path, mode: int = 0o755) -> Path:
        real = self.real(path)
        real.mkdir(parents=True, exist_ok=True)
        real.chmod(mode)
        return real

    def file(self, path: str | Path, data: bytes, mode: int = 0o644) -> None:
        real = self.real(path)
        real.parent.mkdir(parents=True, exist_ok=True)
        tmp = real.with_name(f".{real.name}.tmp")
        tmp.write_bytes(data)
        tmp.chmod(mode)
        tmp.replace(real)
        self.written.append(str(path))

    def config(self, path: str | Path, data: bytes) -> str:
        """A configuration file: written if absent; if present and different, the new version
        goes beside it as NAME.new. Never listed for uninstall."""
        real = self.real(path)
        real.parent.mkdir(parents=True, exist_ok=True)
        if not real.exists():
            real.write_bytes(data)
            real.chmod(0o644)
            return f"installed {path}"
        if real.read_bytes() == data:
            return f"unchanged {path}"
        new = real.with_name(real.name + ".new")
        new.write_bytes(data)
        new.chmod(0o644)
        return f"kept {path}; the new version is {path}.new"

    def tree(self, source: Path, target: str, skip=frozenset()) -> None:
        """Copy a directory's files (dirs 0755, files 0644, executables 0755)."""
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source)
            if any(part in skip or part.startswith(".") for part in rel.parts) or path.suffix == ".pyc":
                continue
            if path.is_dir():
                self.directory(f"{target}/{rel}")
            elif path.is_file():
                self.file(f"{target}/{rel}", path.read_bytes(),
                          0o755 if os.access(path, os.X_OK) else 0o644)

    def record(self, prefix: str, root: Path) -> None:
        """Everything under root (a tree written by a tool, like the venv) goes in the manifest;
        directories with a trailing "/", so that uninstall removes the empty ones too."""
        for path in root.rglob("*"):
            final = prefix + str(path)[len(str(self.real(prefix))):]
            self.written.append(final + "/" if path.is_dir() and not path.is_symlink() else final)


# ----- the virtual environment -------------------------------------------------------------

def wheel_of(wheels: Path, project: str) -> Path:
    found = sorted(wheels.glob(f"{project}-*.whl"))
    if not found:
        sys.exit(f"no {project} wheel in {wheels}: run `make wheels` first (on a build machine)")
    return found[-1]


def build_venv(inst: Installer, prefix: str, wheels: Path) -> None:
    venv = f"{prefix}/venv"
    real = inst.real(venv)
    shutil.rmtree(real, ignore_errors=True)         # a fresh one every time: no stale packages
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(real)], check=True)
    framework = wheel_of(wheels, "pycopia_www")
    version = framework.name.split("-")[1]
    # pip runs from its own wheel, so the venv gets no pip: nothing on the box installs packages.
    # Only the wheels directory is looked at: no index, no configuration, no compiler.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run([str(real / "bin" / "python"), str(wheel_of(wheels, "pip")) + "/pip", "install",
                    "--quiet", "--no-compile", "--no-warn-script-location",
                    "--find-links", str(wheels), f"pycopia-www=={version}"], check=True, env=env)
    if inst.destdir:
        relocate(real, str(real), venv)
    # Byte-compile as root now: the backends' users cannot write here, and the paths recorded
    # in the .pyc files are the target's.
    compile_tree(inst, real / "lib")
    inst.record(venv, real)


def relocate(real: Path, built: str, final: str) -> None:
    """A venv made under --destdir names that directory in its scripts' #! lines and in
    pyvenv.cfg; on the target it is `final`."""
    for path in [*(real / "bin").iterdir(), real / "pyvenv.cfg"]:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if built.encode() in data[:4096]:
            path.write_bytes(data.replace(built.encode(), final.encode()))


def compile_tree(inst: Installer, real: Path) -> None:
    strip = inst.destdir or None
    if not compileall.compile_dir(str(real), quiet=1, workers=0, stripdir=strip,
                                  prependdir="/" if strip else None):
        sys.exit(f"byte-compiling {real} failed")


# ----- configuration -------------------------------------------------------------------------

def installed_farm_toml(site_farm: Path, settings: dict) -> bytes:
    """The site's farm.toml with the installed layout's keys set (replaced where the site set
    them, added before its first table otherwise); its other settings and comments are kept."""
    lines = site_farm.read_text(encoding="utf-8").splitlines()
    first_table = next((i for i, line in enumerate(lines) if re.match(r"\s*\[", line)), len(lines))
    head, tail = lines[:first_table], lines[first_table:]
    out, placed = [], set()
    for line in head:
        key = re.match(r"\s*([A-Za-z_]+)\s*=", line)
        if key and key.group(1) in settings:
            name = key.group(1)
            out.append(f"{name} = {toml_value(settings[name])}    # set by make install")
            placed.add(name)
        else:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    missing = [k for k in settings if k not in placed]
    if missing:
        out += ["", "# The installed layout (set by make install):"]
        out += [f"{k} = {toml_value(settings[k])}" for k in missing]
    text = "\n".join([f"# Installed from {site_farm} by make install.", *out, "", *tail]).rstrip() + "\n"
    parsed = tomllib.loads(text)
    assert all(parsed[k] == v for k, v in settings.items()), "farm.toml rewrite lost a setting"
    return text.encode()


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def fill(template: Path, values: dict[str, str]) -> bytes:
    text = template.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        sys.exit(f"{template}: no value for {', '.join(sorted(set(left)))}")
    return text.encode()


def runtime_lines(runstatedir: str, paths: list[str]) -> tuple[str, str]:
    """systemd makes /run/NAME itself (RuntimeDirectory=, writable under ProtectSystem=strict);
    any other run directory must be listed as writable."""
    if re.fullmatch(r"/run/[A-Za-z0-9._-]+", runstatedir):
        return (f"RuntimeDirectory={runstatedir[len('/run/'):]}\nRuntimeDirectoryMode=0755",
                " ".join(paths))
    return "", " ".join([*paths, runstatedir])


# ----- install and uninstall -----------------------------------------------------------------

def install(a) -> None:
    inst = Installer(a.destdir)
    site = Path(a.site).resolve()
    site_farm = site / "etc" / "farm.toml"
    if not site_farm.is_file():
        sys.exit(f"{site} is not a site: it has no etc/farm.toml")
    wheels = Path(a.wheels).resolve()
    build_venv(inst, a.prefix, wheels)
    inst.file(f"{a.prefix}/venv/pycopia-www-farm", f"{a.sysconfdir}/farm.toml\n".encode())
    bin_link = inst.real(f"{a.prefix}/bin/websitectl")
    bin_link.parent.mkdir(parents=True, exist_ok=True)
    bin_link.unlink(missing_ok=True)
    bin_link.symlink_to("../venv/bin/websitectl")
    inst.written.append(f"{a.prefix}/bin/websitectl")

    shutil.rmtree(inst.real(f"{a.prefix}/site"), ignore_errors=True)
    inst.tree(site, f"{a.prefix}/site", skip=SITE_SKIP)
    compile_tree(inst, inst.real(f"{a.prefix}/site"))
    inst.record(f"{a.prefix}/site", inst.real(f"{a.prefix}/site"))
    inst.tree(HERE / "docs", f"{a.prefix}/share/doc/pycopia-www")

    settings = {"root": f"{a.prefix}/site", "backends_dir": f"{a.sysconfdir}/backends.d",
                "lighttpd_conf": f"{a.sysconfdir}/lighttpd.conf", "run_dir": a.runstatedir,
                "log_dir": a.logdir, "state_dir": a.localstatedir,
                "port": 80, "tls_port": 443, "redirect_to_https": True}
    if a.listen:
        settings["listen"] = a.listen
    messages = [inst.config(f"{a.sysconfdir}/farm.toml", installed_farm_toml(site_farm, settings))]
    for vhost in sorted((site / "etc" / "backends.d").glob("*.toml")):
        messages.append(inst.config(f"{a.sysconfdir}/backends.d/{vhost.name}", vhost.read_bytes()))
    messages.append(inst.config(f"{a.sysconfdir}/lighttpd.conf",
                                (HERE / "pycopia_www" / "farm" / "lighttpd.conf").read_bytes()))
    inst.directory(a.sysconfdir)
    inst.directory(f"{a.sysconfdir}/backends.d")
    for data_dir in (a.localstatedir, a.logdir):     # must exist for ReadWritePaths=
        inst.directory(data_dir)

    runtime, writable = runtime_lines(a.runstatedir, [a.localstatedir, a.logdir])
    values = {"PREFIX": a.prefix, "SYSCONFDIR": a.sysconfdir, "RUNTIME_DIRECTORY": runtime,
              "READ_WRITE_PATHS": writable}
    inst.file(f"{a.unitdir}/pycopia-www.service", fill(HERE / "packaging" / "pycopia-www.service.in", values))
    inst.file(f"{a.initdir}/pycopia-www", fill(HERE / "packaging" / "pycopia-www.init.in", values), 0o755)

    manifest = f"{a.prefix}/{MANIFEST}"
    inst.written.append(manifest)
    inst.file(manifest, "".join(f"{p}\n" for p in sorted(set(inst.written))).encode())
    for line in messages:
        print(line)
    print(f"installed pycopia-www in {a.destdir}{a.prefix} ({len(inst.written)} files); next, as root:\n"
          f"  {a.prefix}/bin/websitectl setup        # users, directories, certificates, the first admin\n"
          f"  systemctl daemon-reload && systemctl enable --now pycopia-www")


def uninstall(a) -> None:
    inst = Installer(a.destdir)
    manifest = inst.real(f"{a.prefix}/{MANIFEST}")
    try:
        listed = manifest.read_text().split("\n")
    except FileNotFoundError:
        sys.exit(f"{manifest} not found: nothing installed there")
    directories = set()
    for path in filter(None, listed):
        real = inst.real(path)
        if path.endswith("/"):
            directories.add(real)
        elif real.is_symlink() or real.is_file():
            real.unlink()
        directories.update(real.parents)
    # Directories the install made and that are empty now, deepest first; never above PREFIX
    # or the directories the unit and init files went into.
    root = inst.real(a.prefix)
    for directory in sorted(directories, key=lambda p: len(p.parts), reverse=True):
        if (directory == root or root in directory.parents) and directory.is_dir():
            try:
                directory.rmdir()
            except OSError:
                pass
    print(f"removed pycopia-www from {a.destdir}{a.prefix}; configuration, state and logs are kept")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=("install", "uninstall"))
    p.add_argument("--destdir", default="")
    p.add_argument("--prefix", required=True)
    for name in ("sysconfdir", "localstatedir", "logdir", "runstatedir", "unitdir", "initdir",
                 "site", "wheels"):
        p.add_argument(f"--{name}")
    p.add_argument("--listen", default="")
    a = p.parse_args()
    a.destdir = a.destdir.rstrip("/")
    for name in ("prefix", "sysconfdir", "localstatedir", "logdir", "runstatedir", "unitdir", "initdir"):
        value = getattr(a, name)
        if value is not None and not value.startswith("/"):
            p.error(f"--{name} must be an absolute path, not {value!r}")
        if value is not None:
            setattr(a, name, value.rstrip("/") or "/")
    if a.action == "install":
        missing = [n for n in ("sysconfdir", "localstatedir", "logdir", "runstatedir", "unitdir",
                               "initdir", "site", "wheels") if getattr(a, n) is None]
        if missing:
            p.error("install needs " + ", ".join(f"--{n}" for n in missing))
        install(a)
    else:
        uninstall(a)


if __name__ == "__main__":
    main()
