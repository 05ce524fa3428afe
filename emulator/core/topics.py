"""Topics: per-(cache, topic) numbered messages, and the subscriptions that read them.

A topic needs no creation: it exists from its first publish or subscribe, inside an existing
cache (a missing one is ``NotFound``; deleting a cache forgets its topics). Each topic numbers
its messages from 1 and keeps the newest ``history`` of them, so that a subscriber resuming at
a sequence number can be replayed what it missed. The rules below are **(our rule)**; Momento
documents only their outline:

* ``resume_at`` 0 starts with the next message published. A ``resume_at`` the topic still holds
  replays from there. One it no longer holds (too old, from another incarnation of the topic, or
  ahead of it) first yields a :class:`Discontinuity` whose ``new_sequence`` is the number *after
  which* messages resume, then replays what is held (or, when ahead, waits for the next).
* A subscriber that falls more than ``history`` messages behind gets the same kind of discontinuity.
* Every incarnation of a topic has its own ``page`` (``sequence_page`` on the wire); a subscriber
  resuming with another page is told of the gap even when the numbers would line up.
* A cache holds at most ``max_subscriptions`` open subscriptions; one more is :class:`LimitExceeded`.
* Topics are not part of exports; reset ends every subscription and forgets every topic.

Nothing here waits: a subscription's ``waker`` is called (outside the lock) whenever it has
something new to :meth:`Subscription.take`, and the service layer turns that into an await.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from emulator.core.caches import Caches
from emulator.core.clock import wall_time
from emulator.core.errors import EmulatorError, InvalidArgument, LimitExceeded

SUBSCRIPTIONS_LIMIT = "topic_subscriptions_limit_exceeded"  # the reason SDKs show as a limit message

Waker = Callable[[], None]


@dataclass(frozen=True, slots=True)
class TopicMessage:
    """One published value: ``str`` for text, ``bytes`` for binary."""

    sequence: int
    page: int
    value: str | bytes
    publisher_id: str


@dataclass(frozen=True, slots=True)
class Discontinuity:
    """Messages after ``last_sequence`` up to and including ``new_sequence`` will not be delivered."""

    last_sequence: int
    new_sequence: int
    page: int


Delivery = TopicMessage | Discontinuity


@dataclass(frozen=True, slots=True)
class TopicInfo:
    """What :meth:`Topics.summary` reports about one topic."""

    cache: str
    topic: str
    page: int
    last_sequence: int
    retained: int
    subscriptions: int


class _Topic:
    __slots__ = ("page", "messages", "next_sequence", "subscriptions")

    def __init__(self, page: int, history: int) -> None:
        self.page = page
        self.messages: deque[TopicMessage] = deque(maxlen=history)
        self.next_sequence = 1
        self.subscriptions: set[Subscription] = set()

    @property
    def oldest(self) -> int:
        """The number of the oldest message held (``next_sequence`` when none is)."""
        return self.messages[0].sequence if self.messages else self.next_sequence


class Subscription:
    """An open subscription: a cursor into one topic. Read it with :meth:`take`; end it with :meth:`close`."""

    def __init__(self, topics: Topics, cache: str, topic: str, cursor: int, first: list[Delivery]) -> None:
        self.cache = cache
        self.topic = topic
        self._topics = topics
        self._cursor = cursor  # the next sequence number to deliver
        self._pending = first
        self.waker: Waker | None = None
        self.ended: EmulatorError | None = None  # why the emulator ended it, if it did
        self.closed = False

    def take(self) -> list[Delivery]:
        """Everything new since the last call, oldest first; an empty list when there is nothing."""
        with self._topics._lock:
            out, self._pending = self._pending, []
            topic = self._topics._topics.get((self.cache, self.topic))
            if topic is None or self.closed:
                return out
            oldest = topic.oldest
            if self._cursor < oldest:  # fell behind what the topic holds
                out.append(Discontinuity(self._cursor - 1, oldest - 1, topic.page))
                self._cursor = oldest
            if self._cursor < topic.next_sequence:
                out.extend(itertools.islice(topic.messages, self._cursor - oldest, None))
                self._cursor = topic.next_sequence
            return out

    def close(self) -> None:
        """Stop counting this subscription; closing twice is harmless."""
        self._topics._remove(self)


class Topics:
    """Every topic of one emulator state; thread-safe."""

    def __init__(self, caches: Caches, history: int, max_subscriptions: int) -> None:
        self.history = history
        self.max_subscriptions = max_subscriptions
        self._caches = caches
        self._lock = threading.Lock()
        self._topics: dict[tuple[str, str], _Topic] = {}
        self._per_cache: dict[str, int] = {}
        self._last_page = 0

    def publish(self, cache: str, topic: str, value: str | bytes, publisher_id: str = "") -> TopicMessage:
        """Append ``value`` to the topic and wake its subscribers; returns the numbered message."""
        _check_names(cache, topic)
        with self._caches.lock, self._lock:  # the cache cannot go between its check and the publish
            self._caches.cache(cache)
            record = self._topic(cache, topic)
            message = TopicMessage(record.next_sequence, record.page, value, publisher_id)
            record.messages.append(message)
            record.next_sequence += 1
            wakers = [s.waker for s in record.subscriptions if s.waker is not None]
        for wake in wakers:
            wake()
        return message

    def subscribe(self, cache: str, topic: str, resume_at: int = 0, page: int = 0) -> Subscription:
        """Open a subscription; see the module docstring for ``resume_at`` and ``page``."""
        _check_names(cache, topic)
        for field, number in (("resume_at_topic_sequence_number", resume_at), ("sequence_page", page)):
            if number < 0:
                raise InvalidArgument(field, "must not be negative")
        with self._caches.lock, self._lock:
            self._caches.cache(cache)
            count = self._per_cache.get(cache, 0)
            if count >= self.max_subscriptions:
                raise LimitExceeded(
                    f"cache {cache!r} already has {count} open subscriptions, the emulator's limit per cache",
                    SUBSCRIPTIONS_LIMIT,
                )
            record = self._topic(cache, topic)
            cursor, first = _start(record, resume_at, page)
            subscription = Subscription(self, cache, topic, cursor, first)
            record.subscriptions.add(subscription)
            self._per_cache[cache] = count + 1
            return subscription

    def subscription_count(self, cache: str | None = None) -> int:
        """Open subscriptions in ``cache``, or in every cache."""
        with self._lock:
            return self._per_cache.get(cache, 0) if cache is not None else sum(self._per_cache.values())

    def summary(self) -> list[TopicInfo]:
        """Every topic this state holds, by cache then topic name."""
        with self._lock:
            return [
                TopicInfo(c, t, r.page, r.next_sequence - 1, len(r.messages), len(r.subscriptions))
                for (c, t), r in sorted(self._topics.items())
            ]

    def drop_cache(self, cache: str, reason: EmulatorError) -> None:
        """Forget the topics of ``cache`` and end their subscriptions with ``reason``."""
        self._end(lambda key: key[0] == cache, reason, forget=True)

    def end_all(self, reason: EmulatorError) -> None:
        """Forget every topic and end every subscription with ``reason`` (reset, import)."""
        self._end(lambda key: True, reason, forget=True)

    def end_subscriptions(self, reason: EmulatorError) -> None:
        """End every subscription with ``reason`` but keep the topics (a server stopping)."""
        self._end(lambda key: True, reason, forget=False)

    # --- internals --------------------------------------------------------------------------

    def _topic(self, cache: str, topic: str) -> _Topic:
        record = self._topics.get((cache, topic))
        if record is None:
            # Pages follow wall milliseconds, so a topic recreated after a reset never reuses one.
            self._last_page = max(self._last_page + 1, int(wall_time() * 1000))
            record = self._topics[cache, topic] = _Topic(self._last_page, self.history)
        return record

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription.closed:
                return
            subscription.closed = True
            record = self._topics.get((subscription.cache, subscription.topic))
            if record is not None:
                record.subscriptions.discard(subscription)
            left = self._per_cache[subscription.cache] - 1  # counted when it opened, and only once closed
            if left:
                self._per_cache[subscription.cache] = left
            else:
                del self._per_cache[subscription.cache]

    def _end(self, selected: Callable[[tuple[str, str]], bool], reason: EmulatorError, *, forget: bool) -> None:
        with self._lock:
            ended: list[Subscription] = []
            for key in [k for k in self._topics if selected(k)]:
                ended.extend(self._topics.pop(key).subscriptions if forget else self._topics[key].subscriptions)
            for subscription in ended:
                subscription.ended = reason
        for subscription in ended:
            subscription.close()
            if subscription.waker is not None:
                subscription.waker()


def _start(topic: _Topic, resume_at: int, page: int) -> tuple[int, list[Delivery]]:
    """Where a new subscription's cursor starts, and the discontinuity it is told of first, if any."""
    latest = topic.next_sequence - 1
    if resume_at == 0:
        return topic.next_sequence, []
    oldest = topic.oldest
    same_page = page in (0, topic.page)
    if same_page and oldest <= resume_at <= topic.next_sequence:
        return resume_at, []
    if resume_at > topic.next_sequence and same_page:
        return topic.next_sequence, [Discontinuity(resume_at - 1, latest, topic.page)]
    return oldest, [Discontinuity(resume_at - 1, oldest - 1, topic.page)]


def _check_names(cache: str, topic: str) -> None:
    if not cache:
        raise InvalidArgument("cache_name", "must not be empty")
    if not topic:
        raise InvalidArgument("topic", "must not be empty")
