"""User administration on the store, run as the auth backend's user in its state directory by
`websitectl user ...` and `websitectl setup` (see pycopia_www/ctl/user.py), so that the store
stays that user's file and root never opens it.

    python -m pycopia_www.auth.usercmd add NAME ROLES      password on stdin
    python -m pycopia_www.auth.usercmd passwd NAME         password on stdin
    python -m pycopia_www.auth.usercmd roles NAME ROLES
    python -m pycopia_www.auth.usercmd remove NAME
    python -m pycopia_www.auth.usercmd logout NAME         end every session of NAME
    python -m pycopia_www.auth.usercmd list
    python -m pycopia_www.auth.usercmd first-admin         stdin: a password, or empty to generate

Any of them may start with `--password-cost N`, the virtual host's [auth] password_cost (the
cost new hashes are made at; default passwords.DEFAULT_COST). ROLES is comma-separated (may be empty). Exit 1 with the reason on stderr when it cannot be done.
"""
import sys
from pathlib import Path

from ..events import reauthorize
from .authorizer import STORE_FILE
from .passwords import DEFAULT_COST, generate_password
from .store import Store, UserError, check_name

ADMIN = "admin"


def _password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise UserError("empty password")
    return password


def _roles(text: str) -> list[str]:
    return text.split(",")


def run(store: Store, action: str, args: list[str]) -> str:
    if action == "list":
        rows = store.list_users()
        return "\n".join(f"{n:<20} {','.join(sorted(r)) or '-':<30} {s} session(s)" for n, r, s in rows) \
            or "no users"
    if action == "first-admin":
        if store.has_users():
            return ""
        given = sys.stdin.readline().rstrip("\n")
        store.add_user(ADMIN, given or (generated := generate_password()), [ADMIN])
        if given:
            return f"created user {ADMIN} (role {ADMIN}) with the password from ADMIN_PASSWORD"
        return (f"created user {ADMIN} (role {ADMIN}) with password: {generated}\n"
                f"(shown only this once; change it with `websitectl user passwd {ADMIN}`)")
    name = check_name(args[0]) if args else ""
    if action == "add":
        store.add_user(name, _password(), _roles(args[1]))
        return f"added user {name}"
    if action == "passwd":
        store.set_password(name, _password())
        return f"password of {name} changed; their sessions ended"
    if action == "roles":
        store.set_roles(name, _roles(args[1]))
        return f"roles of {name}: {args[1] or '(none)'}"
    if action == "remove":
        store.remove_user(name)
        return f"removed user {name}"
    if action == "logout":
        return f"ended {store.end_all_sessions(name)} session(s) of {name}"
    raise UserError(f"unknown action {action!r}")


def main(argv: list[str]) -> int:
    args, cost = argv[1:], DEFAULT_COST
    if args[:1] == ["--password-cost"]:
        cost, args = int(args[1]), args[2:]
    try:
        out = run(Store(Path(STORE_FILE), password_cost=cost, on_change=reauthorize), args[0],
                  args[1:])
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if out:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
