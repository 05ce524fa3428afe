"""Embedding the emulator in a Python process: on the caller's loop, or on its own thread."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from momento import AuthClient, AuthClientAsync
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.responses import GenerateDisposableToken
from momento.utilities import ExpiresIn

import emulator
from emulator import ControlError, EmulatorServer, Settings, ThreadedEmulatorServer, credential_provider, remote_control
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument
from emulator.core.permissions import Grant, Permissions, Role
from tests.builders import START, START_DT

SCOPE = DisposableTokenScopes.cache_read_only("c")


@pytest.mark.asyncio
async def test_async_server_runs_on_the_callers_loop_and_exposes_plain_controls() -> None:
    """Inside ``async with EmulatorServer()``, the async SDK mints on the same loop and control sees the key."""
    async with EmulatorServer(Settings(start_time=START)) as server:
        assert server.control.now() == START_DT
        async with AuthClientAsync(AuthConfigurations.Laptop.latest(), credential_provider(server)) as client:
            minted = await client.generate_disposable_token(SCOPE, ExpiresIn.seconds(60))
        assert isinstance(minted, GenerateDisposableToken.Success)
        assert server.control.describe_key(minted.auth_token).status == "active"
        server.control.advance(60)
        assert server.control.describe_key(minted.auth_token).status == "expired"
        assert server.bootstrap.endpoint == server.target


@pytest.mark.asyncio
async def test_async_server_stops_serving_when_the_block_ends() -> None:
    """After ``async with`` exits, nothing answers on the port."""
    async with EmulatorServer() as server:
        target = server.target
    async with grpc.aio.insecure_channel(target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            call: Any = channel.unary_unary("/momento_emulator.admin.v1.Admin/GetBootstrap")
            await call(b"", timeout=5)
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def test_threaded_server_serves_sync_callers_and_stops() -> None:
    """``with ThreadedEmulatorServer()`` serves the sync SDK; its control resets; the port closes on exit."""
    with ThreadedEmulatorServer(Settings(start_time=START)) as server:
        assert server.port > 0 and server.target.endswith(f":{server.port}")
        with AuthClient(AuthConfigurations.Laptop.latest(), credential_provider(server)) as client:
            minted = client.generate_disposable_token(SCOPE, ExpiresIn.seconds(60))
        assert isinstance(minted, GenerateDisposableToken.Success)
        assert server.control.describe_key(minted.auth_token).kind == "disposable_token"
        assert [entry.method for entry in server.control.journal()][-1].endswith("GenerateDisposableToken")
        server.control.reset()
        with pytest.raises(ControlError):
            server.control.describe_key(minted.auth_token)
        target = server.target
    with remote_control(target, timeout=5) as control, pytest.raises(ControlError) as raised:
        control.bootstrap()
    assert raised.value.code == "UNAVAILABLE"


def test_threaded_server_start_and_stop_are_explicit_too() -> None:
    """``start()`` returns the running server and ``stop()`` may be called twice."""
    server = ThreadedEmulatorServer().start()
    try:
        assert server.bootstrap.api_key
    finally:
        server.stop()
        server.stop()


def test_control_before_start_is_a_clear_error() -> None:
    """Asking an unstarted server for its control says what to do."""
    with pytest.raises(RuntimeError, match="start"):
        EmulatorServer().control  # noqa: B018


@pytest.mark.parametrize("token", ["two words", "tab\there", "café"])
def test_an_admin_token_no_client_could_send_is_refused_up_front(token: str) -> None:
    with pytest.raises(ValueError, match="admin_token: must be printable ASCII"):
        EmulatorServer(admin_token=token)


def test_the_public_names_are_exactly_these() -> None:
    """``emulator.__all__`` is the documented API, and every name in it resolves."""
    assert sorted(emulator.__all__) == [
        "AuthorizationDecision",
        "Bootstrap",
        "CacheInfo",
        "ClockMode",
        "ClockState",
        "Control",
        "ControlError",
        "EmulatorServer",
        "FaultRule",
        "ItemEntry",
        "ItemInfo",
        "JournalEntry",
        "KeyInfo",
        "Settings",
        "ThreadedEmulatorServer",
        "credential_provider",
        "local_control",
        "node_settings",
        "remote_control",
    ]
    for name in emulator.__all__:
        assert getattr(emulator, name) is not None
    with pytest.raises(AttributeError):
        emulator.not_a_name  # noqa: B018


def test_importing_the_package_does_not_import_grpc() -> None:
    """The names load on first use, so the pytest plugin (in this package) stays cheap to load."""
    code = (
        "import sys, emulator; emulator.KeyInfo; emulator.ControlError; assert 'grpc' not in sys.modules; "
        "emulator.Control; assert 'grpc' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_naive_datetime_is_utc_whatever_the_host_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with ThreadedEmulatorServer(Settings(start_time=START)) as server:
            now = server.control.set_time(datetime(2031, 1, 1))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert now == datetime(2031, 1, 1, tzinfo=UTC)


READ_WRITE = Permissions(grants=(Grant(Role.CACHE_READ_WRITE),))


def _free_port() -> int:
    """A free port the kernel never hands to a ``port 0`` bind: below the ephemeral range, so no other
    test worker's server can take it between our probe and our bind (the race of picking an ephemeral one)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ranges:
            ephemeral_low = int(ranges.read().split()[0])
    except OSError:
        ephemeral_low = 32768  # Linux's default where the setting cannot be read
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, ephemeral_low - 10_000), ephemeral_low)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")


@pytest.mark.asyncio
async def test_a_failed_start_releases_its_port() -> None:
    port = _free_port()
    refused = EmulatorServer(Settings(start_time=START), port=port, state_document={"version": 999})
    with pytest.raises(InvalidArgument, match="state document"):
        await refused.start()
    async with EmulatorServer(Settings(start_time=START), port=port) as server:
        assert server.port == port


@pytest.mark.asyncio
async def test_starting_twice_is_an_error_and_stopping_on_another_loop_too() -> None:
    async with EmulatorServer(Settings(start_time=START)) as server:
        with pytest.raises(RuntimeError, match="already started"):
            await server.start()

        def stop_elsewhere() -> None:
            asyncio.run(server.stop())

        with pytest.raises(RuntimeError, match="event loop that started it"):
            await asyncio.to_thread(stop_elsewhere)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"port": 70000}, "port"),
        ({"port": -1}, "port"),
        ({"port": True}, "port"),
        ({"port": "8080"}, "port"),
        ({"web_port": 65536}, "web_port"),
        ({"web_port": False}, "web_port"),
        ({"admin_token": None}, "admin_token"),
    ],
)
def test_server_options_are_checked_up_front(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=f"^{named}: "):
        EmulatorServer(**options)


def test_settings_must_be_settings() -> None:
    with pytest.raises(TypeError, match="settings: expected emulator.Settings"):
        EmulatorServer({"start_time": 0})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda c: c.journal(limit=-1), "limit"),
        (lambda c: c.add_fault("Login", count=2**40), "count"),
        (lambda c: c.add_fault("Login", count=1.5), "count"),
        (lambda c: c.describe_key(123), "key"),
        (lambda c: c.keys("no"), "include_inactive"),
        (lambda c: c.advance("10"), "seconds"),
        (lambda c: c.advance(None), "seconds"),
        (lambda c: c.set_time(None), "instant"),
        (lambda c: c.set_time(10**400), "instant"),
        (lambda c: c.authorize("k", "get", "c", item=123), "item"),
        (lambda c: c.authorize("k", "publish", "c", topic=5), "topic"),
        (lambda c: c.set_clock_mode(5), "mode"),
        (lambda c: c.clear_faults(5), "rule_id"),
        (lambda c: c.import_state([]), "document"),
    ],
)
def test_control_arguments_of_the_wrong_type_or_range_are_named(call: Any, named: str) -> None:
    with ThreadedEmulatorServer(Settings(start_time=START)) as server, pytest.raises(ControlError) as refused:
        call(server.control)
    assert refused.value.code == "INVALID_ARGUMENT" and refused.value.message.startswith(f"{named}: ")


def test_a_remote_control_checks_its_token_and_refuses_use_after_close() -> None:
    with pytest.raises(ValueError, match="admin_token"):
        remote_control("127.0.0.1:1", admin_token="a\nb")
    with ThreadedEmulatorServer(Settings(start_time=START)) as server:
        control = remote_control(server.target)
        control.close()
        with pytest.raises(RuntimeError, match="closed"):
            control.clock()


def test_a_start_that_times_out_leaves_nothing_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    released = threading.Event()

    def slow_emulator(settings: Settings) -> Emulator:
        released.wait(20)  # a start that cannot finish before the timeout below has been raised
        return Emulator(settings)

    monkeypatch.setattr("emulator.server.Emulator", slow_emulator)
    port = _free_port()
    server = ThreadedEmulatorServer(Settings(start_time=START), port=port)
    before = set(threading.enumerate())
    with pytest.raises(TimeoutError, match="did not start within 0.05 s"):
        server.start(timeout=0.05)
    released.set()
    [thread] = [t for t in set(threading.enumerate()) - before if t.name == "momento-auth-emulator"]

    def port_free() -> bool:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
            return True

    # The late start is stopped on the server's own thread: wait (bounded) for it to finish.
    deadline = time.monotonic() + 10
    while not port_free() or thread.is_alive():
        assert time.monotonic() < deadline, "the server still serves, or its thread lives, after its start timed out"
        time.sleep(0.01)


def test_a_state_over_a_mebibyte_exports_and_imports_again() -> None:
    with ThreadedEmulatorServer(Settings(start_time=START)) as server:
        state = server.emulator.state
        for _ in range(3000):
            state.generate_api_key(state.session_token, READ_WRITE, 3600)
        with remote_control(server.target) as control:
            document = control.export_state()
            assert len(json.dumps(document)) > 1024 * 1024
            control.reset()
            control.import_state(document)
            assert len(control.keys()) == 3002  # the bootstrap pair and the 3,000 keys
