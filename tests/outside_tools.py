"""Where the test suite finds the outside tools it runs: Node.js and the npm packages of tests/js
(jayson, vnu-jar), installed by `make test` (`make test-tools`: npm ci), and Debian's Java.
A missing tool is a failure naming what installs it, never a skip."""
import shutil
from pathlib import Path

TEST_JS = Path(__file__).resolve().parent / "js"
NODE_MODULES = TEST_JS / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def npm_package(name: str) -> Path:
    path = NODE_MODULES / name
    assert path.exists(), f"{path} is missing: run `make test-tools` (npm ci in tests/js)"
    return path


def program(name: str, package: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: `make test` installs it (Debian package {package})"
    return found


def vnu_jar() -> Path:
    npm_package("vnu-jar")
    return VNU_JAR
