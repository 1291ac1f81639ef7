"""websitectl: the one command an operator uses. This package is the composition root: it puts
together the farm's commands (pycopia_www/farm/cli.py) and the ones that need the layers above
the farm (the URL tree, users), so the farm itself never imports the web layer.

    python -m pycopia_www.ctl --farm etc/farm.toml status      (the `websitectl` console script)
"""
import argparse
import logging
import sys
from pathlib import Path

from ..config import ConfigError
from ..data import cli as data_cli
from ..farm import cli as farm_cli
from . import urls, user

# What the layers above the farm check and prepare before anything starts (and at each reload):
# every backend's database schema brought up to date, as that backend's user.
PREPARE = (data_cli.upgrade_databases,)


def cmd_setup(args) -> int:
    site = farm_cli.setup(args, steps=PREPARE)
    for line in user.first_admins(site):
        print(line)
    print(f"setup complete for {len(site.vhosts)} virtual host(s), "
          f"{len(site.local_backends)} local backend(s)")
    return 0


COMMANDS = {**farm_cli.COMMANDS, **urls.COMMANDS, "setup": cmd_setup, "user": user.cmd_user,
            "db": data_cli.cmd_db,
            "start": lambda args: farm_cli.cmd_start(args, steps=PREPARE),
            "check": lambda args: farm_cli.cmd_check(args, steps=(data_cli.check_databases,))}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="websitectl", description=__doc__.split("\n\n")[0])
    p.add_argument("--farm", default=None, help="the farm settings file (default: $PWWW_FARM, "
                   "./etc/farm.toml, or in a checkout the demo's)")
    sub = p.add_subparsers(dest="command", required=True)
    farm_cli.add_parsers(sub)
    urls.add_parsers(sub)
    user.add_parser(sub)
    data_cli.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.farm = (Path(args.farm) if args.farm else farm_cli.default_farm_file()).resolve()
    if not hasattr(args, "port"):
        args.port = None
    quiet = getattr(args, "quiet", False)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s websitectl %(levelname)s: %(message)s" if quiet or
                        getattr(args, "foreground", False) else "websitectl: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        if args.command in ("start", "setup", "reload"):
            print("nothing was started or changed", file=sys.stderr)
        return 2
    except farm_cli.NotRunning as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
