"""Shared fixtures: a real emulator on a loopback port, gRPC stubs onto it, and ``serve`` processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import settings
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc

from emulator import Control, Settings, ThreadedEmulatorServer, local_control
from tests.builders import START, START_ISO
from tests.helpers import EmulatorProcess, Factory, Spawn

# No Hypothesis deadline anywhere: how long one example takes is the host's speed, not a property
# (a 200 ms deadline failed a key-codec example on a loaded 2-core host).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


@pytest.fixture
def make_server() -> Iterator[Factory]:
    """Start emulators with given settings (manual clock at START unless said otherwise); all stop at the end."""
    started: list[ThreadedEmulatorServer] = []

    def make(admin_token: str = "", **settings: Any) -> ThreadedEmulatorServer:
        settings.setdefault("start_time", START)
        server = ThreadedEmulatorServer(Settings(**settings), admin_token=admin_token).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop(grace=0)


@pytest.fixture
def server(make_server: Factory) -> ThreadedEmulatorServer:
    """One emulator with the default settings, its manual clock at START."""
    return make_server()


@pytest.fixture
def control(server: ThreadedEmulatorServer) -> Control:
    return local_control(server.emulator)


@pytest.fixture
def channel(server: ThreadedEmulatorServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.target) as opened:
        yield opened


@pytest.fixture
def auth_stub(channel: grpc.Channel) -> auth_pb2_grpc.AuthStub:
    return auth_pb2_grpc.AuthStub(channel)


@pytest.fixture
def token_stub(channel: grpc.Channel) -> token_pb2_grpc.TokenStub:
    return token_pb2_grpc.TokenStub(channel)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Start ``serve`` processes on 127.0.0.1; every one is killed when the test ends."""
    started: list[EmulatorProcess] = []

    def start(
        *args: str, env: dict[str, str] | None = None, ready: bool = True, ready_file: Path | None = None
    ) -> EmulatorProcess:
        defaults = []
        if env is None:  # with an environment given, it says where to listen and when to start
            defaults += ["--host", "127.0.0.1"]
            defaults += [] if "--port" in args else ["--port", "0"]
            defaults += [] if "--start-time" in args else ["--start-time", START_ISO]
        name = f"emulator{len(started)}"
        process = EmulatorProcess(tmp_path, *defaults, *args, env=env, name=name, ready_file=ready_file)
        started.append(process)
        if ready:
            process.wait_ready()
        return process

    yield start
    for process in started:
        process.kill()
