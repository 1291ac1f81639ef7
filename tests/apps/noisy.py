"""An application that writes terminal escapes and one very long line while it starts: the
supervisor echoing it in the foreground must neither pass the escapes to the operator's terminal
nor hold the line in memory whole."""
import sys

sys.stderr.write("\x1b]0;owned\x07\x1b[2J\x1b[31mred\x1b[0m\n")
sys.stderr.write("x" * 300_000 + "\n")
sys.stderr.flush()


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"noisy\n"]
