"""Momento's Pubsub service: Publish (unary) and Subscribe (a stream of items, discontinuities, heartbeats).

Both go through the data plane's one admission step (authenticate, authorize the topic), then
the core's :class:`~emulator.core.topics.Topics`, which finds the cache. Subscribe sends a
heartbeat at once (the SDKs take the first message as the sign that the subscription is open),
then what the topic delivers, and a heartbeat after every ``heartbeat_seconds`` of wall-clock
silence. It ends when the client cancels or when the emulator ends the subscription (reset,
import, a deleted cache, a stopping server); either way the core stops counting it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from momento_wire_types import cachepubsub_pb2 as pb
from momento_wire_types import common_pb2

from emulator.core.errors import InvalidArgument
from emulator.core.topics import Delivery, Discontinuity
from emulator.services.admission import admitted
from emulator.services.call import Call

HEARTBEAT = pb._SubscriptionItem(heartbeat=pb._Heartbeat())
EMPTY = common_pb2._Empty()


def publish(call: Call, request: pb._PublishRequest) -> common_pb2._Empty:
    cache, caller = admitted(call, cache=request.cache_name, topic=request.topic)
    kind = request.value.WhichOneof("kind")
    if kind is None:
        raise InvalidArgument("value", "set text or binary")
    value = request.value.text if kind == "text" else request.value.binary
    call.state.topics.publish(cache, request.topic, value, caller.token_id)
    return EMPTY


async def subscribe(call: Call, request: pb._SubscriptionRequest) -> AsyncIterator[pb._SubscriptionItem]:
    cache, _ = admitted(call, cache=request.cache_name, topic=request.topic)
    subscription = call.state.topics.subscribe(
        cache, request.topic, request.resume_at_topic_sequence_number, request.sequence_page
    )
    woken = asyncio.Event()
    subscription.waker = _waker(asyncio.get_running_loop(), woken)
    beat = call.state.settings.heartbeat_seconds
    try:
        yield HEARTBEAT
        while True:
            woken.clear()  # before taking: anything published from now on wakes the wait below
            deliveries = subscription.take()
            for delivery in deliveries:
                yield _item(delivery)
            if subscription.ended is not None:
                raise subscription.ended
            if deliveries:
                continue
            try:
                async with asyncio.timeout(beat):
                    await woken.wait()
            except TimeoutError:
                yield HEARTBEAT
    finally:
        subscription.close()


def _item(delivery: Delivery) -> pb._SubscriptionItem:
    if isinstance(delivery, Discontinuity):
        gap = pb._Discontinuity(
            last_topic_sequence=delivery.last_sequence,
            new_topic_sequence=delivery.new_sequence,
            new_sequence_page=delivery.page,
        )
        return pb._SubscriptionItem(discontinuity=gap)
    value = delivery.value
    item = pb._TopicItem(
        topic_sequence_number=delivery.sequence,
        value=pb._TopicValue(text=value) if isinstance(value, str) else pb._TopicValue(binary=value),
        publisher_id=delivery.publisher_id,
        sequence_page=delivery.page,
    )
    return pb._SubscriptionItem(item=item)


def _waker(loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> Callable[[], None]:
    """Sets ``event`` on ``loop`` from any thread (tests may publish through the core from their own)."""

    def wake() -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: the subscription went with it
            loop.call_soon_threadsafe(event.set)

    return wake
