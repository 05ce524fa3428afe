"""Drop-in mode: an unmodified Python application reaches the emulator with only the environment CI gives it.

Each scenario runs the documented CI recipe (``docs/examples/dropin-ci.sh``) in a sandbox: private
mount and network namespaces, so the recipe binds 127.0.0.1:443 and appends Momento's names to a
private copy of ``/etc/hosts``; the machine's own hosts file and ports are never touched. The
application (``tests/dropin/app.py``) builds its client with
``CredentialProvider.from_environment_variable("MOMENTO_API_KEY")`` (or the v2 call) and dials
TLS on port 443: it mints a disposable token, creates a cache, sets and gets an item, and publishes
to a topic it subscribes to. The Node SDK's
run of the same recipe is ``tests/node/test/9-dropin.test.mjs``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustme

from emulator.tls import hosts_line
from tests import sandbox
from tests.helpers import REPO

RECIPE = REPO / "docs" / "examples" / "dropin-ci.sh"
APP = REPO / "tests" / "dropin" / "app.py"
PYTHON_APP = [sys.executable, str(APP)]


def run_recipe(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``sh dropin-ci.sh COMMAND`` in a sandbox, with the emulator's script on the PATH."""
    sandbox.require()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MOMENTO_", "GRPC_"))}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    return sandbox.run(["sh", str(RECIPE), *command], env={**environment, **env}, cwd=REPO)


def report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The application's JSON report (its last line of output)."""
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("form", "token_host"),
    [("v1", "token.momento.test"), ("v2", "token.momento.test"), ("legacy", "token.cache.momento.test")],
)
def test_the_python_sdk_mints_and_caches_over_tls_with_each_key_form_from_the_environment(
    form: str, token_host: str
) -> None:
    result = report(run_recipe(*PYTHON_APP, KEY_FORM=form))
    assert result["endpoints"] == ["control.momento.test", "cache.momento.test", token_host]
    assert result["port"] == 443  # the SDK's TLS switch
    assert result["auth"] == "ok"
    assert (result["create_cache"], result["set"], result["get"]) == ("Success", "Success", "shipped")
    assert (result["subscribe"], result["publish"], result["received"]) == (
        "Subscription",
        "Success",
        "order-42 dispatched",
    )


def test_an_endpoint_naming_its_port_works_with_the_python_sdk() -> None:
    """No port 443 needed: the Python SDK dials ``control.E`` verbatim, and E may carry ``:PORT``."""
    ported = {"MOMENTO_EMULATOR_ENDPOINT": "momento.test:8443", "MOMENTO_EMULATOR_TLS_PORT": "8443"}
    for form in ("v1", "v2"):
        result = report(run_recipe(*PYTHON_APP, KEY_FORM=form, **ported))
        assert result["endpoints"][0] == "control.momento.test:8443"
        assert (result["auth"], result["get"], result["received"]) == ("ok", "shipped", "order-42 dispatched"), form


def test_a_ca_the_application_does_not_trust_is_refused(tmp_path: Path) -> None:
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    done = run_recipe("env", f"GRPC_DEFAULT_SSL_ROOTS_FILE_PATH={stranger}", *PYTHON_APP)
    result = report(done)
    assert result["auth"].startswith("SERVER_UNAVAILABLE") and "CERTIFICATE_VERIFY_FAILED" in result["auth"]
    assert result["create_cache"] == "Error" and result["get"].startswith("CacheGet.Error")


REWRAP = "import base64, json, os; d = json.loads(base64.b64decode(os.environ['MOMENTO_API_KEY']));"
REWRAP += " d['endpoint'] = 'other.test'; print(base64.b64encode(json.dumps(d).encode()).decode())"


def test_a_name_the_certificate_does_not_cover_is_refused() -> None:
    """The key names ``other.test``, whose hosts resolve to the emulator too: the certificate does not cover them."""
    script = (
        'echo "127.0.0.1 control.other.test cache.other.test token.other.test" >>/etc/hosts'
        f' && MOMENTO_API_KEY=$("$0" -c "{REWRAP}") exec "$0" "$1"'
    )
    done = run_recipe("sh", "-c", script, *PYTHON_APP)
    result = report(done)
    assert result["endpoints"][0] == "control.other.test"
    assert result["auth"].startswith("SERVER_UNAVAILABLE")
    assert "Hostname Verification Check failed" in result["auth"]
    assert result["create_cache"] == "Error" and result["get"].startswith("CacheGet.Error")


def test_the_pytest_recipe_passes_with_only_the_hosts_line_added() -> None:
    """``docs/examples/test_dropin_recipe.py``: the ``momento_dropin`` fixture gives the application its environment."""
    sandbox.require()
    recipe = REPO / "docs" / "examples" / "test_dropin_recipe.py"
    script = f'echo "{hosts_line("momento.test")}" >>/etc/hosts && exec "$0" -m pytest -q -p no:xdist "$1"'
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MOMENTO_", "GRPC_", "PYTEST_"))}
    done = sandbox.run(["sh", "-c", script, sys.executable, str(recipe)], env=environment, cwd=REPO)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert "4 passed" in done.stdout
