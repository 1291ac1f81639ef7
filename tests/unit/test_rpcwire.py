"""The proxy's wire constants have one home (pycopia_www/rpcwire.py): the JavaScript client, which
cannot import it, must say the same, and rpc.discover advertises them."""
import re
from pathlib import Path

from pycopia_www import rpcwire
from pycopia_www.proxy.discover import openrpc_document

PROXY_JS = (Path(rpcwire.__file__).parent / "static" / "proxy.js").read_text()


def test_proxy_js_sends_the_header_rpcwire_names():
    assert f'"{rpcwire.PROXY_HEADER}": "{rpcwire.PROXY_HEADER_VALUE}"' in PROXY_JS


def test_proxy_js_names_every_code_as_rpcwire_does():
    table = PROXY_JS[PROXY_JS.index("const CODE_TYPES"):]
    table = table[:table.index("};")]
    names = {int(code): name for code, name in re.findall(r'\[(-\d+)\]: "(\w+)"', table)}
    assert names == rpcwire.ERROR_NAMES


def test_proxy_js_defaults_are_the_servers():
    assert re.search(rf"const DEFAULT_MAX_BATCH = {rpcwire.MAX_BATCH};", PROXY_JS)
    assert re.search(rf"const MAX_DEPTH = {rpcwire.MAX_DEPTH};", PROXY_JS)


def test_rpc_discover_advertises_the_codes_and_the_batch_limit():
    info = openrpc_document("t", {}, None, rpcwire.MAX_BATCH, rpcwire.BATCH_SECONDS)["info"]
    assert info["x-max-batch"] == rpcwire.MAX_BATCH
    assert info["x-batch-seconds"] == rpcwire.BATCH_SECONDS
    assert {int(c): n for c, n in info["x-error-codes"].items()} == rpcwire.ERROR_NAMES
