"""Pubsub on raw stubs: what the SDKs read but do not show (heartbeats, discontinuities, publisher ids),
and how the emulator ends subscriptions (reset, a deleted cache, a stopping server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc
from momento_wire_types import cachepubsub_pb2 as pb
from momento_wire_types import cachepubsub_pb2_grpc as pb_grpc
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import Settings, ThreadedEmulatorServer, local_control
from tests.builders import START, explicit, topic_grant
from tests.helpers import mint_api_key, mint_disposable, status_of

CACHE = "c"
DEADLINE = 30.0  # per stream: a broken emulator fails the test instead of hanging it


@pytest.fixture
def server() -> Iterator[ThreadedEmulatorServer]:
    settings = Settings(start_time=START, topic_history=2, heartbeat_seconds=0.05)
    with ThreadedEmulatorServer(settings) as running:
        running.emulator.state.caches.create(CACHE)
        yield running


@pytest.fixture
def channel(server: ThreadedEmulatorServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.target) as opened:
        yield opened


class Topics:
    """Publish and Subscribe over a channel, as the caller holding ``key``."""

    def __init__(self, channel: grpc.Channel, key: str) -> None:
        self.stub = pb_grpc.PubsubStub(channel)
        self.metadata = (("authorization", key),)

    def publish(self, value: str | bytes, topic: str = "t", cache: str = CACHE) -> None:
        kind = {"text": value} if isinstance(value, str) else {"binary": value}
        self.stub.Publish(
            pb._PublishRequest(cache_name=cache, topic=topic, value=pb._TopicValue(**kind)),
            metadata=self.metadata,
            timeout=DEADLINE,
        )

    def subscribe(self, topic: str = "t", cache: str = CACHE, resume_at: int = 0, page: int = 0) -> Any:
        request = pb._SubscriptionRequest(
            cache_name=cache, topic=topic, resume_at_topic_sequence_number=resume_at, sequence_page=page
        )
        return self.stub.Subscribe(request, metadata=self.metadata, timeout=DEADLINE)


@pytest.fixture
def topics(server: ThreadedEmulatorServer, channel: grpc.Channel) -> Topics:
    return Topics(channel, server.emulator.state.super_user_key)


def kinds(call: Any, count: int) -> list[str]:
    return [next(call).WhichOneof("kind") for _ in range(count)]


def next_item(call: Any) -> Any:
    """The next message that is not a heartbeat."""
    while (message := next(call)).HasField("heartbeat"):
        pass
    return message


def test_a_subscription_opens_with_a_heartbeat_even_when_it_replays(topics: Topics) -> None:
    topics.publish("a")
    call = topics.subscribe(resume_at=1)
    first, second = next(call), next(call)
    call.cancel()
    assert first.WhichOneof("kind") == "heartbeat"
    assert (second.item.topic_sequence_number, second.item.value.text) == (1, "a")


def test_an_idle_subscription_gets_heartbeats(topics: Topics) -> None:
    call = topics.subscribe()
    assert kinds(call, 3) == ["heartbeat"] * 3  # heartbeat_seconds is 0.05 here
    call.cancel()


def test_resuming_before_the_history_is_a_discontinuity_then_what_is_held(topics: Topics) -> None:
    for text in "abcde":  # topic_history 2 keeps d (4) and e (5)
        topics.publish(text)
    call = topics.subscribe(resume_at=2)
    gap, fourth, fifth = next_item(call), next_item(call), next_item(call)
    call.cancel()
    assert (gap.discontinuity.last_topic_sequence, gap.discontinuity.new_topic_sequence) == (1, 3)
    assert [fourth.item.topic_sequence_number, fifth.item.topic_sequence_number] == [4, 5]
    assert gap.discontinuity.new_sequence_page == fourth.item.sequence_page > 0


def test_resuming_with_a_page_of_another_incarnation_is_a_discontinuity(
    server: ThreadedEmulatorServer, topics: Topics
) -> None:
    topics.publish("a")
    old_page = server.emulator.state.topics.summary()[0].page
    server.emulator.state.caches.delete(CACHE)
    server.emulator.state.caches.create(CACHE)
    topics.publish("b")
    call = topics.subscribe(resume_at=2, page=old_page)
    gap, item = next_item(call), next_item(call)
    call.cancel()
    assert gap.WhichOneof("kind") == "discontinuity" and gap.discontinuity.new_sequence_page != old_page
    assert (item.item.topic_sequence_number, item.item.value.text) == (1, "b")


def test_the_publisher_id_is_the_publishing_tokens_token_id(
    server: ThreadedEmulatorServer, channel: grpc.Channel, topics: Topics
) -> None:
    session = server.emulator.state.session_token
    device = mint_disposable(token_pb2_grpc.TokenStub(channel), session, topic_grant(), token_id="device-7")
    service = mint_api_key(
        auth_pb2_grpc.AuthStub(channel), session, ttl=60, token_id="svc", permissions=explicit(topic_grant())
    )
    call = topics.subscribe()
    next(call)
    Topics(channel, device.api_key).publish("from the device")
    Topics(channel, service.api_key).publish("from the service")
    topics.publish(b"from the super-user key")
    ids = [next_item(call).item.publisher_id for _ in range(3)]
    call.cancel()
    assert ids == ["device-7", "svc", ""]


def test_publish_needs_a_value_and_a_topic(topics: Topics) -> None:
    code, details = status_of(
        lambda: topics.stub.Publish(pb._PublishRequest(cache_name=CACHE, topic="t"), metadata=topics.metadata)
    )
    assert (code, details.split(":")[0]) == (grpc.StatusCode.INVALID_ARGUMENT, "value")
    code, details = status_of(lambda: topics.publish("x", topic=""))
    assert (code, details.split(":")[0]) == (grpc.StatusCode.INVALID_ARGUMENT, "topic")


def test_a_denied_subscription_is_refused_before_its_first_message(channel: grpc.Channel, server: Any) -> None:
    key = mint_disposable(
        token_pb2_grpc.TokenStub(channel), server.emulator.state.session_token, topic_grant(pm.TopicWriteOnly)
    ).api_key
    code, details = status_of(lambda: next(Topics(channel, key).subscribe()))
    assert code is grpc.StatusCode.PERMISSION_DENIED and details.startswith("Insufficient permissions")


# --- how the emulator ends subscriptions ---------------------------------------------------------


def test_reset_ends_open_subscriptions_as_unavailable(server: ThreadedEmulatorServer, topics: Topics) -> None:
    call = topics.subscribe()
    next(call)
    local_control(server.emulator).reset()
    code, details = status_of(lambda: next_item(call))
    assert code is grpc.StatusCode.UNAVAILABLE and "reset" in details
    assert server.emulator.state.topics.subscription_count() == 0


def test_deleting_the_cache_ends_its_subscriptions_as_not_found(server: ThreadedEmulatorServer, topics: Topics) -> None:
    call = topics.subscribe()
    next(call)
    server.emulator.state.caches.delete(CACHE)
    code, details = status_of(lambda: next_item(call))
    assert code is grpc.StatusCode.NOT_FOUND and "was deleted" in details


def test_a_stopping_server_ends_subscriptions_at_once_instead_of_waiting_out_the_grace(
    server: ThreadedEmulatorServer, topics: Topics
) -> None:
    call = topics.subscribe()
    next(call)
    server.stop(grace=DEADLINE)  # open subscriptions would hold the stop for the whole grace period
    code, details = status_of(lambda: next_item(call))
    assert code is grpc.StatusCode.UNAVAILABLE and "stopping" in details


def test_publish_and_subscribe_take_faults_and_are_journaled_by_name(
    server: ThreadedEmulatorServer, topics: Topics
) -> None:
    control = local_control(server.emulator)
    control.add_fault(["Publish", "Subscribe"], "UNAVAILABLE", count=2)
    assert status_of(lambda: topics.publish("x"))[0] is grpc.StatusCode.UNAVAILABLE
    assert status_of(lambda: next(topics.subscribe()))[0] is grpc.StatusCode.UNAVAILABLE
    topics.publish("x" * 100)
    entry = control.journal(method="Publish")[-1]
    assert entry.code == "OK" and entry.key_id
    assert entry.request["value"] == {"text": "[100 bytes] " + "x" * 32 + "…"}  # size and a short preview
    assert server.emulator.state.super_user_key not in str(control.journal())
