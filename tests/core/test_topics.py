"""Topics in the core: numbering, replay on resume, discontinuities, wake-ups, limits, endings."""

from __future__ import annotations

import pytest

from emulator.core.caches import Caches
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument, LimitExceeded, NotFound, Unavailable
from emulator.core.topics import SUBSCRIPTIONS_LIMIT, Discontinuity, TopicMessage, Topics
from tests.builders import START


def with_caches(history: int, max_subscriptions: int) -> Topics:
    """Topics over caches ``c``, ``d`` and ``other``."""
    caches = Caches(Settings())
    for name in ("c", "d", "other"):
        caches.create(name)
    return Topics(caches, history=history, max_subscriptions=max_subscriptions)


@pytest.fixture
def topics() -> Topics:
    return with_caches(history=3, max_subscriptions=2)


def sequences(deliveries: list[object]) -> list[int]:
    return [d.sequence for d in deliveries if isinstance(d, TopicMessage)]


def publish(topics: Topics, count: int, topic: str = "t") -> None:
    for index in range(count):
        topics.publish("c", topic, f"m{index}")


def test_publish_numbers_each_topic_from_one_and_keeps_value_and_publisher(topics: Topics) -> None:
    first = topics.publish("c", "t", "hello", publisher_id="tok")
    second = topics.publish("c", "t", b"\x00\xff")
    other = topics.publish("c", "u", "x")
    assert (first.sequence, first.value, first.publisher_id) == (1, "hello", "tok")
    assert (second.sequence, second.value, second.publisher_id) == (2, b"\x00\xff", "")
    assert other.sequence == 1
    assert first.page == second.page > 0


def test_topics_live_in_existing_caches_only(topics: Topics) -> None:
    with pytest.raises(NotFound, match="'nope' does not exist"):
        topics.publish("nope", "t", "x")
    with pytest.raises(NotFound, match="'nope' does not exist"):
        topics.subscribe("nope", "t")
    assert topics.summary() == [] and topics.subscription_count() == 0


def test_same_topic_name_in_another_cache_is_another_topic(topics: Topics) -> None:
    topics.publish("c", "t", "a")
    assert topics.publish("d", "t", "b").sequence == 1


def test_a_fresh_subscription_sees_only_what_is_published_after_it(topics: Topics) -> None:
    publish(topics, 2)
    subscription = topics.subscribe("c", "t")
    assert subscription.take() == []
    topics.publish("c", "t", "new")
    taken = subscription.take()
    assert [(m.sequence, m.value) for m in taken if isinstance(m, TopicMessage)] == [(3, "new")]
    assert subscription.take() == []


def test_every_subscriber_receives_every_message_in_order(topics: Topics) -> None:
    first, second = topics.subscribe("c", "t"), topics.subscribe("c", "t")
    publish(topics, 3)
    assert sequences(first.take()) == sequences(second.take()) == [1, 2, 3]


def test_resume_within_history_replays_without_discontinuity(topics: Topics) -> None:
    publish(topics, 3)
    assert sequences(topics.subscribe("c", "t", resume_at=2).take()) == [2, 3]


def test_resume_at_the_oldest_message_held_replays_it_without_discontinuity(topics: Topics) -> None:
    publish(topics, 5)  # history 3 holds 3, 4, 5
    taken = topics.subscribe("c", "t", resume_at=3).take()
    assert [type(d) for d in taken] == [TopicMessage] * 3
    assert sequences(taken) == [3, 4, 5]


def test_resume_at_the_next_number_waits_for_it(topics: Topics) -> None:
    publish(topics, 3)
    subscription = topics.subscribe("c", "t", resume_at=4)
    assert subscription.take() == []
    topics.publish("c", "t", "x")
    assert sequences(subscription.take()) == [4]


def test_resume_before_history_starts_with_a_discontinuity_then_replays_what_is_held(topics: Topics) -> None:
    publish(topics, 5)  # history 3 holds 3, 4, 5
    taken = topics.subscribe("c", "t", resume_at=1).take()
    page = topics.summary()[0].page
    assert taken[0] == Discontinuity(last_sequence=0, new_sequence=2, page=page)
    assert sequences(taken) == [3, 4, 5]


def test_resume_ahead_of_the_topic_is_a_discontinuity_then_live(topics: Topics) -> None:
    publish(topics, 2)
    subscription = topics.subscribe("c", "t", resume_at=9)
    page = topics.summary()[0].page
    assert subscription.take() == [Discontinuity(last_sequence=8, new_sequence=2, page=page)]
    topics.publish("c", "t", "x")
    assert sequences(subscription.take()) == [3]


def test_resume_with_another_page_is_a_discontinuity_even_when_numbers_line_up(topics: Topics) -> None:
    publish(topics, 3)
    page = topics.summary()[0].page
    taken = topics.subscribe("c", "t", resume_at=3, page=page + 1).take()
    assert taken[0] == Discontinuity(last_sequence=2, new_sequence=0, page=page)
    assert sequences(taken) == [1, 2, 3]


def test_resume_with_the_current_page_replays(topics: Topics) -> None:
    publish(topics, 3)
    page = topics.summary()[0].page
    assert sequences(topics.subscribe("c", "t", resume_at=3, page=page).take()) == [3]


def test_with_no_history_any_resume_is_a_discontinuity() -> None:
    topics = with_caches(history=0, max_subscriptions=5)
    publish(topics, 2)
    taken = topics.subscribe("c", "t", resume_at=1).take()
    assert [type(d) for d in taken] == [Discontinuity]
    assert (taken[0].last_sequence, taken[0].new_sequence) == (0, 2)


def test_a_subscriber_that_falls_behind_history_is_told_of_the_gap(topics: Topics) -> None:
    subscription = topics.subscribe("c", "t")
    publish(topics, 5)
    taken = subscription.take()
    assert taken[0] == Discontinuity(last_sequence=0, new_sequence=2, page=taken[1].page)  # type: ignore[union-attr]
    assert sequences(taken) == [3, 4, 5]


def test_publish_wakes_each_subscriber_of_that_topic_only(topics: Topics) -> None:
    woken: list[str] = []
    here, elsewhere = topics.subscribe("c", "t"), topics.subscribe("c", "u")
    here.waker = lambda: woken.append("t")
    elsewhere.waker = lambda: woken.append("u")
    topics.publish("c", "t", "x")
    assert woken == ["t"]


def test_closing_stops_counting_and_waking_and_is_idempotent(topics: Topics) -> None:
    woken: list[int] = []
    subscription = topics.subscribe("c", "t")
    subscription.waker = lambda: woken.append(1)
    assert topics.subscription_count("c") == 1 and subscription.closed is False
    subscription.close()
    subscription.close()
    assert subscription.closed is True
    topics.publish("c", "t", "x")
    assert (topics.subscription_count("c"), topics.subscription_count(), woken) == (0, 0, [])
    assert subscription.take() == []
    assert topics.summary()[0].subscriptions == 0


def test_subscriptions_per_cache_are_limited_and_freed_by_close(topics: Topics) -> None:
    first = topics.subscribe("c", "t")
    topics.subscribe("c", "u")
    with pytest.raises(LimitExceeded) as refused:
        topics.subscribe("c", "v")
    assert refused.value.limit == SUBSCRIPTIONS_LIMIT
    assert "'c'" in refused.value.message
    topics.subscribe("other", "t")  # the limit is per cache
    first.close()
    topics.subscribe("c", "v")
    assert topics.subscription_count("c") == 2 and topics.subscription_count() == 3


def test_dropping_a_cache_ends_its_subscriptions_and_forgets_its_topics(topics: Topics) -> None:
    woken: list[int] = []
    doomed, kept = topics.subscribe("c", "t"), topics.subscribe("d", "t")
    publish(topics, 2)
    doomed.waker = lambda: woken.append(1)
    reason = NotFound("cache: 'c' was deleted")
    topics.drop_cache("c", reason)
    assert doomed.ended is reason and doomed.closed and woken == [1]
    assert kept.ended is None and not kept.closed
    assert [(i.cache, i.topic) for i in topics.summary()] == [("d", "t")]
    assert topics.publish("c", "t", "again").sequence == 1  # a new incarnation, numbered afresh


def test_ending_subscriptions_keeps_the_topics(topics: Topics) -> None:
    subscription = topics.subscribe("c", "t")
    publish(topics, 2)
    reason = Unavailable("stopping")
    topics.end_subscriptions(reason)
    assert subscription.ended is reason and topics.subscription_count() == 0
    assert topics.summary()[0].last_sequence == 2


def test_ending_all_forgets_every_topic(topics: Topics) -> None:
    subscription = topics.subscribe("c", "t")
    publish(topics, 2)
    topics.publish("d", "u", "x")
    reason = Unavailable("reset")
    topics.end_all(reason)
    assert subscription.ended is reason and topics.summary() == []
    assert topics.publish("c", "t", "again").sequence == 1


def test_a_page_is_the_wall_clock_millisecond_and_grows_when_the_wall_clock_stands_still(
    topics: Topics, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("emulator.core.topics.wall_time", lambda: 1_800_000_000.5)
    pages = [topics.publish("c", name, "x").page for name in ("t", "u", "v")]
    assert pages == [1_800_000_000_500, 1_800_000_000_501, 1_800_000_000_502]


def test_a_topic_recreated_gets_a_new_page(topics: Topics) -> None:
    before = topics.publish("c", "t", "x").page
    topics.drop_cache("c", NotFound("gone"))
    assert topics.publish("c", "t", "x").page > before


def test_summary_reports_numbers_history_and_subscribers(topics: Topics) -> None:
    topics.subscribe("c", "t")
    publish(topics, 5)
    (info,) = topics.summary()
    assert (info.cache, info.topic, info.last_sequence, info.retained, info.subscriptions) == ("c", "t", 5, 3, 1)


@pytest.mark.parametrize(
    ("cache", "topic", "field"), [("", "t", "cache_name"), ("c", "", "topic")], ids=["no-cache", "no-topic"]
)
def test_empty_names_are_refused_naming_the_field(topics: Topics, cache: str, topic: str, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        topics.publish(cache, topic, "x")
    assert refused.value.message == f"{field}: must not be empty"
    with pytest.raises(InvalidArgument) as refused:
        topics.subscribe(cache, topic)
    assert refused.value.message == f"{field}: must not be empty"


@pytest.mark.parametrize(
    ("resume_at", "page", "field"), [(-1, 0, "resume_at_topic_sequence_number"), (1, -1, "sequence_page")]
)
def test_a_negative_resume_point_is_refused_naming_its_field(
    topics: Topics, resume_at: int, page: int, field: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        topics.subscribe("c", "t", resume_at=resume_at, page=page)
    assert refused.value.message == f"{field}: must not be negative"
    assert topics.subscription_count() == 0


def test_reset_ends_open_subscriptions_and_starts_without_topics() -> None:
    emulator = Emulator(Settings(start_time=START))
    emulator.state.caches.create("c")
    subscription = emulator.state.topics.subscribe("c", "t")
    emulator.state.topics.publish("c", "t", "x")
    emulator.reset()
    assert isinstance(subscription.ended, Unavailable) and subscription.closed
    assert subscription.ended.message == "subscription: the emulator was reset; subscribe again"
    assert emulator.state.topics.summary() == []


def test_an_import_ends_open_subscriptions_and_topics_are_not_exported() -> None:
    emulator = Emulator(Settings(start_time=START))
    emulator.state.caches.create("c")
    subscription = emulator.state.topics.subscribe("c", "t")
    emulator.state.topics.publish("c", "t", "x")
    document = emulator.export()
    assert "topic" not in str(document)
    emulator.load(document)
    assert isinstance(subscription.ended, Unavailable)
    assert subscription.ended.message == (
        "subscription: the emulator's state was replaced by an import; subscribe again"
    )
    assert emulator.state.topics.summary() == []


def test_deleting_a_cache_ends_its_subscriptions_with_not_found_and_forgets_its_topics() -> None:
    state = Emulator(Settings(start_time=START)).state
    state.caches.create("c")
    subscription = state.topics.subscribe("c", "t")
    state.topics.publish("c", "t", "x")
    state.caches.delete("c")
    assert isinstance(subscription.ended, NotFound) and "'c' was deleted" in subscription.ended.message
    assert state.topics.summary() == [] and state.topics.subscription_count() == 0


def test_settings_carry_the_topic_limits() -> None:
    state = Emulator(Settings(topic_history=7, max_subscriptions_per_cache=1)).state
    assert (state.topics.history, state.topics.max_subscriptions) == (7, 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("topic_history", -1),
        ("max_subscriptions_per_cache", 0),
        ("heartbeat_seconds", 0),
        ("heartbeat_seconds", float("nan")),
        ("heartbeat_seconds", True),
    ],
)
def test_settings_refuse_topic_values_out_of_range(field: str, value: object) -> None:
    with pytest.raises(InvalidArgument, match=f"^{field}:"):
        Settings(**{field: value})  # type: ignore[arg-type]
