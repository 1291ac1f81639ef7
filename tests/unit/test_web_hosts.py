"""Which host names a virtual host answers (config/hosts.py), in lighttpd's generated routing and
again in the web layer: anything else is 421, unless a virtual host says default = "any"."""
from dataclasses import replace

import pytest

from pycopia_www.config import ConfigError
from pycopia_www.config.hosts import machine_addresses, served_names
from pycopia_www.farm import lighttpd
from pycopia_www.testing import Client
from webapps import DOCS, MAIN, make_site


def test_m6_the_web_layer_refuses_host_names_it_does_not_serve(tmp_path):
    client = Client.for_site(make_site(tmp_path))
    assert client.get("http://main.test/query").status == 200
    assert client.get("http://docs.test/intro.html").status in (200, 404)
    r = client.get("http://rebind.attacker.example/query")
    assert r.status == 421 and "rebind.attacker.example" in r.text


def test_the_default_host_also_answers_the_listen_address(tmp_path):
    site = make_site(tmp_path)
    assert served_names(site, site.vhosts[-1]) == ("main.test", "www.main.test", "127.0.0.1")
    assert served_names(site, site.vhosts[0]) == ("docs.test",)
    assert Client.for_site(site).get("http://127.0.0.1/query").status == 200


def test_listening_everywhere_serves_the_machines_addresses(tmp_path):
    site = make_site(tmp_path)
    site = replace(site, farm=replace(site.farm, listen="0.0.0.0"))
    names = served_names(site, site.vhosts[-1])
    assert "127.0.0.1" in names and set(machine_addresses()) <= {n.strip("[]") for n in names}


def test_default_any_answers_every_name(tmp_path):
    site = make_site(tmp_path, main=MAIN.replace("default = true", 'default = "any"'), docs=DOCS)
    assert Client.for_site(site).get("http://whatever.example/query").status == 200
    text = lighttpd.sites_conf(site)
    assert "421" not in text and "also every host name not configured" in text


def test_lighttpd_sends_unknown_names_to_the_421_script(tmp_path):
    text = lighttpd.sites_conf(make_site(tmp_path))
    assert text.rstrip().endswith("}") and "misdirected.lua" in text.splitlines()[-2]


def test_default_must_be_a_boolean_or_any(tmp_path):
    with pytest.raises(ConfigError) as info:
        make_site(tmp_path, main=MAIN.replace("default = true", 'default = "all"'), docs=DOCS)
    assert info.value.key == "default" and '"any"' in info.value.problem


def test_a_single_catch_all_host_passes_lighttpd_tt(tmp_path):
    import os
    from pycopia_www.farm import certificates
    from pycopia_www.farm.checks import check_lighttpd_config
    site = make_site(tmp_path, main=MAIN.replace("default = true", 'default = "any"'))
    assert not lighttpd.sites_conf(site).split("\n", 2)[2].startswith("else")
    certificates.ensure(site)
    check_lighttpd_config(site, port=None, as_root=os.geteuid() == 0)
