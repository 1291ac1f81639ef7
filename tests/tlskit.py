"""Test certificates made with the real openssl: a throw-away CA and server certificates it
signs, standing in for the certificate an operator buys or gets from their own CA."""
import subprocess
from pathlib import Path


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(directory: Path, name: str = "Test CA") -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            cwd=directory)
    return directory / "ca.crt", directory / "ca.key"


def issue(ca_dir: Path, stem: str, *names: str, days: int = 20) -> tuple[Path, Path]:
    """A server certificate for DNS `names`, signed by the CA in ca_dir: (cert, key)."""
    san = ",".join(f"DNS:{n}" for n in names)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{stem}.key", "-out", f"{stem}.csr", "-subj", f"/CN={names[0]}", cwd=ca_dir)
    (ca_dir / f"{stem}.ext").write_text(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", f"{stem}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", str(days), "-extfile", f"{stem}.ext", "-out", f"{stem}.crt",
            cwd=ca_dir)
    return ca_dir / f"{stem}.crt", ca_dir / f"{stem}.key"


def verifies(cert: Path, *, trust: Path, host: str) -> bool:
    """Whether openssl accepts `cert` for `host` with only `trust` as trust anchor."""
    proc = subprocess.run(["openssl", "verify", "-CAfile", str(trust), "-verify_hostname", host,
                           str(cert)], capture_output=True, text=True, timeout=30)
    return proc.returncode == 0
