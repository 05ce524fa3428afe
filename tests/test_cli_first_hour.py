"""A newcomer's first hour with the command line: what is printed runs, mistakes get one clear line."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from emulator.cli import SERVE_OPTIONS, build_parser, serve_configuration
from emulator.core.config import Settings
from emulator.process import ServeOptions, banner
from tests.builders import START_ISO
from tests.helpers import DEADLINE_SECONDS, REPO, Spawn, clean_env, run_cli, sdk_mint

SCRIPT = Path(sys.executable).with_name("momento-auth-emulator")


def wait_ready(ready_file: Path, process: subprocess.Popen[Any], output: Path) -> dict[str, object]:
    """The ready file's content once ``process`` has written it (failing if it exits first)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not ready_file.exists():
        assert process.poll() is None, f"the emulator exited: {output.read_text()}"
        assert time.monotonic() < deadline, "the emulator was not ready in time"
        time.sleep(0.02)
    return dict(json.loads(ready_file.read_text()))


def control_line(stdout: str) -> str:
    [line] = [line for line in stdout.splitlines() if line.strip().startswith("Control:")]
    return line.split("Control:", 1)[1].strip()


# --- 1. what the banner prints runs as printed -----------------------------------------------------


@pytest.mark.parametrize("on_path", [False, True], ids=["from-the-checkout", "activated"])
def test_the_banners_control_command_runs_as_printed(tmp_path: Path, on_path: bool) -> None:
    """``make run`` starts the installed script; its command works when pasted, with .venv on the PATH or not."""
    bin_dir = str(SCRIPT.parent)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and Path(p).resolve() != Path(bin_dir).resolve()]
    env = clean_env(PATH=os.pathsep.join([bin_dir, *path] if on_path else path))
    ready_file = tmp_path / "ready.json"
    with (tmp_path / "out").open("w") as out:
        serving = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", "0", "--start-time", START_ISO, "--ready-file", str(ready_file)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        wait_ready(ready_file, serving, tmp_path / "out")
        command = control_line((tmp_path / "out").read_text())
        assert command.startswith("momento-auth-emulator " if on_path else ".venv/bin/momento-auth-emulator ")
        pasted = subprocess.run(
            ["bash", "-c", command], cwd=REPO, env=env, capture_output=True, text=True, timeout=DEADLINE_SECONDS
        )
        assert pasted.returncode == 0, pasted.stderr
        assert "now: 2030-01-01T01:00:00Z" in pasted.stdout
    finally:
        serving.kill()
        serving.wait(timeout=10)


@pytest.mark.parametrize(
    ("level", "logged"),
    [("info", "failed ones logged below (--log-level debug: each one)"), ("debug", "each one logged below")],
    ids=["info", "debug"],
)
def test_the_banner_says_which_calls_are_logged_and_its_journal_command_lists_them(
    spawn: Spawn, level: str, logged: str
) -> None:
    emulator = spawn("--log-level", level)
    minted = sdk_mint(emulator.ready["api_key"], emulator.port).auth_token
    sdk_mint(minted, emulator.port)  # refused: a disposable token cannot mint
    [line] = [line for line in emulator.stdout().splitlines() if line.strip().startswith("Calls:")]
    shown, _, command = line.split("Calls:", 1)[1].strip().partition("; the journal of SDK calls: ")
    assert shown == logged
    listed = subprocess.run(["bash", "-c", command], cwd=REPO, capture_output=True, text=True, timeout=DEADLINE_SECONDS)
    assert listed.returncode == 0, listed.stderr
    rows = [dict(field.split("=", 1) for field in row.split("  ")[1:7]) for row in listed.stdout.splitlines()]
    assert [(row["method"], row["code"]) for row in rows] == [
        ("/token.Token/GenerateDisposableToken", "OK"),
        ("/token.Token/GenerateDisposableToken", "PERMISSION_DENIED"),
    ], listed.stdout


def test_make_run_installs_only_what_serving_needs(tmp_path: Path) -> None:
    """Serving needs no linters or test tools: those come with ``make test`` only."""
    if shutil.which("make") is None:
        pytest.fail("make is not on the PATH, and the README's two commands need it")
    venv = f"VENV={tmp_path / 'venv'}"
    run = subprocess.run(["make", "-n", "run", venv], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "pip install --quiet -e .\n" in run
    assert "[test]" not in run
    assert f"{tmp_path / 'venv'}/bin/momento-auth-emulator serve" in run
    test = subprocess.run(["make", "-n", "test", venv], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "pip install --quiet -e '.[test]'" in test


# --- 2. a ready file is its owner's ----------------------------------------------------------------


def test_a_serve_that_cannot_bind_leaves_a_live_emulators_ready_file(spawn: Spawn, tmp_path: Path) -> None:
    shared = tmp_path / "ready.json"
    live = spawn("--ready-file", str(shared), ready_file=shared)
    second = spawn("--ready-file", str(shared), "--port", str(live.port), ready=False, ready_file=shared)
    assert second.process.wait(timeout=DEADLINE_SECONDS) == 2
    assert "cannot listen" in second.stderr()
    assert json.loads(shared.read_text())["pid"] == live.process.pid  # still there, still the live one's
    assert live.terminate() == 0
    assert not shared.exists()  # its owner removes it


def test_a_ready_file_whose_emulator_has_gone_is_removed_at_start(spawn: Spawn, tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / "ready.json"
    stale.write_text(json.dumps({"pid": int(gone.stdout), "host": "127.0.0.1", "port": 1}))
    with socket_held() as port:
        failed = spawn("--ready-file", str(stale), "--port", str(port), ready=False, ready_file=stale)
        assert failed.process.wait(timeout=DEADLINE_SECONDS) == 2
    assert not stale.exists()


class socket_held:
    """A loopback port held open, so that no emulator can bind it."""

    def __enter__(self) -> int:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        return int(self._socket.getsockname()[1])

    def __exit__(self, *exc_info: object) -> None:
        self._socket.close()


# --- 5. seeded keys: the endpoint decides, not the port the OS picks --------------------------------


def test_seeded_keys_on_port_0_repeat_when_the_endpoint_is_named(spawn: Spawn) -> None:
    seeded = ("--seed", "ci", "--endpoint", "emulator.test:8090")
    first, second = spawn(*seeded), spawn(*seeded)
    assert first.port != second.port
    assert (first.ready["api_key"], first.ready["session_token"]) == (
        second.ready["api_key"],
        second.ready["session_token"],
    )
    unnamed = spawn("--seed", "ci")  # the endpoint is then host:port, which the OS picked
    assert unnamed.ready["endpoint"] == unnamed.target
    assert unnamed.ready["api_key"] != first.ready["api_key"]


# --- 7. errors and output --------------------------------------------------------------------------


def test_a_usage_error_is_one_line_that_points_at_help() -> None:
    done = run_cli("clock", "advance", "soon")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "momento-auth-emulator clock advance: argument duration: 'soon' is not a duration like 90, 90s, 15m, 1h "
        "or 2d (see 'momento-auth-emulator clock advance --help')"
    ]


def test_a_negative_advance_says_the_clock_never_goes_backwards() -> None:
    done = run_cli("clock", "advance", "-5m", "--target", "127.0.0.1:1")
    assert done.returncode == 2
    assert "never goes backwards" in done.stderr and "required" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_output_to_a_reader_that_went_away_is_no_traceback(spawn: Spawn) -> None:
    emulator = spawn()
    listing = subprocess.Popen(
        [sys.executable, "-m", "emulator", "keys", "list", "--all", "--target", emulator.target],
        cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert listing.stdout is not None and listing.stderr is not None
    listing.stdout.close()  # as `| head` does once it has its lines
    assert listing.wait(timeout=DEADLINE_SECONDS) == 1
    assert listing.stderr.read() == ""


def test_a_missing_admin_token_says_how_to_pass_it(spawn: Spawn) -> None:
    emulator = spawn("--admin-token", "s3cret")
    for given in ((), ("--admin-token", "wrong")):
        done = run_cli("clock", "get", *given, "--target", emulator.target)
        assert done.returncode == 1
        assert "--admin-token TOKEN or MOMENTO_EMULATOR_ADMIN_TOKEN" in done.stderr
        assert len(done.stderr.splitlines()) == 1
    assert run_cli("clock", "get", "--target", emulator.target, env=clean_env(MOMENTO_EMULATOR_ADMIN_TOKEN="s3cret"))


def test_authorize_prints_the_verdict_first_and_the_permission_once(spawn: Spawn) -> None:
    emulator = spawn()
    key = emulator.ready["api_key"]
    asked = ("authorize", "--key", key, "--action", "get", "--cache", "orders", "--item", "k")
    done = run_cli(*asked, "--target", emulator.target)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("allowed: ")
    assert sum("super_user" in line for line in lines) <= 1
    listed = run_cli("keys", "list", "--target", emulator.target).stdout.splitlines()
    assert all(line.count("super") == 1 for line in listed)  # permissions once per key, in words
    as_json = json.loads(run_cli(*asked, "--target", emulator.target, "--json").stdout)
    assert as_json["allowed"] is True and set(as_json) >= {"reason", "matched_permission", "key_id"}


def test_journal_text_shows_latency_to_the_microsecond_not_sixteen_digits(spawn: Spawn) -> None:
    emulator = spawn()
    from tests.helpers import sdk_mint

    sdk_mint(emulator.ready["api_key"], emulator.port)
    done = run_cli("journal", "--target", emulator.target)
    [latency] = [field for field in done.stdout.split() if field.startswith("latency_ms=")]
    assert len(latency.split(".")[-1]) <= 3


# --- 8. export writes for its owner only, where told ------------------------------------------------


def test_export_writes_a_private_file_and_refuses_a_missing_directory(spawn: Spawn, tmp_path: Path) -> None:
    emulator = spawn()
    target = tmp_path / "state.json"
    assert run_cli("export", str(target), "--target", emulator.target).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # it holds the signing secret
    missing = tmp_path / "no" / "such" / "state.json"
    done = run_cli("export", str(missing), "--target", emulator.target)
    assert done.returncode == 1
    assert f"{missing}: no such directory" in done.stderr and ".partial" not in done.stderr
    assert not (tmp_path / "no").exists()


# --- 10. off loopback: an admin token always, and an endpoint clients can dial -------------------------


def configuration(*args: str) -> tuple[Settings, ServeOptions]:
    return serve_configuration(build_parser().parse_args(["serve", *args]))


def test_off_loopback_an_admin_token_is_generated_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in SERVE_OPTIONS:
        monkeypatch.delenv(option.variable, raising=False)
    settings, options = configuration("--host", "0.0.0.0", "--endpoint", "emulator.example:8090")
    assert options.admin_token and options.admin_token_generated
    assert settings.endpoint == "emulator.example:8090"
    _, second = configuration("--host", "0.0.0.0", "--endpoint", "emulator.example:8090")
    assert second.admin_token != options.admin_token  # generated afresh, never a default
    _, given = configuration("--host", "0.0.0.0", "--endpoint", "e:1", "--admin-token", "mine")
    assert (given.admin_token, given.admin_token_generated) == ("mine", False)
    _, loopback = configuration("--host", "127.0.0.1")
    assert (loopback.admin_token, loopback.admin_token_generated) == ("", False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_wildcard_host_without_an_endpoint_is_refused(host: str) -> None:
    done = run_cli("serve", "--host", host, "--port", "0", timeout=DEADLINE_SECONDS)
    assert done.returncode == 2
    assert done.stderr.startswith(f"momento-auth-emulator: --endpoint: required with --host {host}")
    assert len(done.stderr.splitlines()) == 1


def test_a_generated_admin_token_is_printed_and_locks_the_admin_api(tmp_path: Path) -> None:
    """The serve process with the options the CLI builds off loopback (bound on loopback here, as tests must)."""
    ready_file = tmp_path / "ready.json"
    script = f"""
import sys
from pathlib import Path
from typing import Any
from emulator.core.config import Settings
from emulator.process import ServeOptions, serve
options = ServeOptions(host="127.0.0.1", port=0, admin_token="generated-token", admin_token_generated=True,
                       ready_file=Path({str(ready_file)!r}))
sys.exit(serve(Settings(endpoint="emulator.example:8090"), options))
"""
    with (tmp_path / "out").open("w") as out:
        serving = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=clean_env(), stdout=out)
    try:
        ready = wait_ready(ready_file, serving, tmp_path / "out")
        assert ready["admin_token"] == "generated-token"
        assert ready["endpoint"] == "emulator.example:8090"
        printed = (tmp_path / "out").read_text()
        assert "admin token (generated):          generated-token" in printed
        pasted = control_line(printed).replace(".venv/bin/momento-auth-emulator", f"{sys.executable} -m emulator")
        assert "--admin-token generated-token" in pasted
        assert run_cli("clock", "get", "--target", str(ready["target"])).returncode == 1
        assert run_cli(*pasted.split()[3:]).returncode == 0  # the printed command, token included
    finally:
        serving.kill()
        serving.wait(timeout=10)


def test_the_banner_shows_a_generated_token_only() -> None:
    ready = {"host": "0.0.0.0", "port": 8090, "target": "0.0.0.0:8090", "api_key": "K", "session_token": "S"}
    generated = ServeOptions(host="0.0.0.0", admin_token="t0k3n", admin_token_generated=True)
    text = banner(ready, Settings(endpoint="e:8090"), generated)
    assert "admin token (generated):          t0k3n" in text
    assert "--target 127.0.0.1:8090 --admin-token t0k3n" in text  # dialable from this machine
    assert "t0k3n" not in banner(ready, Settings(endpoint="e:8090"), ServeOptions(host="0.0.0.0", admin_token="t0k3n"))
