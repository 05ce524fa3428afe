"""Defaults that protect users: loopback only, an admin token that locks the admin API, no secrets in logs."""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from momento_wire_types import auth_pb2, auth_pb2_grpc, token_pb2_grpc

from emulator import ControlError, EmulatorServer, Settings, ThreadedEmulatorServer, remote_control
from emulator.services.rpc import ADMIN_TOKEN_HEADER
from tests.builders import START, api_key_request, disposable_request, refresh_request
from tests.helpers import REPO, EmulatorProcess, clean_env
from tests.hostile import ADMIN_REQUESTS, raw_call

ADMIN_TOKEN = "s3cret-admin-token"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port``, from /proc/net/tcp{,6}."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, width // 2, 4))
                address = ipaddress.ip_address(words)
                # grpc may listen on a dual-stack socket at ::ffff:127.0.0.1, which is still 127.0.0.1.
                mapped = getattr(address, "ipv4_mapped", None)
                found.add(str(mapped or address))
    return found


def non_loopback_address() -> str | None:
    """An address of this host other than loopback, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def assert_loopback_only(port: int) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs /proc/net/tcp (Linux) to list listening sockets")
    assert listening_addresses(port) == {"127.0.0.1"}
    other = non_loopback_address()
    if other is not None:
        with pytest.raises(OSError), socket.create_connection((other, port), timeout=2):
            pass


def test_the_cli_binds_loopback_by_default(tmp_path: Path) -> None:
    """`serve --port 0` listens on 127.0.0.1 only, and says so in its ready file."""
    with EmulatorProcess(tmp_path, "--port", "0") as emulator:
        assert emulator.ready["host"] == "127.0.0.1"
        assert emulator.target == f"127.0.0.1:{emulator.ready['port']}"
        assert_loopback_only(int(emulator.ready["port"]))


def test_in_process_servers_bind_loopback_by_default() -> None:
    """ThreadedEmulatorServer (and the EmulatorServer it hosts) listen on 127.0.0.1 only."""
    assert EmulatorServer().host == "127.0.0.1"
    with ThreadedEmulatorServer(Settings(start_time=START)) as server:
        assert server.target.startswith("127.0.0.1:")
        assert_loopback_only(int(server.target.rsplit(":", 1)[1]))


def test_with_an_admin_token_every_admin_call_without_it_is_unauthenticated() -> None:
    """Each admin RPC, without the token or with a wrong one: UNAUTHENTICATED; Momento calls and health work."""
    with ThreadedEmulatorServer(Settings(start_time=START), admin_token=ADMIN_TOKEN) as server:
        session = server.emulator.state.session_token
        with grpc.insecure_channel(server.target) as channel:
            for path in sorted(ADMIN_REQUESTS):
                for metadata in (None, ((ADMIN_TOKEN_HEADER, "wrong"),), ((ADMIN_TOKEN_HEADER, ""),)):
                    # Even a body that does not decode: nothing about it is answered without the token.
                    for body in (b"", b"\xff\xff\xff"):
                        code, _ = raw_call(channel, path, body, metadata=metadata)
                        assert code == grpc.StatusCode.UNAUTHENTICATED, (path, metadata, body)
            right = ((ADMIN_TOKEN_HEADER, ADMIN_TOKEN),)
            code, details = raw_call(channel, "/momento_emulator.admin.v1.Admin/GetClock", b"", metadata=right)
            assert code == grpc.StatusCode.OK, details
            token_pb2_grpc.TokenStub(channel).GenerateDisposableToken(disposable_request(session), timeout=10)
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert health.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("how", ["flag", "env"])
def test_the_cli_admin_token_locks_the_admin_api(tmp_path: Path, how: str) -> None:
    """`--admin-token` or MOMENTO_EMULATOR_ADMIN_TOKEN: admin calls need it; Momento calls do not."""
    args, env = (
        (["--admin-token", ADMIN_TOKEN], {}) if how == "flag" else ([], {"MOMENTO_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN})
    )
    with EmulatorProcess(tmp_path, "--port", "0", *args, env=clean_env(**env)) as emulator:
        for token in ("", "wrong", ADMIN_TOKEN + "x"):
            with remote_control(emulator.target, admin_token=token) as control, pytest.raises(ControlError) as refused:
                control.keys()
            assert refused.value.code == "UNAUTHENTICATED"
        with remote_control(emulator.target, admin_token=ADMIN_TOKEN) as control:
            assert control.keys()
        with grpc.insecure_channel(emulator.target) as channel:
            stub = token_pb2_grpc.TokenStub(channel)
            stub.GenerateDisposableToken(disposable_request(emulator.ready["session_token"]), timeout=10)


def secrets_of(*values: str) -> set[str]:
    """Each secret, and for a JWT its signature alone (the part that cannot be recomputed)."""
    found = set()
    for value in values:
        if value:
            found.add(value)
            if value.count(".") == 2:
                found.add(value.rsplit(".", 1)[1])
    return found


@pytest.mark.parametrize(("log_format", "level"), [("json", "DEBUG"), ("text", "INFO")])
def test_no_secret_appears_in_logs_or_the_journal(tmp_path: Path, log_format: str, level: str) -> None:
    """Keys, session tokens and refresh tokens, in requests and responses, successes and failures,
    Momento and admin calls: none appears in the process's log output or in `journal --json`."""
    args = ["--log-format", log_format, "--log-level", level]
    emulator = EmulatorProcess(tmp_path, "--port", "0", *args)
    try:
        emulator.wait_ready()
        bootstrap = emulator.ready["session_token"]
        with grpc.insecure_channel(emulator.target) as channel:
            auth, token = auth_pb2_grpc.AuthStub(channel), token_pb2_grpc.TokenStub(channel)
            logged_in = [r for r in auth.Login(auth_pb2._LoginRequest(), timeout=10) if r.HasField("logged_in")]
            session = logged_in[0].logged_in.session_token
            key = auth.GenerateApiToken(api_key_request(session), timeout=10)
            refreshed = auth.RefreshApiToken(refresh_request(key.api_key, key.refresh_token), timeout=10)
            disposable = token.GenerateDisposableToken(disposable_request(bootstrap), timeout=10)
            for body in (
                refresh_request(key.api_key, key.refresh_token),  # spent: refused, request journaled
                refresh_request(refreshed.api_key, key.refresh_token),  # foreign refresh token
                refresh_request(disposable.api_key, refreshed.refresh_token),  # a token cannot be refreshed
                api_key_request(disposable.api_key),  # a token cannot mint
            ):
                path = "/auth.Auth/" + (
                    "RefreshApiToken" if "refresh" in type(body).__name__.lower() else "GenerateApiToken"
                )
                code, _ = raw_call(channel, path, body.SerializeToString())
                assert code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
        with remote_control(emulator.target) as control:
            control.describe_key(refreshed.api_key)
            control.authorize(disposable.api_key, "get", "c")
            control.revoke_key(key.api_key)
            with pytest.raises(ControlError):
                control.describe_key(refreshed.api_key[:-2])
            with pytest.raises(ControlError):
                control.add_fault("NoSuchMethod", message=refreshed.refresh_token)
        journal = subprocess.run(
            [sys.executable, "-m", "emulator", "journal", "--json", "--target", emulator.target],
            cwd=REPO, capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
        assert emulator.terminate(timeout=15) == 0
    finally:
        emulator.kill()

    minted = secrets_of(
        session, key.api_key, key.refresh_token, refreshed.api_key, refreshed.refresh_token, disposable.api_key
    )
    ready = emulator.ready
    bootstrap_secrets = secrets_of(ready["api_key"], ready["session_token"])
    logs, stdout = emulator.stderr(), emulator.stdout()
    entries = json.loads(journal)
    assert len(entries) == 8, "every Momento call is journaled"
    log_lines = [line for line in logs.splitlines() if line.strip()]
    # DEBUG: a line per RPC; INFO: a line per call that did not succeed (the four refused mints).
    assert len(log_lines) >= (8 if level == "DEBUG" else 4), logs
    if log_format == "json":
        assert all(isinstance(json.loads(line), dict) for line in log_lines)
    for secret in minted | bootstrap_secrets:
        assert secret not in logs, "a secret appears in the logs"
        assert secret not in journal, "a secret appears in the journal"
    # stdout is the startup banner, which shows the bootstrap credentials on purpose (as the
    # ready file does); nothing minted later may appear there.
    for secret in minted:
        assert secret not in stdout
