"""Accounts websitectl makes: two websitectl processes making the same account at once (two
`serve` instances of one remote backend starting together) both succeed."""
import pwd
import subprocess
import sys
import threading

from farmkit import REPO, test_user


def test_two_websitectls_making_the_same_account_at_once_both_succeed():
    name = test_user("race")
    code = ("import sys; from pycopia_www.farm.accounts import _system_account\n"
            "made = []; _system_account(sys.argv[1], None, made); print(made)")
    results = []

    def make():
        results.append(subprocess.run([sys.executable, "-c", code, name], cwd=REPO,
                                      capture_output=True, text=True, timeout=60))
    for _ in range(3):          # a few tries: the window is small
        subprocess.run(["userdel", name], capture_output=True)
        results.clear()
        threads = [threading.Thread(target=make) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r.returncode == 0 for r in results), [r.stderr[-500:] for r in results]
        assert pwd.getpwnam(name)
