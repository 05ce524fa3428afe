"""The pytest plugin, exercised the way users meet it: in fresh pytest runs driven by ``pytester``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import remote_control

pytest_plugins = ["pytester"]

# A tiny inner-test helper: mint a disposable token through the real SDK, aimed by the fixture's handle.
MINT = """
from momento import AuthClient
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.utilities import ExpiresIn


def mint(emulator, seconds=60):
    with AuthClient(AuthConfigurations.Laptop.latest(), emulator.credential_provider()) as client:
        return client.generate_disposable_token(
            DisposableTokenScopes.cache_read_only("c"), ExpiresIn.seconds(seconds)
        )
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs must not inherit an external target or the outer run's xdist worker identity."""
    for name in ("MOMENTO_EMULATOR_PYTEST_TARGET", "MOMENTO_EMULATOR_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("PYTEST_XDIST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHONWARNINGS", "ignore::DeprecationWarning")


def test_the_fixture_works_with_no_configuration(pytester: pytest.Pytester) -> None:
    """The entry point alone provides ``momento_emulator``: an in-process emulator on a loopback port."""
    pytester.makepyfile(
        """
        def test_it(momento_emulator):
            assert momento_emulator.host == "127.0.0.1" and momento_emulator.port > 0
            assert not momento_emulator.external
            before = momento_emulator.api_key
            momento_emulator.control.reset()
            assert momento_emulator.api_key != before  # the handle follows the emulator's current keys
            assert momento_emulator.control.clock_mode() == "manual"
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_each_test_gets_a_freshly_reset_emulator(pytester: pytest.Pytester) -> None:
    """A key minted, a fault added and a clock moved in one test are all gone in the next."""
    pytester.makepyfile(
        MINT
        + """
seen = {}


def test_first(momento_emulator):
    control = momento_emulator.control
    seen["start"] = control.now()
    seen["token"] = mint(momento_emulator).auth_token
    assert control.describe_key(seen["token"]).kind == "disposable_token"
    control.add_fault("GenerateDisposableToken", count=1)
    control.advance(3600)


def test_second(momento_emulator):
    from emulator import ControlError
    import pytest

    control = momento_emulator.control
    assert control.now() == seen["start"]
    with pytest.raises(ControlError) as raised:
        control.describe_key(seen["token"])
    assert raised.value.code == "NOT_FOUND"
    assert control.faults() == []
    assert control.journal() == []
    assert mint(momento_emulator).auth_token
"""
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_settings_come_from_overridable_fixtures_and_the_marker(pytester: pytest.Pytester) -> None:
    """A conftest override sets every test's start; the marker wins for one test; the next is back."""
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def momento_emulator_start_time():
            return "2030-01-01T00:00:00Z"

        @pytest.fixture
        def momento_emulator_max_disposable_ttl():
            return 60
        """
    )
    pytester.makepyfile(
        MINT
        + """
from datetime import datetime, timezone

import pytest

from momento.responses import GenerateDisposableToken

Y2030 = datetime(2030, 1, 1, tzinfo=timezone.utc)
Y2031 = datetime(2031, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_fixture_start(momento_emulator):
    assert momento_emulator.control.now() == Y2030


@pytest.mark.momento_emulator(start_time=Y2031, clock_mode="system")
def test_marker_start(momento_emulator):
    assert momento_emulator.control.clock_mode() == "system"
    assert Y2031 <= momento_emulator.control.now() < datetime(2031, 6, 1, 12, 5, tzinfo=timezone.utc)


def test_back_to_the_fixture_start(momento_emulator):
    assert momento_emulator.control.now() == Y2030
    assert momento_emulator.control.clock_mode() == "manual"


def test_max_disposable_ttl_fixture(momento_emulator):
    assert isinstance(mint(momento_emulator, 60), GenerateDisposableToken.Success)
    assert mint(momento_emulator, 61).error_code.name == "INVALID_ARGUMENT_ERROR"


@pytest.mark.momento_emulator(seed="same")
def test_seed_one(momento_emulator):
    open("seeded.txt", "a").write(momento_emulator.api_key + "\\n")


@pytest.mark.momento_emulator(seed="same")
def test_seed_two(momento_emulator):
    open("seeded.txt", "a").write(momento_emulator.api_key + "\\n")


@pytest.mark.momento_emulator(start="typo")
def test_unknown_marker_keyword(momento_emulator):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=6, errors=1)
    result.stdout.fnmatch_lines(["*momento_emulator takes only keywords among start_time, seed*"])
    first, second = (pytester.path / "seeded.txt").read_text().split()
    assert first == second


def test_bad_settings_fail_the_test_in_one_line_naming_the_setting(pytester: pytest.Pytester) -> None:
    """Clock modes are read in any case; a bad value is a plain failure, not a traceback into the plugin."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.momento_emulator(clock_mode="System")
        def test_any_case(momento_emulator):
            assert momento_emulator.control.clock_mode() == "system"

        @pytest.mark.momento_emulator(clock_mode="sundial")
        def test_bad_mode(momento_emulator):
            pass

        @pytest.mark.momento_emulator(start_time=[1])
        def test_bad_start(momento_emulator):
            pass

        @pytest.mark.momento_emulator(max_disposable_ttl=0)
        def test_bad_ttl(momento_emulator):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*momento_emulator settings (from the momento_emulator_* fixtures or *): clock_mode: 'sundial' is not *",
            "*momento_emulator settings (*): start_time: [[]1[]] is not epoch seconds*",
            "*momento_emulator settings (*): max_disposable_ttl: 0 is not a whole number from 1 to *",
        ]
    )
    assert "Traceback" not in result.stdout.str() and "enum.py" not in result.stdout.str()


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    """``--strict-markers`` accepts the marker, and ``--markers`` documents it."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.momento_emulator(start_time=0)
        def test_it(momento_emulator):
            assert momento_emulator.control.now().year == 1970
        """
    )
    pytester.runpytest_subprocess("--strict-markers").assert_outcomes(passed=1)
    pytester.runpytest_subprocess("--markers").stdout.fnmatch_lines(["@pytest.mark.momento_emulator(start_time=*"])


ASYNC_TESTS = """
import asyncio

import pytest
from momento import AuthClientAsync
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.utilities import ExpiresIn


async def mint(emulator):
    async with AuthClientAsync(AuthConfigurations.Laptop.latest(), emulator.credential_provider()) as client:
        return await client.generate_disposable_token(DisposableTokenScopes.cache_read_only("c"), ExpiresIn.seconds(60))


def test_sync(momento_emulator):
    assert momento_emulator.control.keys()


{marker_function}
async def test_function_loop(momento_emulator):
    token = (await mint(momento_emulator)).auth_token
    assert momento_emulator.control.describe_key(token).kind == "disposable_token"


{marker_session}
async def test_session_loop(momento_emulator):
    token = (await mint(momento_emulator)).auth_token
    momento_emulator.control.advance(60)
    assert momento_emulator.control.describe_key(token).status == "expired"


{marker_session}
async def test_session_loop_again(momento_emulator):
    assert momento_emulator.control.journal() == []
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_async_tests_work_in_both_pytest_asyncio_modes(pytester: pytest.Pytester, mode: str) -> None:
    """Async tests on function- and session-scoped loops use the fixture (the plugin owns no loop)."""
    explicit = mode == "strict"
    pytester.makepyfile(
        ASYNC_TESTS.format(
            marker_function="@pytest.mark.asyncio" if explicit else "",
            marker_session='@pytest.mark.asyncio(loop_scope="session")' if explicit else "",
        )
    )
    result = pytester.runpytest_subprocess(
        "-p", "asyncio", "-o", f"asyncio_mode={mode}", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(passed=4)


def test_each_xdist_worker_has_its_own_emulator(pytester: pytest.Pytester) -> None:
    """Under ``-n 2`` both workers pass, each against its own emulator on its own port."""
    out = pytester.mkdir("targets")
    pytester.makepyfile(
        f"""
        import os
        import pathlib
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_it(momento_emulator, n):
            assert momento_emulator.control.faults() == []  # the previous test's fault was reset away
            momento_emulator.control.add_fault("GenerateDisposableToken")
            worker = os.environ["PYTEST_XDIST_WORKER"]
            (pathlib.Path({str(out)!r}) / f"{{worker}}-{{n}}").write_text(momento_emulator.target)
        """
    )
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=4)
    records = {path.name.split("-")[0]: path.read_text() for path in out.iterdir()}
    assert len(records) == 2, records
    assert len(set(records.values())) == 2, records


@pytest.fixture
def cli_emulator(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """An emulator started by the CLI, with an admin token (and an indirect parameter's flags); killed afterwards."""
    ready = tmp_path / "ready.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", "--ready-file", str(ready)]
        + ["--admin-token", "let-me-in", "--start-time", "2030-01-01T00:00:00Z", *getattr(request, "param", ())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():  # waiting for a process to start, not moving emulator time
            assert process.poll() is None, "the CLI emulator exited"
            assert time.monotonic() < deadline, "the CLI emulator did not become ready"
            time.sleep(0.05)
        yield json.loads(ready.read_text())
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def external(monkeypatch: pytest.MonkeyPatch, cli_emulator: dict[str, str]) -> dict[str, str]:
    """The CLI-started emulator, named by the environment as the plugin's external mode reads it."""
    monkeypatch.setenv("MOMENTO_EMULATOR_PYTEST_TARGET", cli_emulator["target"])
    monkeypatch.setenv("MOMENTO_EMULATOR_ADMIN_TOKEN", "let-me-in")
    return cli_emulator


def test_external_mode_drives_a_cli_started_emulator(pytester: pytest.Pytester, external: dict[str, str]) -> None:
    """With MOMENTO_EMULATOR_PYTEST_TARGET set, the same fixtures drive that emulator over its admin API."""
    pytester.makepyfile(
        MINT
        + f"""
from datetime import datetime, timezone

import pytest

TARGET = {external["target"]!r}
seen = {{}}


def test_first(momento_emulator):
    assert momento_emulator.external and momento_emulator.target == TARGET
    seen["token"] = mint(momento_emulator).auth_token
    momento_emulator.control.advance(600)


def test_second(momento_emulator):
    from emulator import ControlError

    with pytest.raises(ControlError):
        momento_emulator.control.describe_key(seen["token"])
    assert momento_emulator.control.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)


@pytest.mark.momento_emulator(start_time="2029-06-01T00:00:00Z")
def test_marker_may_even_go_back_in_time(momento_emulator):
    assert momento_emulator.control.now() == datetime(2029, 6, 1, tzinfo=timezone.utc)
    assert mint(momento_emulator).expires_at.epoch() == datetime(2029, 6, 1, 0, 1, tzinfo=timezone.utc).timestamp()


@pytest.mark.momento_emulator(clock_mode="system")
def test_marker_clock_mode(momento_emulator):
    assert momento_emulator.control.clock_mode() == "system"
    assert momento_emulator.control.now() >= datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_the_next_test_is_back_to_the_started_settings(momento_emulator):
    assert momento_emulator.control.clock_mode() == "manual"
    assert momento_emulator.control.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)
    open("keys.txt", "a").write(momento_emulator.api_key + "\\n")


@pytest.mark.momento_emulator(max_disposable_ttl=60)
def test_marker_max_disposable_ttl(momento_emulator):
    from momento.responses import GenerateDisposableToken

    assert isinstance(mint(momento_emulator, 60), GenerateDisposableToken.Success)
    assert mint(momento_emulator, 61).error_code.name == "INVALID_ARGUMENT_ERROR"


def test_the_default_max_disposable_ttl_is_back(momento_emulator):
    from momento.responses import GenerateDisposableToken

    assert isinstance(mint(momento_emulator, 3600), GenerateDisposableToken.Success)


@pytest.mark.parametrize("run", [1, 2])
@pytest.mark.momento_emulator(seed="same")
def test_marker_seed(momento_emulator, run):
    open("keys.txt", "a").write(momento_emulator.api_key + "\\n")
    assert mint(momento_emulator).auth_token  # the last one stays in the journal for the outer test


@pytest.mark.momento_emulator(max_disposable_ttl=0)
def test_a_refused_setting_names_itself(momento_emulator):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=9, errors=1)
    result.stdout.fnmatch_lines(["*momento_emulator settings (*): max_disposable_ttl: 0 is not a whole number from 1*"])
    unseeded, first, second = (pytester.path / "keys.txt").read_text().split()
    assert first == second != unseeded  # the seed made the keys repeat; without it they are fresh
    with remote_control(external["target"], admin_token="let-me-in") as control:
        assert control.journal("GenerateDisposableToken"), "the inner tests' calls reached the CLI emulator"


def test_external_mode_refuses_parallel_xdist_workers(pytester: pytest.Pytester, external: dict[str, str]) -> None:
    """Two workers resetting one shared emulator would break each other's tests, so they are stopped early."""
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.parametrize('n', range(2))\ndef test_it(momento_emulator, n):\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*2 xdist workers would reset it under each other*"])


def test_an_unreachable_external_target_fails_clearly(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target where nothing listens errors the tests with the variable's name, not a hang."""
    monkeypatch.setenv("MOMENTO_EMULATOR_PYTEST_TARGET", "127.0.0.1:1")
    pytester.makepyfile("def test_it(momento_emulator):\n    pass\n")
    result = pytester.runpytest_subprocess(timeout=60)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*MOMENTO_EMULATOR_PYTEST_TARGET=127.0.0.1:1*UNAVAILABLE*"])


WEB_URL_TEST = """
import urllib.request


def preflight(url):
    request = urllib.request.Request(
        url + "/cache_client.Scs/Get", method="OPTIONS",
        headers={"Origin": "http://page.test", "Access-Control-Request-Headers": "authorization"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.headers["Access-Control-Allow-Origin"]


def test_web_url(momento_emulator):
    url = momento_emulator.web_url
    assert url.startswith("http://127.0.0.1:") and momento_emulator.bootstrap.web_url == url
    assert preflight(url) == (204, "http://page.test")
"""


def test_the_web_url_starts_the_grpc_web_listener_in_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(WEB_URL_TEST)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


@pytest.mark.parametrize("cli_emulator", [("--web-port", "0")], indirect=True)
def test_the_web_url_of_an_external_emulator_is_its_own(pytester: pytest.Pytester, external: dict[str, str]) -> None:
    pytester.makepyfile(
        WEB_URL_TEST + f"\n\ndef test_the_ready_file_agrees(momento_emulator):\n"
        f"    assert momento_emulator.web_url == {external['web_url']!r}\n"
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_an_external_emulator_without_web_says_which_flag_it_needs(
    pytester: pytest.Pytester, external: dict[str, str]
) -> None:
    pytester.makepyfile(WEB_URL_TEST)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*serves no gRPC-Web: start it with --web-port 0*"])


def test_importing_the_plugin_starts_nothing_and_imports_no_grpc() -> None:
    """pytest loads the plugin in every run of the environment, so its import must be cheap."""
    code = (
        "import sys, threading, emulator.pytest_plugin\n"
        "heavy = [m for m in ('grpc', 'momento', 'emulator.server', 'emulator.control') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert threading.active_count() == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
