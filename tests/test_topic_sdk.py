"""Topics through the official Python SDK (momento 1.29.1): TopicClient and TopicClientAsync, unchanged.

The SDK's subscription iterators retry forever on a stream that ended in error, so every read
here is of something already published; streams the emulator ends are tested on raw stubs in
``test_topics_wire.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import grpc
import pytest
from momento import TopicClient, TopicClientAsync
from momento.config import TopicConfigurations
from momento.errors import MomentoErrorCode
from momento.responses import TopicPublish, TopicSubscribe, TopicSubscriptionItem
from momento_wire_types import permissionmessages_pb2 as pm
from momento_wire_types import token_pb2_grpc

from emulator import Settings, ThreadedEmulatorServer, local_control
from emulator.sdk import split_target
from tests.builders import START, topic_grant
from tests.helpers import mint_disposable, sdk_credentials

CACHE, OTHER_CACHE = "c", "d"
# The SDK's default 5 s deadline also ends a subscription stream; a loaded machine needs longer.
CONFIG = TopicConfigurations.Default.latest().with_client_timeout(timedelta(seconds=60))
WAIT_SECONDS = 20.0


@pytest.fixture(scope="module")
def running() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START)) as server:
        yield server


@pytest.fixture
def server(running: ThreadedEmulatorServer) -> ThreadedEmulatorServer:
    """The module's emulator, reset, with caches ``c`` and ``d``."""
    running.emulator.reset()
    for name in (CACHE, OTHER_CACHE):
        running.emulator.state.caches.create(name)
    return running


def port_of(server: ThreadedEmulatorServer) -> int:
    return split_target(server.target)[1]


def client(server: ThreadedEmulatorServer, key: str | None = None) -> TopicClient:
    return TopicClient(CONFIG, sdk_credentials(key or server.emulator.state.super_user_key, port_of(server)))


def async_client(server: ThreadedEmulatorServer, key: str | None = None) -> TopicClientAsync:
    return TopicClientAsync(CONFIG, sdk_credentials(key or server.emulator.state.super_user_key, port_of(server)))


def token(server: ThreadedEmulatorServer, *grants: Any, ttl: int = 600, token_id: str = "") -> str:
    with grpc.insecure_channel(server.target) as channel:
        minted = mint_disposable(
            token_pb2_grpc.TokenStub(channel), server.emulator.state.session_token, *grants, ttl=ttl, token_id=token_id
        )
    return str(minted.api_key)


def subscribed(response: object) -> Any:
    assert isinstance(response, TopicSubscribe.Subscription | TopicSubscribe.SubscriptionAsync), response
    return response


def error_code(response: object) -> MomentoErrorCode:
    assert isinstance(response, TopicPublish.Error | TopicSubscribe.Error), f"expected an error, got {response}"
    return response.error_code


def wait_for_subscriptions(server: ThreadedEmulatorServer, count: int) -> None:
    """Until the emulator counts ``count`` open subscriptions (cancellation reaches it asynchronously)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while server.emulator.state.topics.subscription_count() != count:
        assert time.monotonic() < deadline, f"{server.emulator.state.topics.subscription_count()} subscriptions open"
        time.sleep(0.01)


# --- publish and subscribe ----------------------------------------------------------------------


def test_a_subscriber_receives_text_and_bytes_in_order_numbered_from_one(server: ThreadedEmulatorServer) -> None:
    with client(server) as topics:
        subscription = subscribed(topics.subscribe(CACHE, "news"))
        assert isinstance(topics.publish(CACHE, "news", "hello"), TopicPublish.Success)
        assert isinstance(topics.publish(CACHE, "news", b"\x00\xff"), TopicPublish.Success)
        first, second = next(subscription), next(subscription)
        subscription.unsubscribe()
    assert isinstance(first, TopicSubscriptionItem.Text) and first.value == "hello"
    assert isinstance(second, TopicSubscriptionItem.Binary) and second.value == b"\x00\xff"
    assert (first.sequence_number, second.sequence_number) == (1, 2)
    assert first.sequence_page == second.sequence_page > 0


def test_the_async_client_publishes_and_every_subscriber_receives_everything(server: ThreadedEmulatorServer) -> None:
    async def scenario() -> list[list[tuple[str, int]]]:
        async with async_client(server) as topics:
            subscriptions = [subscribed(await topics.subscribe(CACHE, "news")) for _ in range(3)]
            for text in ("a", "b", "c"):
                assert isinstance(await topics.publish(CACHE, "news", text), TopicPublish.Success)
            received = []
            for subscription in subscriptions:
                items = [await anext(subscription) for _ in range(3)]
                received.append([(item.value, item.sequence_number) for item in items])
                subscription.unsubscribe()
            return received

    assert asyncio.run(scenario()) == [[("a", 1), ("b", 2), ("c", 3)]] * 3


def test_a_subscription_resumed_within_history_replays_from_that_number(server: ThreadedEmulatorServer) -> None:
    with client(server) as topics:
        for text in ("a", "b", "c"):
            topics.publish(CACHE, "news", text)
        subscription = subscribed(topics.subscribe(CACHE, "news", resume_at_topic_sequence_number=2))
        items = [next(subscription), next(subscription)]
        subscription.unsubscribe()
    assert [(item.value, item.sequence_number) for item in items] == [("b", 2), ("c", 3)]


def test_topics_of_a_cache_that_does_not_exist_are_not_found(server: ThreadedEmulatorServer) -> None:
    with client(server) as topics:
        assert error_code(topics.publish("nope", "news", "x")) is MomentoErrorCode.NOT_FOUND_ERROR
        assert error_code(topics.subscribe("nope", "news")) is MomentoErrorCode.NOT_FOUND_ERROR
    assert server.emulator.state.topics.summary() == []


# --- cancellation and limits ------------------------------------------------------------------------


def test_an_unsubscribed_subscription_is_no_longer_counted(server: ThreadedEmulatorServer) -> None:
    with client(server) as topics:
        subscription = subscribed(topics.subscribe(CACHE, "news"))
        wait_for_subscriptions(server, 1)
        subscription.unsubscribe()
        wait_for_subscriptions(server, 0)


def test_an_async_subscription_cancelled_is_no_longer_counted(server: ThreadedEmulatorServer) -> None:
    async def scenario() -> None:
        async with async_client(server) as topics:
            subscriptions = [subscribed(await topics.subscribe(CACHE, f"t{i}")) for i in range(5)]
            await asyncio.to_thread(wait_for_subscriptions, server, 5)
            for subscription in subscriptions:
                subscription.unsubscribe()
            await asyncio.to_thread(wait_for_subscriptions, server, 0)

    asyncio.run(scenario())
    assert [info.subscriptions for info in server.emulator.state.topics.summary()] == [0] * 5


def test_subscriptions_past_the_per_cache_limit_are_limit_exceeded() -> None:
    with ThreadedEmulatorServer(Settings(start_time=START, max_subscriptions_per_cache=1)) as limited:
        limited.emulator.state.caches.create(CACHE)
        with client(limited) as topics:
            first = subscribed(topics.subscribe(CACHE, "a"))
            refused = topics.subscribe(CACHE, "b")
            assert error_code(refused) is MomentoErrorCode.LIMIT_EXCEEDED_ERROR
            assert "Topic subscriptions limit exceeded" in refused.message
            first.unsubscribe()
            wait_for_subscriptions(limited, 0)
            subscribed(topics.subscribe(CACHE, "b")).unsubscribe()


# --- credentials ----------------------------------------------------------------------------------


def test_an_expired_token_is_an_authentication_error_after_the_clock_moves(server: ThreadedEmulatorServer) -> None:
    key = token(server, topic_grant(pm.TopicReadWrite), ttl=60)
    with client(server, key) as topics:
        assert isinstance(topics.publish(CACHE, "news", "x"), TopicPublish.Success)
        local_control(server.emulator).advance(60)
        assert error_code(topics.publish(CACHE, "news", "x")) is MomentoErrorCode.AUTHENTICATION_ERROR
        assert error_code(topics.subscribe(CACHE, "news")) is MomentoErrorCode.AUTHENTICATION_ERROR


def test_a_revoked_token_is_an_authentication_error(server: ThreadedEmulatorServer) -> None:
    key = token(server, topic_grant(pm.TopicReadWrite))
    local_control(server.emulator).revoke_key(key)
    with client(server, key) as topics:
        assert error_code(topics.publish(CACHE, "news", "x")) is MomentoErrorCode.AUTHENTICATION_ERROR
        assert error_code(topics.subscribe(CACHE, "news")) is MomentoErrorCode.AUTHENTICATION_ERROR


# role -> (may publish, may subscribe); cache selector -> cache name or every cache;
# topic selector -> topic_grant arguments. The topic used is "news-1"; "sports" is another.
ROLES = {"publish-subscribe": (pm.TopicReadWrite, True, True), "subscribe-only": (pm.TopicReadOnly, False, True),
         "publish-only": (pm.TopicWriteOnly, True, False)}  # fmt: skip
CACHE_SELECTORS = {"all-caches": None, "cache-c": CACHE}
TOPIC_SELECTORS: dict[str, dict[str, str]] = {"all-topics": {}, "topic-news-1": {"topic": "news-1"},
                                              "prefix-news-": {"prefix": "news-"}}  # fmt: skip


@pytest.mark.parametrize("topic_selector", TOPIC_SELECTORS)
@pytest.mark.parametrize("cache_selector", CACHE_SELECTORS)
@pytest.mark.parametrize("role", ROLES)
def test_topic_permissions(server: ThreadedEmulatorServer, role: str, cache_selector: str, topic_selector: str) -> None:
    """Each role allows its operations on the selected caches and topics; anything else is PERMISSION_ERROR."""
    grant_role, may_publish, may_subscribe = ROLES[role]
    key = token(server, topic_grant(grant_role, CACHE_SELECTORS[cache_selector], **TOPIC_SELECTORS[topic_selector]))
    every_cache, every_topic = cache_selector == "all-caches", topic_selector == "all-topics"
    expected = {
        (CACHE, "news-1"): (may_publish, may_subscribe),
        (CACHE, "sports"): (may_publish and every_topic, may_subscribe and every_topic),
        (OTHER_CACHE, "news-1"): (may_publish and every_cache, may_subscribe and every_cache),
    }
    with client(server, key) as topics:
        for (cache, topic), (publish_allowed, subscribe_allowed) in expected.items():
            published = topics.publish(cache, topic, "x")
            if publish_allowed:
                assert isinstance(published, TopicPublish.Success), (cache, topic, published)
            else:
                assert error_code(published) is MomentoErrorCode.PERMISSION_ERROR, (cache, topic)
                assert "Insufficient permissions" in published.inner_exception.message
            subscription = topics.subscribe(cache, topic)
            if subscribe_allowed:
                subscribed(subscription).unsubscribe()
            else:
                assert error_code(subscription) is MomentoErrorCode.PERMISSION_ERROR, (cache, topic)
