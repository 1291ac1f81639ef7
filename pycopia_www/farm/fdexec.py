"""Start a program with sockets handed over by systemd's socket-activation protocol, which
lighttpd speaks (server.systemd-socket-activation): the listening sockets at file descriptors
3, 4, ..., $LISTEN_FDS their count and $LISTEN_PID the program's own pid (exec keeps it); then
other inherited descriptors at the next numbers.

    python -I -m pycopia_www.farm.fdexec LISTEN_FD ... [--also FD] ... -- PROGRAM ARG ...

The supervisor runs this already as the front-end user (its privileges dropped before exec), so
nothing here or after it ever holds root.
"""
import fcntl
import os
import sys

FIRST = 3       # SD_LISTEN_FDS_START


def arrange(listen: list[int], also: list[int]) -> None:
    """Put listen + also at FIRST, FIRST+1, ... (inheritable); close where they came from."""
    sources = listen + also
    # Out of the way first: a source may sit where another must go.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, FIRST + len(sources)) for fd in sources]
    for fd in set(sources):
        os.close(fd)
    for i, fd in enumerate(high):
        os.dup2(fd, FIRST + i, inheritable=True)
        os.close(fd)


def main(argv: list[str]) -> None:
    sep = argv.index("--")
    options, program = argv[:sep], argv[sep + 1:]
    listen, also = [], []
    target = listen
    for word in options:
        if word == "--also":
            target = also
            continue
        target.append(int(word))
        target = listen
    arrange(listen, also)
    env = dict(os.environ, LISTEN_FDS=str(len(listen)), LISTEN_PID=str(os.getpid()))
    os.execve(program[0], program, env)


if __name__ == "__main__":
    main(sys.argv[1:])
