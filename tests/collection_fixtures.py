"""Fixtures the collection suites share: one emulator per module, its super-user SDK client, a fresh cache
per test (tests share the emulator and its clock, never their items). Import them into a test module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from momento import CacheClient, Configurations
from momento.responses import CreateCache

from emulator import Settings, ThreadedEmulatorServer
from emulator.sdk import credential_provider
from tests.builders import START

HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def served() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START)) as running:
        yield running


@pytest.fixture(scope="module")
def client(served: ThreadedEmulatorServer) -> Iterator[CacheClient]:
    with CacheClient(Configurations.Laptop.v1(), credential_provider(served), HOUR) as opened:
        yield opened


@pytest.fixture
def cache(client: CacheClient) -> str:
    name = f"c-{uuid.uuid4().hex[:12]}"
    assert isinstance(client.create_cache(name), CreateCache.Success)
    return name
