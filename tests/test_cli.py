"""The command line, run as subprocesses: ``serve`` and every client subcommand."""

from __future__ import annotations

import base64
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from momento.errors import MomentoErrorCode
from momento.responses import GenerateDisposableToken
from momento_wire_types import auth_pb2, auth_pb2_grpc, token_pb2_grpc
from momento_wire_types import permissionmessages_pb2 as pm

from tests.builders import START, START_ISO, cache_grant, refresh_request
from tests.helpers import (
    DEADLINE_SECONDS,
    EmulatorProcess,
    Spawn,
    clean_env,
    mint_api_key,
    mint_disposable,
    run_cli,
    sdk_mint,
)

PROMPT_EXIT_SECONDS = 60.0  # an exit that never comes, not a speed target: a loaded host may take seconds


def cli(emulator: EmulatorProcess, *args: str) -> Any:
    """Run a client subcommand against ``emulator`` with ``--json``; parse what it prints."""
    done = run_cli(*args, "--target", emulator.target, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_installed_script_serves_and_controls_like_python_dash_m(tmp_path: Path) -> None:
    script = str(Path(sys.executable).with_name("momento-auth-emulator"))
    ready_file = tmp_path / "ready.json"
    serving = subprocess.Popen(
        [script, "serve", "--port", "0", "--start-time", START_ISO, "--ready-file", str(ready_file)],
        env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not ready_file.exists():
            assert serving.poll() is None and time.monotonic() < deadline, "the script's emulator did not start"
            time.sleep(0.02)
        target = json.loads(ready_file.read_text())["target"]
        done = subprocess.run(
            [script, "clock", "get", "--target", target, "--json"],
            env=clean_env(), capture_output=True, text=True, timeout=DEADLINE_SECONDS, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["now"] == START_ISO
    finally:
        serving.send_signal(signal.SIGTERM)
        _, stderr = serving.communicate(timeout=PROMPT_EXIT_SECONDS)
    assert serving.returncode == 0, stderr


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return str(lines[0])


def unwrap(key: str) -> str:
    return str(json.loads(base64.b64decode(key))["api_key"])


# --- serve ----------------------------------------------------------------------------------


def test_serve_on_port_0_writes_a_ready_file_and_stops_on_sigterm(spawn: Spawn) -> None:
    emulator = spawn()
    ready = emulator.ready
    assert ready["host"] == "127.0.0.1"
    assert isinstance(ready["port"], int) and ready["port"] > 0
    assert ready["target"] == ready["endpoint"] == f"127.0.0.1:{ready['port']}"
    for name in ("api_key", "session_token"):
        assert json.loads(base64.b64decode(ready[name]))["endpoint"] == ready["endpoint"]
    assert f"ready on {ready['target']}" in emulator.stdout()
    assert sdk_mint(ready["api_key"], ready["port"]).auth_token  # the ready file's key works at once
    began = time.monotonic()
    assert emulator.terminate() == 0
    assert time.monotonic() - began < PROMPT_EXIT_SECONDS
    assert not emulator.ready_file.exists()


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port this test holds open, so no emulator can bind it."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def test_a_stale_ready_file_is_removed_even_when_start_fails(spawn: Spawn, tmp_path: Path, taken_port: int) -> None:
    stale = tmp_path / "stale.json"
    stale.write_text('{"port": 1}')
    emulator = spawn("--ready-file", str(stale), "--port", str(taken_port), ready=False, ready_file=stale)
    assert emulator.process.wait(timeout=PROMPT_EXIT_SECONDS) == 2
    assert not stale.exists()


def test_sigint_also_stops_the_server_cleanly(spawn: Spawn) -> None:
    emulator = spawn()
    emulator.process.send_signal(signal.SIGINT)
    assert emulator.process.wait(timeout=PROMPT_EXIT_SECONDS) == 0


def test_two_emulators_on_port_0_run_side_by_side_with_their_own_state(spawn: Spawn) -> None:
    first, second = spawn(), spawn()
    assert first.port != second.port
    cli(first, "clock", "advance", "1h")
    assert cli(first, "clock", "get")["now"] == "2030-01-01T01:00:00Z"
    assert cli(second, "clock", "get")["now"] == START_ISO
    assert sdk_mint(first.ready["api_key"], first.port).auth_token
    foreign = sdk_mint(first.ready["api_key"], second.port)
    assert isinstance(foreign, GenerateDisposableToken.Error)
    assert foreign.error_code is MomentoErrorCode.AUTHENTICATION_ERROR


def test_a_taken_port_is_a_one_line_error(spawn: Spawn) -> None:
    first = spawn()
    second = spawn("--port", str(first.port), ready=False)
    assert second.process.wait(timeout=PROMPT_EXIT_SECONDS) != 0
    assert "Traceback" not in second.stderr()
    lines = second.stderr().strip().splitlines()
    assert len(lines) == 1 and str(first.port) in lines[0], second.stderr()
    assert cli(first, "clock", "get")["now"] == START_ISO  # the first one is unharmed


def test_sigterm_with_a_state_file_keeps_keys_for_the_next_run(spawn: Spawn, tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    first = spawn("--state-file", str(state_file))
    disposable = sdk_mint(first.ready["api_key"], first.port, minutes=30).auth_token
    with grpc.insecure_channel(first.target) as channel:
        issued = mint_api_key(auth_pb2_grpc.AuthStub(channel), unwrap(first.ready["session_token"]), ttl=3600)
    cli(first, "clock", "advance", "10m")
    began = time.monotonic()
    assert first.terminate() == 0
    assert time.monotonic() - began < PROMPT_EXIT_SECONDS
    assert json.loads(state_file.read_text())["format"] == "momento-auth-emulator/state"

    second = spawn("--state-file", str(state_file))

    assert unwrap(second.ready["api_key"]) == unwrap(first.ready["api_key"])
    assert cli(second, "clock", "get")["now"] == "2030-01-01T00:10:00Z"
    assert sdk_mint(first.ready["api_key"], second.port).auth_token
    assert cli(second, "authorize", "--key", disposable, "--action", "get", "--cache", "c", "--item", "k")["allowed"]
    assert cli(second, "keys", "describe", disposable)["status"] == "active"
    with grpc.insecure_channel(second.target) as channel:
        refreshed = auth_pb2_grpc.AuthStub(channel).RefreshApiToken(
            refresh_request(issued.api_key, issued.refresh_token), timeout=10
        )
    assert refreshed.api_key and refreshed.api_key != issued.api_key


def test_a_state_file_that_is_not_a_state_document_is_a_one_line_error(spawn: Spawn, tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text('{"format": "momento-auth-emulator/state", "version": 99}')
    emulator = spawn("--state-file", str(state_file), ready=False)
    assert emulator.process.wait(timeout=PROMPT_EXIT_SECONDS) == 2
    assert one_line_error(_done(emulator)).endswith("state document: version: 99 is not supported (expected 1 or 2)")


def _done(emulator: EmulatorProcess) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(emulator.process.args, emulator.process.returncode, "", emulator.stderr())


# --- the SDK and the clock from another process -----------------------------------------------


def test_an_sdk_minted_token_expires_after_clock_advance_from_another_process(spawn: Spawn) -> None:
    emulator = spawn()
    minted = sdk_mint(emulator.ready["api_key"], emulator.port, minutes=5)
    assert isinstance(minted, GenerateDisposableToken.Success)
    alive = sdk_mint(minted.auth_token, emulator.port)  # a disposable token may not mint: denied, not expired
    assert alive.error_code is MomentoErrorCode.PERMISSION_ERROR

    assert cli(emulator, "clock", "advance", "5m")["now"] == "2030-01-01T00:05:00Z"

    expired = sdk_mint(minted.auth_token, emulator.port)
    assert isinstance(expired, GenerateDisposableToken.Error)
    assert expired.error_code is MomentoErrorCode.AUTHENTICATION_ERROR
    assert cli(emulator, "keys", "describe", minted.auth_token)["status"] == "expired"


def test_a_fault_added_from_the_cli_fails_the_next_sdk_call_then_stops(spawn: Spawn) -> None:
    emulator = spawn()
    rule = cli(
        emulator, "faults", "add", "--method", "GenerateDisposableToken", "--code", "UNAVAILABLE",
        "--count", "1", "--message", "maintenance",
    )  # fmt: skip
    assert (rule["methods"], rule["count"]) == (["/token.Token/GenerateDisposableToken"], 1)
    failed = sdk_mint(emulator.ready["api_key"], emulator.port)
    assert isinstance(failed, GenerateDisposableToken.Error)
    assert failed.error_code is MomentoErrorCode.SERVER_UNAVAILABLE
    assert "maintenance" in failed.inner_exception.transport_details.grpc.details
    assert isinstance(sdk_mint(emulator.ready["api_key"], emulator.port), GenerateDisposableToken.Success)
    assert cli(emulator, "faults", "list") == []


def test_faults_list_and_clear(spawn: Spawn) -> None:
    emulator = spawn()
    first = cli(emulator, "faults", "add", "--method", "Login", "--code", "internal", "--delay", "1s")
    key_id = cli(emulator, "keys", "list")[0]["key_id"]
    cli(emulator, "faults", "add", "--method", "/auth.Auth/GenerateApiToken", "--key-id", key_id, "--token-id", "t")
    unknown = one_line_error(run_cli("faults", "add", "--key-id", "abc", "--target", emulator.target))
    assert "NOT_FOUND: key_id: 'abc" in unknown and "is not the key id" in unknown  # a rule that could never fire
    listed = cli(emulator, "faults", "list")
    summary = [(r["code"], r["count"], r["delay_seconds"]) for r in listed]
    assert summary == [("INTERNAL", None, 1.0), ("UNAVAILABLE", None, 0.0)]
    assert (listed[1]["key_id"], listed[1]["token_id"]) == (key_id, "t")
    assert cli(emulator, "faults", "clear", first["rule_id"]) == {"removed": 1}
    assert cli(emulator, "faults", "clear") == {"removed": 1}
    assert "code:" in one_line_error(run_cli("faults", "add", "--code", "TEAPOT", "--target", emulator.target))
    assert "method:" in one_line_error(run_cli("faults", "add", "--method", "Teleport", "--target", emulator.target))
    assert run_cli("faults", "add", "--count", "0", "--target", emulator.target).returncode == 2
    assert cli(emulator, "faults", "list") == []


# --- client subcommands -------------------------------------------------------------------------


def test_clock_get_json_prints_an_object_with_now(spawn: Spawn) -> None:
    emulator = spawn()
    assert cli(emulator, "clock", "get") == {"now": START_ISO, "mode": "manual"}
    text = run_cli("clock", "get", "--target", emulator.target)
    assert text.returncode == 0 and f"now: {START_ISO}" in text.stdout


def test_clock_durations_set_and_mode(spawn: Spawn) -> None:
    emulator = spawn()
    expected = 0
    for text, seconds in (("90", 90), ("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172800)):
        expected += seconds
        now = cli(emulator, "clock", "advance", text)["now"]
        assert now == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START + expected)), text
    assert cli(emulator, "clock", "set", "2031-01-01T00:00:00Z")["now"] == "2031-01-01T00:00:00Z"
    assert "clock never goes backwards" in one_line_error(
        run_cli("clock", "set", "2030-06-01T00:00:00Z", "--target", emulator.target)
    )
    assert run_cli("clock", "advance", "5 weeks", "--target", emulator.target).returncode == 2
    system = cli(emulator, "clock", "mode", "system")
    assert system["mode"] == "system" and system["now"].startswith("2031-01-01T00:00:0")
    assert cli(emulator, "clock", "mode", "manual")["mode"] == "manual"


def test_keys_may_be_given_raw_or_in_base64_form(spawn: Spawn) -> None:
    emulator = spawn()
    key, raw = emulator.ready["api_key"], unwrap(emulator.ready["api_key"])
    assert cli(emulator, "keys", "describe", key) == cli(emulator, "keys", "describe", raw)
    assert cli(emulator, "keys", "describe", raw)["kind"] == "api_key"
    with grpc.insecure_channel(emulator.target) as channel:
        stub = token_pb2_grpc.TokenStub(channel)
        reader = mint_disposable(stub, raw, cache_grant(pm.CacheReadOnly, "c")).api_key
    for form in (reader, json.dumps({"endpoint": emulator.target, "api_key": reader})):
        given = form if form == reader else base64.b64encode(form.encode()).decode()
        allowed = cli(emulator, "authorize", "--key", given, "--action", "get", "--cache", "c", "--item", "k")
        assert allowed["allowed"] is True and "permissions[0]" in allowed["reason"]
        denied = cli(emulator, "authorize", "--key", given, "--action", "set", "--cache", "c", "--item", "k")
        assert denied["allowed"] is False and denied["reason"]
    topic = cli(emulator, "authorize", "--key", key, "--action", "publish", "--cache", "c", "--topic", "t")
    assert topic["allowed"] is True
    listed = cli(emulator, "keys", "list")
    assert [k["kind"] for k in listed] == ["session_token", "api_key", "disposable_token"]
    assert cli(emulator, "keys", "revoke", key)["status"] == "revoked"
    refused = sdk_mint(key, emulator.port)
    assert refused.error_code is MomentoErrorCode.AUTHENTICATION_ERROR
    assert len(cli(emulator, "keys", "list", "--all")) == 3
    assert "NOT_FOUND" in one_line_error(run_cli("keys", "describe", "nope", "--target", emulator.target))


def test_journal_reset_bootstrap_export_and_import(spawn: Spawn, tmp_path: Path) -> None:
    emulator = spawn()
    old_key = emulator.ready["api_key"]
    sdk_mint(old_key, emulator.port)
    [entry] = cli(emulator, "journal", "--method", "GenerateDisposableToken")
    assert (entry["method"], entry["code"], entry["caller_kind"]) == (
        "/token.Token/GenerateDisposableToken",
        "OK",
        "api_key",
    )
    assert unwrap(old_key) not in json.dumps(entry)
    assert cli(emulator, "journal", "--clear") == [entry]
    assert cli(emulator, "journal") == []
    assert cli(emulator, "bootstrap")["api_key"] == old_key

    saved = tmp_path / "saved.json"
    assert cli(emulator, "export", str(saved)) == {"exported": str(saved)}
    fresh = cli(emulator, "reset")
    assert fresh["api_key"] != old_key
    assert sdk_mint(old_key, emulator.port).error_code is MomentoErrorCode.AUTHENTICATION_ERROR
    assert cli(emulator, "import", str(saved)) == {"imported": str(saved)}
    assert cli(emulator, "bootstrap")["api_key"] == old_key
    assert isinstance(sdk_mint(old_key, emulator.port), GenerateDisposableToken.Success)

    broken = tmp_path / "broken.json"
    broken.write_text(saved.read_text().replace('"version": 2', '"version": 7'))
    assert "INVALID_ARGUMENT: version:" in one_line_error(run_cli("import", str(broken), "--target", emulator.target))
    missing = run_cli("import", str(tmp_path / "missing.json"), "--target", emulator.target)
    assert "No such file" in one_line_error(missing)
    assert cli(emulator, "bootstrap")["api_key"] == old_key


def test_a_wrong_target_is_a_one_line_error() -> None:
    line = one_line_error(run_cli("clock", "get", "--target", "127.0.0.1:1"))
    assert line.startswith("momento-auth-emulator: 127.0.0.1:1: no emulator answering: is it running?")


# --- environment and logs -------------------------------------------------------------------------


def test_environment_variables_configure_serve_and_flags_win(spawn: Spawn, tmp_path: Path) -> None:
    ready_file = tmp_path / "from-env.json"
    env = clean_env(
        MOMENTO_EMULATOR_HOST="127.0.0.1",
        MOMENTO_EMULATOR_PORT="0",
        MOMENTO_EMULATOR_SEED="env-seed",
        MOMENTO_EMULATOR_START_TIME="2030-01-01T00:00:00Z",
        MOMENTO_EMULATOR_ENDPOINT="emulator.test:9999",
        MOMENTO_EMULATOR_MAX_DISPOSABLE_TTL="10m",
        MOMENTO_EMULATOR_READY_FILE=str(ready_file),
    )
    from_env = spawn(env=env, ready_file=ready_file)
    twin_file = tmp_path / "twin.json"
    twin = spawn(env=env | {"MOMENTO_EMULATOR_READY_FILE": str(twin_file)}, ready_file=twin_file)
    flags = ("--seed", "flag-seed", "--start-time", "2031-01-01T00:00:00Z", "--endpoint", "flag.test:1")
    flagged = spawn(*flags, env=env)

    assert from_env.ready["endpoint"] == "emulator.test:9999"
    assert from_env.ready["api_key"] == twin.ready["api_key"]  # same seed, same keys
    assert cli(from_env, "clock", "get")["now"] == START_ISO
    assert flagged.ready["endpoint"] == "flag.test:1"
    assert unwrap(flagged.ready["api_key"]) != unwrap(from_env.ready["api_key"])
    assert cli(flagged, "clock", "get")["now"] == "2031-01-01T00:00:00Z"
    with grpc.insecure_channel(from_env.target) as channel:
        stub = token_pb2_grpc.TokenStub(channel)
        raw = unwrap(from_env.ready["api_key"])
        assert mint_disposable(stub, raw, ttl=600).api_key
        with pytest.raises(grpc.RpcError) as caught:
            mint_disposable(stub, raw, ttl=601)
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]

    client_env = clean_env(MOMENTO_EMULATOR_TARGET=from_env.target)
    assert json.loads(run_cli("clock", "get", "--json", env=client_env).stdout)["now"] == START_ISO
    other = run_cli("clock", "get", "--json", "--target", flagged.target, env=client_env)
    assert json.loads(other.stdout)["now"] == "2031-01-01T00:00:00Z"


def test_a_bad_environment_value_is_refused_at_start(tmp_path: Path) -> None:
    done = run_cli("serve", "--port", "0", env=clean_env(MOMENTO_EMULATOR_CLOCK="lunar"))
    assert done.returncode == 2
    assert "lunar" in done.stderr and "Traceback" not in done.stderr


def test_json_logs_at_debug_print_one_line_per_rpc_without_secrets(spawn: Spawn) -> None:
    emulator = spawn("--log-format", "json", "--log-level", "debug")
    key = emulator.ready["api_key"]
    minted = sdk_mint(key, emulator.port).auth_token
    sdk_mint(minted, emulator.port)  # denied
    cli(emulator, "clock", "get")
    key_ids = [cli(emulator, "keys", "describe", caller)["key_id"] for caller in (key, minted)]
    assert emulator.terminate() == 0

    lines = [json.loads(line) for line in emulator.stderr().splitlines()]
    rpcs = [line for line in lines if "method" in line]
    assert [(r["method"], r["status"], r["level"]) for r in rpcs] == [
        ("/token.Token/GenerateDisposableToken", "OK", "debug"),
        ("/token.Token/GenerateDisposableToken", "PERMISSION_DENIED", "info"),
        ("/momento_emulator.admin.v1.Admin/GetClock", "OK", "debug"),
        ("/momento_emulator.admin.v1.Admin/DescribeKey", "OK", "debug"),
        ("/momento_emulator.admin.v1.Admin/DescribeKey", "OK", "debug"),
    ]
    # Each Momento call names its caller's kind and key id; admin calls have no caller.
    assert [(r["caller_kind"], r["key_id"]) for r in rpcs] == [
        ("api_key", key_ids[0]),
        ("disposable_token", key_ids[1]),
        ("", ""),
        ("", ""),
        ("", ""),
    ]
    assert key_ids[0] != key_ids[1]
    assert {r["emulator_time"] for r in rpcs} == {START_ISO}
    log = emulator.stderr()
    for secret in (unwrap(key), unwrap(minted), unwrap(emulator.ready["session_token"])):
        assert secret not in log


def test_at_the_default_level_only_calls_that_did_not_succeed_are_logged(spawn: Spawn) -> None:
    emulator = spawn()
    minted = sdk_mint(emulator.ready["api_key"], emulator.port).auth_token
    sdk_mint(minted, emulator.port)  # denied: a disposable token cannot mint
    cli(emulator, "clock", "get")
    cli(emulator, "faults", "add", "--method", "Login", "--code", "UNAVAILABLE", "--message", "down")
    with grpc.insecure_channel(emulator.target) as channel, pytest.raises(grpc.RpcError):
        list(auth_pb2_grpc.AuthStub(channel).Login(auth_pb2._LoginRequest(), timeout=10))
    assert emulator.terminate() == 0

    calls = [line.split(": ", 1)[1] for line in emulator.stderr().splitlines() if " emulator.rpc: " in line]
    assert [" ".join(call.split()[:2]) for call in calls] == [
        "GenerateDisposableToken PERMISSION_DENIED",
        "Login UNAVAILABLE",
    ]
    assert all(" INFO emulator.rpc: " in line for line in emulator.stderr().splitlines() if "emulator.rpc" in line)
    assert calls[1].endswith("(down)")


def test_a_start_time_out_of_range_is_a_one_line_error(spawn: Spawn) -> None:
    emulator = spawn("--start-time", "1900-01-01T00:00:00Z", ready=False)
    assert emulator.process.wait(timeout=PROMPT_EXIT_SECONDS) == 2
    message = one_line_error(_done(emulator))
    assert "time:" in message and "outside the range" in message and "state" not in message


# --- values the CLI refuses before they can break anything -------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (("--port", "70000"), {}, "--port"),
        (("--port", "-1"), {}, "--port"),
        ((), {"MOMENTO_EMULATOR_PORT": "65536"}, "MOMENTO_EMULATOR_PORT: 65536 is not a port number"),
        (("--super-user-key", "   "), {}, "--super-user-key"),
        (("--super-user-key", ""), {}, "--super-user-key: must not be empty"),  # a CI secret that expanded to nothing
        ((), {"MOMENTO_EMULATOR_SUPER_USER_KEY": ""}, "MOMENTO_EMULATOR_SUPER_USER_KEY: must not be empty"),
        ((), {"MOMENTO_EMULATOR_MAX_DISPOSABLE_TTL": "0.5"}, "MOMENTO_EMULATOR_MAX_DISPOSABLE_TTL: 0.5 s"),
        (("--admin-token", "tab\there"), {}, "--admin-token"),
        (("--admin-token", "café"), {}, "--admin-token"),
    ],
)
def test_serve_refuses_values_that_would_make_a_broken_emulator(
    args: tuple[str, ...], env: dict[str, str], named: str
) -> None:
    done = run_cli("serve", "--start-time", START_ISO, *args, env=clean_env(**env), timeout=PROMPT_EXIT_SECONDS)
    assert done.returncode == 2
    assert named in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    if named.startswith("MOMENTO_EMULATOR_"):  # a value from the environment is named as its variable
        assert "--" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("journal", "--limit", "4294967296"),
        ("faults", "add", "--count", "4294967296"),
        ("clock", "get", "--admin-token", "café"),
    ],
)
def test_client_values_out_of_range_are_usage_errors(args: tuple[str, ...]) -> None:
    done = run_cli(*args, "--target", "127.0.0.1:1")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and args[-2] in done.stderr


def test_an_argument_that_is_not_utf8_is_a_one_line_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "keys", "describe", b"\xff", "--target", "127.0.0.1:1"],
        env=clean_env(), capture_output=True, text=True, timeout=DEADLINE_SECONDS, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert one_line_error(done).endswith("not valid UTF-8")


def test_unusable_ready_and_state_files_are_one_line_errors(spawn: Spawn, tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = [
        (("--state-file", str(nested)), None, "not a readable JSON document"),
        (("--state-file", str(fifo)), None, "not a regular file"),  # reading it would never end
        (("--ready-file", str(tmp_path)), tmp_path, "--ready-file"),  # a directory
        (("--ready-file", "/proc/no-such-dir/ready.json"), Path("/proc/no-such-dir/ready.json"), "--ready-file"),
    ]
    for args, ready_file, message in cases:
        emulator = spawn(*args, ready=False, ready_file=ready_file)
        assert emulator.process.wait(timeout=PROMPT_EXIT_SECONDS) == 2, emulator.stderr()
        assert message in one_line_error(_done(emulator))


def test_a_state_file_that_cannot_be_written_at_exit_is_reported_and_the_ready_file_removed(
    spawn: Spawn, tmp_path: Path
) -> None:
    emulator = spawn("--state-file", "/proc/no-such-dir/state.json")
    assert emulator.terminate() == 1
    stderr = emulator.stderr()
    assert "Traceback" not in stderr
    assert "the state was not saved" in stderr.strip().splitlines()[-1]
    assert not emulator.ready_file.exists()


def test_a_failed_export_leaves_no_copy_of_the_state_behind(spawn: Spawn, tmp_path: Path) -> None:
    emulator = spawn()
    target = tmp_path / "taken"
    target.mkdir()
    done = run_cli("export", str(target), "--target", emulator.target)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.glob(".taken*")) == []


def test_stopping_leaves_the_ready_file_of_a_newer_emulator_on_the_same_path(spawn: Spawn, tmp_path: Path) -> None:
    shared = tmp_path / "shared-ready.json"
    older = spawn("--ready-file", str(shared), ready_file=shared)
    newer = spawn("--ready-file", str(shared), ready=False, ready_file=shared)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not (shared.exists() and f'"pid": {newer.process.pid}' in shared.read_text()):
        assert time.monotonic() < deadline, "the newer emulator never wrote the shared ready file"
        time.sleep(0.02)
    assert older.terminate() == 0
    assert json.loads(shared.read_text())["pid"] == newer.process.pid
    assert newer.terminate() == 0
    assert not shared.exists()


def test_a_control_character_in_status_details_cannot_forge_a_log_line(spawn: Spawn) -> None:
    emulator = spawn()
    forged = "2030-01-01 00:00:00,000 INFO emulator.rpc: RevokeKey OK"
    cli(emulator, "faults", "add", "--method", "Login", "--code", "UNAVAILABLE", "--message", f"down\n{forged}")
    with grpc.insecure_channel(emulator.target) as channel, pytest.raises(grpc.RpcError):
        list(auth_pb2_grpc.AuthStub(channel).Login(auth_pb2._LoginRequest(), timeout=10))
    assert emulator.terminate() == 0
    lines = emulator.stderr().splitlines()
    assert not any(line.startswith(forged) for line in lines)
    assert any(line.endswith(f"(down\\x0a{forged})") for line in lines), lines


def test_ctrl_c_before_serve_handles_signals_is_exit_130_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import emulator.cli
    from emulator.__main__ import run

    def interrupted(argv: object = None) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(emulator.cli, "main", interrupted)
    try:
        assert run() == 130
    finally:
        gc.unfreeze()  # run() freezes what was imported, as it does for the real process
        assert gc.isenabled()
