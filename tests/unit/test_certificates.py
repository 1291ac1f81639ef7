"""Certificates: the self-signed ones the farm makes, renews and stages, and the operator's own,
all with the real openssl."""
import os
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from pycopia_www.config import ConfigError, load_site
from pycopia_www.farm import certificates
from pycopia_www.farm.certificates import CertificateError
from tlskit import issue, make_ca, verifies

APP = """\
    [[backend]]
    name = "ui"
    user = "nobody"
    prefix = "/"
    app = "x.y"
    """


def make(tmp_path: Path, farm: str = "", **hosts: str):
    (tmp_path / "etc" / "backends.d").mkdir(parents=True, exist_ok=True)
    (tmp_path / "etc" / "farm.toml").write_text(farm)
    for name, head in (hosts or {"box": 'hosts = ["box.test"]\ndefault = true\n'}).items():
        (tmp_path / "etc" / "backends.d" / f"{name}.toml").write_text(head + textwrap.dedent(APP))
    return load_site(tmp_path / "etc" / "farm.toml")


TWO_HOSTS = {"box": 'hosts = ["box.test", "localhost"]\ndefault = true\n',
             "docs": 'hosts = ["docs.test"]\n'}


def test_setup_makes_a_self_signed_certificate_per_host(tmp_path):
    site = make(tmp_path, **TWO_HOSTS)
    done = certificates.ensure(site)
    assert len(done) == 2 and all("made a self-signed certificate (there was none)" in d for d in done)
    box, docs = (certificates.kept_files(site, v) for v in sorted(site.vhosts, key=lambda v: v.name))
    assert os.stat(box.key).st_mode & 0o777 == 0o600
    assert os.stat(box.cert.parent).st_mode & 0o777 == 0o700
    cert = certificates.inspect(box.cert)
    assert cert.generated and cert.self_signed
    assert 396 < cert.days_left() <= 397
    # What it answers: its names and, the default host, the listen address.
    assert set(cert.names) == {"DNS:box.test", "DNS:localhost", "IP:127.0.0.1"}
    assert verifies(box.cert, trust=box.cert, host="box.test")
    assert not verifies(box.cert, trust=box.cert, host="docs.test")
    assert verifies(docs.cert, trust=docs.cert, host="docs.test")
    assert "DNS:localhost" not in certificates.inspect(docs.cert).names   # not the default host


def test_a_good_certificate_is_kept(tmp_path):
    site = make(tmp_path)
    certificates.ensure(site)
    files = certificates.kept_files(site, site.vhosts[0])
    before = files.cert.read_bytes()
    assert certificates.ensure(site) == []
    assert files.cert.read_bytes() == before


def test_renewed_before_it_expires(tmp_path):
    site = make(tmp_path)
    certificates.ensure(site)
    cert = certificates.inspect(certificates.kept_files(site, site.vhosts[0]).cert)
    assert certificates.ensure(site, now=cert.not_after - timedelta(days=31)) == []
    (done,) = certificates.ensure(site, now=cert.not_after - timedelta(days=29))
    assert f"it expires on {cert.not_after:%Y-%m-%d}" in done
    assert certificates.inspect(cert.path).fingerprint != cert.fingerprint


def test_made_again_when_a_host_name_is_added(tmp_path):
    site = make(tmp_path)
    certificates.ensure(site)
    site = make(tmp_path, box='hosts = ["box.test", "new.test"]\ndefault = true\n')
    (done,) = certificates.ensure(site)
    assert "it does not name new.test" in done
    assert "DNS:new.test" in certificates.inspect(certificates.kept_files(site, site.vhosts[0]).cert).names


def test_an_installed_certificate_is_never_replaced_and_is_trusted(tmp_path):
    site = make(tmp_path)
    certificates.ensure(site)
    assert certificates.trusted_hosts(site) == set()
    cert, key = issue(make_ca(tmp_path / "ca")[0].parent, "box", "box.test", days=5)
    vhost = site.vhosts[0]
    installed = certificates.install(site, vhost, cert, key)
    assert not installed.self_signed and installed.days_left() < 6
    kept = certificates.kept_files(site, vhost)
    assert kept.cert.read_bytes() == cert.read_bytes()
    assert os.stat(kept.key).st_mode & 0o777 == 0o600
    assert certificates.ensure(site) == []          # close to expiry, but the operator's to renew
    assert certificates.trusted_hosts(site) == {"box"}


def test_install_refuses_a_key_of_another_certificate(tmp_path):
    site = make(tmp_path)
    ca = make_ca(tmp_path / "ca")[0].parent
    cert, _ = issue(ca, "one", "box.test")
    _, other_key = issue(ca, "two", "box.test")
    with pytest.raises(CertificateError, match="is not the private key of"):
        certificates.install(site, site.vhosts[0], cert, other_key)


def test_configured_files_are_checked(tmp_path):
    ca = make_ca(tmp_path / "ca")[0].parent
    cert, key = issue(ca, "box", "box.test")
    site = make(tmp_path, box=f'hosts = ["box.test"]\ndefault = true\ntls = {{ cert = "{cert}", key = "{key}" }}\n')
    assert certificates.ensure(site) == []
    assert certificates.files_of(site, site.vhosts[0]).cert == cert
    site = make(tmp_path, box=f'hosts = ["box.test"]\ndefault = true\ntls = {{ cert = "{cert}", key = "nope.key" }}\n')
    with pytest.raises(ConfigError) as info:
        certificates.ensure(site)
    assert info.value.key == "tls.key" and "does not exist" in info.value.problem
    with pytest.raises(ConfigError, match="change them there"):
        certificates.install(site, site.vhosts[0], cert, key)


def test_tls_table_is_strict(tmp_path):
    with pytest.raises(ConfigError) as info:
        make(tmp_path, box='default = true\ntls = { cert = "a.pem", keyfile = "b.pem" }\n')
    assert info.value.key == "tls.key" and "missing" in info.value.problem


def test_stage_copies_for_the_front_end(tmp_path):
    site = make(tmp_path, **TWO_HOSTS)
    certificates.ensure(site)
    staged = tmp_path / "generated" / "tls"
    staged.parent.mkdir()
    assert certificates.stage(site, staged, as_root=False)
    assert sorted(p.name for p in staged.iterdir()) == ["box.crt", "box.key", "docs.crt", "docs.key"]
    assert os.stat(staged / "box.key").st_mode & 0o777 == 0o600
    assert not certificates.stage(site, staged, as_root=False)      # nothing changed
    certificates.generate(certificates.kept_files(site, site.vhosts[0]), ["DNS:docs.test"])
    assert certificates.stage(site, staged, as_root=False)


def test_no_certificate_yet_is_a_clear_error(tmp_path):
    site = make(tmp_path)
    (tmp_path / "g").mkdir()
    with pytest.raises(ConfigError, match=r"box.crt.*run `websitectl setup`"):
        certificates.stage(site, tmp_path / "g" / "tls", as_root=False)


def test_listening_everywhere_names_every_address_and_any_name_the_machines(tmp_path):
    from pycopia_www.config.hosts import machine_addresses
    from pycopia_www.farm import hostinfo
    site = make(tmp_path, 'listen = "0.0.0.0"\n', box='hosts = ["box.test"]\ndefault = "any"\n')
    names = certificates.wanted_names(site, site.vhosts[0])
    addresses = [a for a in machine_addresses() if not a.startswith("fe80:")]
    assert names == ["DNS:box.test", *(f"DNS:{n}" for n in hostinfo.host_names())] + \
        [f"IP:{a}" for a in addresses]


def test_long_host_names_still_make_a_certificate(tmp_path):
    long_name = ".".join(["a" * 60, "b" * 60, "test"])
    site = make(tmp_path, box=f'hosts = ["{long_name}"]\ndefault = true\n')
    certificates.ensure(site)
    cert = certificates.kept_files(site, site.vhosts[0]).cert
    assert verifies(cert, trust=cert, host=long_name)
