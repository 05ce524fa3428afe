"""The pytest plugin's ready SDK clients, and clients built from tokens a test minted, in fresh pytest runs."""

from __future__ import annotations

import pytest

from tests.test_plugin import MINT, clean_environment  # noqa: F401  (an autouse fixture)

pytest_plugins = ["pytester"]


def test_ready_clients_and_clients_for_minted_tokens(pytester: pytest.Pytester) -> None:
    """Sync and async CacheClient/TopicClient fixtures, and a read-only token's client refused a set."""
    pytester.makepyfile(
        MINT
        + """
import momento
import pytest
from momento.errors import MomentoErrorCode
from momento.responses import CacheGet, CacheSet, CreateCache


def test_sync(momento_emulator, momento_cache_client, momento_topic_client):
    assert isinstance(momento_topic_client, momento.TopicClient)
    assert isinstance(momento_cache_client.create_cache("c"), CreateCache.Success)
    assert isinstance(momento_cache_client.set("c", "k", "v"), CacheSet.Success)
    token = mint(momento_emulator).auth_token  # read-only on "c"
    with momento_emulator.cache_client(token) as reader:
        assert reader.set("c", "k", "w").error_code is MomentoErrorCode.PERMISSION_ERROR
        assert reader.get("c", "k").value_string == "v"
        momento_emulator.control.advance(60)
        assert reader.get("c", "k").error_code is MomentoErrorCode.AUTHENTICATION_ERROR


def test_the_next_test_starts_without_caches(momento_cache_client):
    assert momento_cache_client.list_caches().caches == []


@pytest.mark.asyncio
async def test_async(momento_emulator, momento_cache_client_async, momento_topic_client_async):
    assert isinstance(momento_topic_client_async, momento.TopicClientAsync)
    assert isinstance(await momento_cache_client_async.create_cache("c"), CreateCache.Success)
    await momento_cache_client_async.set("c", "k", "v")
    token = mint(momento_emulator).auth_token
    async with momento_emulator.cache_client_async(token) as reader:
        assert (await reader.set("c", "k", "w")).error_code is MomentoErrorCode.PERMISSION_ERROR
        assert isinstance(await reader.get("c", "k"), CacheGet.Hit)
"""
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=3)
