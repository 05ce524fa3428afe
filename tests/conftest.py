"""Shared fixtures: a real emulator on a loopback port, and gRPC stubs onto it."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc

from emulator import Control, Settings, ThreadedEmulatorServer, local_control

START = 1893456000.0  # 2030-01-01T00:00:00Z


@pytest.fixture
def server() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START)) as running:
        yield running


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
