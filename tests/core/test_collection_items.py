"""Collection items in the caches: misses, types, empty collections, CollectionTtl on the emulator clock."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from emulator.core.caches import ItemType
from emulator.core.collection_items import CollectionItems
from emulator.core.collections import Aggregate, CollectionTtl, ScoreBound
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import FailedPrecondition, InvalidArgument, LimitExceeded, NotFound
from emulator.core.state import State
from tests.builders import START

MINUTE = CollectionTtl(60_000)
MINUTE_NO_REFRESH = CollectionTtl(60_000, refresh=False)


@pytest.fixture
def state() -> State:
    state = State(Settings(start_time=START, endpoint="emulator.test", seed="s")).bootstrap()
    state.caches.create("c")
    return state


def remaining_ms(state: State, key: bytes) -> int | None:
    return state.items.remaining_ttl_ms("c", key)


# --- misses and creation --------------------------------------------------------------------


def test_reads_of_a_missing_collection_miss(state: State) -> None:
    collections = state.collections
    assert collections.dictionary_fetch("c", b"d") is None
    assert collections.dictionary_get("c", b"d", [b"f"]) is None
    assert collections.dictionary_length("c", b"d") is None
    assert collections.list_fetch("c", b"l", None, None) is None
    assert collections.list_length("c", b"l") is None
    assert collections.set_fetch("c", b"s") is None
    assert collections.set_contains("c", b"s", [b"x"]) is None
    assert collections.set_sample("c", b"s", 3) is None
    assert collections.set_length("c", b"s") is None
    assert collections.sorted_set_fetch_by_rank("c", b"z", None, None, False) is None
    assert collections.sorted_set_fetch_by_score("c", b"z", None, None, False, 0, -1) is None
    assert collections.sorted_set_get_scores("c", b"z", [b"x"]) is None
    assert collections.sorted_set_rank("c", b"z", b"x", False) is None
    assert collections.sorted_set_length("c", b"z") is None
    assert collections.sorted_set_length_by_score("c", b"z", None, None) is None


def test_changes_to_a_missing_collection_miss_and_create_nothing(state: State) -> None:
    collections = state.collections
    assert collections.list_pop_front("c", b"l") is None
    assert collections.list_pop_back("c", b"l") is None
    assert collections.list_remove("c", b"l", b"v") is None
    assert collections.list_erase("c", b"l", None) is None
    assert collections.list_retain("c", b"l", 0, 1, MINUTE) is None
    assert collections.set_pop("c", b"s", 1) is None
    assert collections.set_difference("c", b"s", [b"x"]) is False
    collections.dictionary_delete("c", b"d", [b"f"])
    collections.sorted_set_remove("c", b"z", None)
    assert [key for key, _ in state.items.listing("c")] == []


def test_writes_create_the_collection_with_its_type(state: State) -> None:
    collections = state.collections
    collections.dictionary_set("c", b"d", [(b"f", b"v")], MINUTE)
    assert collections.list_concatenate_back("c", b"l", [b"a", b"b"], MINUTE) == 2
    collections.set_union("c", b"s", [b"x"], MINUTE)
    collections.sorted_set_put("c", b"z", [(b"x", 1.5)], MINUTE)
    types = {key: state.items.item_type("c", key) for key in (b"d", b"l", b"s", b"z")}
    assert types == {b"d": ItemType.DICTIONARY, b"l": ItemType.LIST, b"s": ItemType.SET, b"z": ItemType.SORTED_SET}
    assert collections.dictionary_fetch("c", b"d") == [(b"f", b"v")]
    assert collections.list_fetch("c", b"l", None, None) == [b"a", b"b"]


def test_a_write_of_nothing_stores_no_empty_collection(state: State) -> None:
    state.collections.dictionary_set("c", b"d", [], MINUTE)
    state.collections.set_union("c", b"s", [], MINUTE)
    assert state.collections.list_concatenate_front("c", b"l", [], MINUTE) == 0
    assert [key for key, _ in state.items.listing("c")] == []


def test_a_missing_cache_is_not_found(state: State) -> None:
    with pytest.raises(NotFound, match="cache_name"):
        state.collections.dictionary_set("nope", b"d", [(b"f", b"v")], MINUTE)


EMPTY_NAMES: list[tuple[Callable[[CollectionItems], object], str]] = [
    (lambda c: c.list_length("c", b""), "list_name: must not be empty"),  # a read
    (lambda c: c.dictionary_set("c", b"", [(b"f", b"v")], MINUTE), "dictionary_name: must not be empty"),  # a write
    (lambda c: c.set_pop("c", b"", 1), "set_name: must not be empty"),  # a change
    (lambda c: c.sorted_set_union_store("c", b"", [(b"z", 1.0)], Aggregate.SUM, 1_000), "set_name: must not be empty"),
]


@pytest.mark.parametrize(("call", "message"), EMPTY_NAMES)
def test_an_empty_collection_name_is_refused_naming_its_field(
    state: State, call: Callable[[CollectionItems], object], message: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        call(state.collections)
    assert refused.value.message == message


TTL_TAKERS: list[Callable[[CollectionItems, int], object]] = [
    lambda c, ttl_ms: c.set_union("c", b"s", [b"x"], CollectionTtl(ttl_ms)),  # a write
    lambda c, ttl_ms: c.list_retain("c", b"l", 0, 1, CollectionTtl(ttl_ms)),  # a change
    lambda c, ttl_ms: c.sorted_set_union_store("c", b"z", [(b"z", 1.0)], Aggregate.SUM, ttl_ms),
]


@pytest.mark.parametrize("ttl_ms", [0, -1])
@pytest.mark.parametrize("call", TTL_TAKERS)
def test_a_ttl_must_be_positive(state: State, call: Callable[[CollectionItems, int], object], ttl_ms: int) -> None:
    with pytest.raises(InvalidArgument) as refused:
        call(state.collections, ttl_ms)
    assert refused.value.message == f"ttl_milliseconds: {ttl_ms} ms; a TTL must be greater than 0"


def test_a_ttl_above_the_ceiling_exceeds_a_limit(state: State) -> None:
    with pytest.raises(LimitExceeded) as caught:
        state.collections.set_union("c", b"s", [b"x"], CollectionTtl((state.settings.max_item_ttl + 1) * 1000))
    assert caught.value.limit == "ttl_limit_exceeded"


# --- types ----------------------------------------------------------------------------------


def test_a_collection_call_on_a_scalar_fails_its_precondition(state: State) -> None:
    state.items.set("c", b"k", b"scalar", 60_000)
    with pytest.raises(FailedPrecondition, match="^list_name: the item 'k' is a scalar, not a list"):
        state.collections.list_concatenate_back("c", b"k", [b"v"], MINUTE)
    with pytest.raises(FailedPrecondition):
        state.collections.dictionary_fetch("c", b"k")
    assert state.items.get("c", b"k") == b"scalar"


def test_a_call_for_another_collection_type_fails_and_changes_nothing(state: State) -> None:
    state.collections.set_union("c", b"s", [b"x"], MINUTE)
    with pytest.raises(FailedPrecondition, match="is a set, not a sorted-set"):
        state.collections.sorted_set_put("c", b"s", [(b"x", 1.0)], MINUTE)
    with pytest.raises(FailedPrecondition, match="is a set, not a dictionary"):
        state.collections.dictionary_delete("c", b"s", None)
    assert state.collections.set_fetch("c", b"s") == [b"x"]


def test_a_scalar_read_of_a_collection_fails_its_precondition(state: State) -> None:
    state.collections.list_concatenate_back("c", b"l", [b"v"], MINUTE)
    with pytest.raises(FailedPrecondition, match="not a scalar"):
        state.items.get("c", b"l")


# --- empty collections are removed ----------------------------------------------------------


def test_removing_the_last_field_removes_the_dictionary(state: State) -> None:
    state.collections.dictionary_set("c", b"d", [(b"a", b"1"), (b"b", b"2")], MINUTE)
    state.collections.dictionary_delete("c", b"d", [b"a"])
    assert state.collections.dictionary_length("c", b"d") == 1
    state.collections.dictionary_delete("c", b"d", [b"b"])
    assert state.collections.dictionary_fetch("c", b"d") is None
    assert state.items.item_type("c", b"d") is None


def test_deleting_all_of_a_collection_removes_it(state: State) -> None:
    state.collections.dictionary_set("c", b"d", [(b"a", b"1")], MINUTE)
    state.collections.dictionary_delete("c", b"d", None)
    state.collections.sorted_set_put("c", b"z", [(b"a", 1.0)], MINUTE)
    state.collections.sorted_set_remove("c", b"z", None)
    state.collections.list_concatenate_back("c", b"l", [b"a"], MINUTE)
    assert state.collections.list_erase("c", b"l", None) == 0
    state.collections.set_union("c", b"s", [b"a"], MINUTE)
    assert state.collections.set_difference("c", b"s", None) is True
    assert [key for key, _ in state.items.listing("c")] == []


def test_popping_the_last_value_removes_the_list(state: State) -> None:
    state.collections.list_concatenate_back("c", b"l", [b"one", b"two"], MINUTE)
    assert state.collections.list_pop_front("c", b"l") == (b"one", 1)
    assert state.collections.list_pop_back("c", b"l") == (b"two", 0)
    assert state.collections.list_length("c", b"l") is None


def test_retaining_nothing_and_popping_everything_remove_their_collections(state: State) -> None:
    state.collections.list_concatenate_back("c", b"l", [b"a", b"b"], MINUTE)
    assert state.collections.list_retain("c", b"l", 5, None, MINUTE) == 0
    assert state.collections.list_fetch("c", b"l", None, None) is None
    state.collections.set_union("c", b"s", [b"a", b"b"], MINUTE)
    assert sorted(state.collections.set_pop("c", b"s", 10) or []) == [b"a", b"b"]
    assert state.collections.set_length("c", b"s") is None


def test_a_failed_increment_on_a_new_dictionary_stores_nothing(state: State) -> None:
    state.collections.dictionary_set("c", b"d", [(b"f", b"text")], MINUTE)
    with pytest.raises(FailedPrecondition, match="^field: failed to parse value into long"):
        state.collections.dictionary_increment("c", b"d", b"f", 1, MINUTE)
    assert state.collections.dictionary_increment("c", b"d", b"n", 5, MINUTE) == 5
    assert state.collections.dictionary_get("c", b"d", [b"f", b"n"]) == [b"text", b"5"]


# --- CollectionTtl on the emulator clock ----------------------------------------------------


def test_a_collection_expires_on_the_emulator_clock(state: State) -> None:
    state.collections.set_union("c", b"s", [b"x"], CollectionTtl(1_000))
    state.clock.advance(0.999)
    assert state.collections.set_fetch("c", b"s") == [b"x"]
    state.clock.advance(0.001)
    assert state.collections.set_fetch("c", b"s") is None


def test_a_refreshing_write_restarts_the_ttl(state: State) -> None:
    state.collections.list_concatenate_back("c", b"l", [b"1"], MINUTE)
    state.clock.advance(40)
    state.collections.list_concatenate_back("c", b"l", [b"2"], MINUTE)
    assert remaining_ms(state, b"l") == 60_000
    state.clock.advance(40)
    assert state.collections.list_fetch("c", b"l", None, None) == [b"1", b"2"]


def test_a_non_refreshing_write_keeps_the_expiry(state: State) -> None:
    state.collections.dictionary_set("c", b"d", [(b"a", b"1")], MINUTE_NO_REFRESH)
    state.clock.advance(40)
    state.collections.dictionary_set("c", b"d", [(b"b", b"2")], CollectionTtl(600_000, refresh=False))
    assert remaining_ms(state, b"d") == 20_000
    state.clock.advance(20)
    assert state.collections.dictionary_fetch("c", b"d") is None


def test_a_non_refreshing_write_to_a_missing_collection_sets_its_ttl(state: State) -> None:
    state.collections.sorted_set_increment("c", b"z", b"x", 1.0, CollectionTtl(5_000, refresh=False))
    assert remaining_ms(state, b"z") == 5_000


def test_an_expired_collection_is_created_afresh_by_the_next_write(state: State) -> None:
    state.collections.dictionary_set("c", b"d", [(b"old", b"1")], CollectionTtl(1_000))
    state.clock.advance(2)
    state.collections.dictionary_set("c", b"d", [(b"new", b"2")], MINUTE_NO_REFRESH)
    assert state.collections.dictionary_fetch("c", b"d") == [(b"new", b"2")]
    assert remaining_ms(state, b"d") == 60_000


def test_removals_and_pops_leave_the_ttl_alone(state: State) -> None:
    state.collections.list_concatenate_back("c", b"l", [b"1", b"2", b"3"], MINUTE)
    state.clock.advance(30)
    state.collections.list_pop_front("c", b"l")
    state.collections.list_remove("c", b"l", b"2")
    assert remaining_ms(state, b"l") == 30_000


def test_list_retain_applies_its_collection_ttl(state: State) -> None:
    state.collections.list_concatenate_back("c", b"l", [b"1", b"2", b"3"], MINUTE)
    state.clock.advance(30)
    assert state.collections.list_retain("c", b"l", 1, None, CollectionTtl(10_000, refresh=False)) == 2
    assert remaining_ms(state, b"l") == 30_000
    assert state.collections.list_retain("c", b"l", None, None, CollectionTtl(10_000)) == 2
    assert remaining_ms(state, b"l") == 10_000


# --- each operation's arguments reach the stored collection ----------------------------------


def test_reads_through_the_store_answer_from_the_stored_collection(state: State) -> None:
    c = state.collections
    c.list_concatenate_back("c", b"l", [b"a", b"b", b"c", b"d"], MINUTE)
    c.set_union("c", b"s", [b"x", b"y"], MINUTE)
    c.sorted_set_put("c", b"z", [(b"one", 1.0), (b"two", 2.0), (b"three", 3.0), (b"four", 4.0), (b"five", 5.0)], MINUTE)
    assert c.list_fetch("c", b"l", 1, 3) == [b"b", b"c"]
    assert c.list_length("c", b"l") == 4
    assert c.set_contains("c", b"s", [b"y", b"q"]) == [True, False]
    assert c.set_length("c", b"s") == 2
    assert sorted(c.set_sample("c", b"s", 5) or []) == [b"x", b"y"]
    assert c.sorted_set_fetch_by_rank("c", b"z", 1, 3, True) == [(b"four", 4.0), (b"three", 3.0)]
    two_to_four = (ScoreBound(2.0), ScoreBound(4.0, exclusive=True))
    assert c.sorted_set_fetch_by_score("c", b"z", *two_to_four, True, 0, -1) == [(b"three", 3.0), (b"two", 2.0)]
    assert c.sorted_set_length_by_score("c", b"z", ScoreBound(2.0), ScoreBound(3.0)) == 2


def test_list_changes_through_the_store_apply_their_arguments(state: State) -> None:
    c = state.collections
    c.list_concatenate_back("c", b"l", [b"1", b"2", b"3"], MINUTE)
    assert c.list_concatenate_back("c", b"l", [b"4"], MINUTE, truncate_front_to=2) == 2  # 3 4
    assert c.list_concatenate_front("c", b"l", [b"0"], MINUTE) == 3  # no truncation unless asked: 0 3 4
    assert c.list_concatenate_front("c", b"l", [b"x", b"y"], MINUTE, truncate_back_to=4) == 4
    assert c.list_fetch("c", b"l", None, None) == [b"x", b"y", b"0", b"3"]
    assert c.list_retain("c", b"l", 1, 3, MINUTE) == 2
    assert c.list_fetch("c", b"l", None, None) == [b"y", b"0"]
    c.list_concatenate_back("c", b"m", [b"a", b"b", b"a", b"c"], MINUTE)
    assert c.list_remove("c", b"m", b"a") == 2
    assert c.list_erase("c", b"m", [(0, 1)]) == 1
    assert c.list_fetch("c", b"m", None, None) == [b"c"]


def test_set_and_sorted_set_removals_through_the_store_remove_what_they_name(state: State) -> None:
    c = state.collections
    c.set_union("c", b"s", [b"a", b"b", b"c"], MINUTE)
    assert c.set_difference("c", b"s", [b"a"]) is True  # stored minus given
    assert c.set_fetch("c", b"s") == [b"b", b"c"]
    assert c.set_difference("c", b"s", [b"c", b"d"], minuend=True) is True  # given minus stored
    assert c.set_fetch("c", b"s") == [b"d"]
    c.sorted_set_put("c", b"z", [(b"a", 1.0), (b"b", 2.0)], MINUTE)
    c.sorted_set_remove("c", b"z", [b"a"])
    assert c.sorted_set_fetch_by_rank("c", b"z", None, None, False) == [(b"b", 2.0)]


# --- sets and sorted sets through the store -------------------------------------------------


def test_sampling_and_popping_are_reproducible_with_a_seed() -> None:
    def run() -> tuple[list[bytes] | None, list[bytes] | None]:
        state = State(Settings(start_time=START, seed="fixed")).bootstrap()
        state.caches.create("c")
        state.collections.set_union("c", b"s", [str(i).encode() for i in range(30)], MINUTE)
        return state.collections.set_sample("c", b"s", 4), state.collections.set_pop("c", b"s", 4)

    assert run() == run()


def test_sorted_set_rank_misses_a_missing_value(state: State) -> None:
    state.collections.sorted_set_put("c", b"z", [(b"a", 1.0), (b"b", 2.0)], MINUTE)
    assert state.collections.sorted_set_rank("c", b"z", b"b", False) == 1
    assert state.collections.sorted_set_rank("c", b"z", b"b", True) == 0
    assert state.collections.sorted_set_rank("c", b"z", b"nope", False) is None


def test_fetch_by_score_through_the_store(state: State) -> None:
    state.collections.sorted_set_put("c", b"z", [(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)], MINUTE)
    fetched = state.collections.sorted_set_fetch_by_score("c", b"z", ScoreBound(2.0), None, True, 0, 1)
    assert fetched == [(b"c", 3.0)]
    assert state.collections.sorted_set_length_by_score("c", b"z", None, ScoreBound(2.0, exclusive=True)) == 1


def put_union_sources(state: State) -> None:
    state.collections.sorted_set_put("c", b"one", [(b"foo", 1.0), (b"bar", 3.0)], MINUTE)
    state.collections.sorted_set_put("c", b"two", [(b"abc", 2.0), (b"bar", 2.0)], MINUTE)


def test_union_store_replaces_the_destination_and_sets_its_ttl(state: State) -> None:
    put_union_sources(state)
    state.collections.sorted_set_put("c", b"dest", [(b"stale", 9.0)], MINUTE)
    length = state.collections.sorted_set_union_store(
        "c", b"dest", [(b"one", 1.0), (b"two", 2.5), (b"missing", 7.0)], Aggregate.SUM, 5_000
    )
    assert length == 3
    assert state.collections.sorted_set_fetch_by_rank("c", b"dest", None, None, False) == [
        (b"foo", 1.0),
        (b"abc", 5.0),
        (b"bar", 8.0),
    ]
    assert remaining_ms(state, b"dest") == 5_000


def test_an_empty_union_removes_the_destination(state: State) -> None:
    state.collections.sorted_set_put("c", b"dest", [(b"stale", 9.0)], MINUTE)
    assert state.collections.sorted_set_union_store("c", b"dest", [(b"missing", 1.0)], Aggregate.SUM, 5_000) == 0
    assert state.collections.sorted_set_length("c", b"dest") is None


def test_a_union_may_include_its_destination_as_a_source(state: State) -> None:
    put_union_sources(state)
    assert state.collections.sorted_set_union_store("c", b"one", [(b"one", 2.0)], Aggregate.SUM, 5_000) == 2
    assert state.collections.sorted_set_get_scores("c", b"one", [b"foo", b"bar"]) == [2.0, 6.0]


def test_a_union_needs_sources_of_sorted_sets(state: State) -> None:
    put_union_sources(state)
    with pytest.raises(InvalidArgument) as refused:
        state.collections.sorted_set_union_store("c", b"dest", [], Aggregate.SUM, 5_000)
    assert refused.value.message == "sources: at least one source sorted set is required"
    state.collections.set_union("c", b"plain", [b"x"], MINUTE)
    with pytest.raises(FailedPrecondition, match="is a set, not a sorted-set"):
        state.collections.sorted_set_union_store("c", b"dest", [(b"one", 1.0), (b"plain", 1.0)], Aggregate.SUM, 5_000)
    with pytest.raises(FailedPrecondition, match="is a set, not a sorted-set"):
        state.collections.sorted_set_union_store("c", b"plain", [(b"one", 1.0)], Aggregate.SUM, 5_000)
    assert state.collections.sorted_set_length("c", b"dest") is None


# --- size limit -----------------------------------------------------------------------------


def test_a_write_that_could_pass_the_item_size_limit_is_refused_and_changes_nothing() -> None:
    state = State(Settings(start_time=START, max_item_bytes=20)).bootstrap()
    state.caches.create("c")
    state.collections.list_concatenate_back("c", b"l", [b"0123456789"], MINUTE)  # 1 + 10 bytes
    with pytest.raises(LimitExceeded) as caught:
        state.collections.list_concatenate_back("c", b"l", [b"0123456789"], MINUTE)
    assert caught.value.limit == "item_size_limit_exceeded"
    assert str(caught.value).startswith("list_name: the item would hold 21 bytes")
    assert state.collections.list_fetch("c", b"l", None, None) == [b"0123456789"]
    with pytest.raises(LimitExceeded):
        state.collections.dictionary_set("c", b"d", [(b"f" * 10, b"v" * 10)], MINUTE)
    assert state.collections.dictionary_fetch("c", b"d") is None
    state.collections.sorted_set_put("c", b"z", [(b"a", 1.0)], MINUTE)  # 1 + 1 + 8 bytes
    with pytest.raises(LimitExceeded):
        state.collections.sorted_set_union_store("c", b"x" * 15, [(b"z", 1.0)], Aggregate.SUM, 1_000)
    assert state.collections.sorted_set_union_store("c", b"y", [(b"z", 1.0)], Aggregate.SUM, 1_000) == 1


SIZED_WRITES: list[tuple[Callable[[CollectionItems], object], str, int]] = [
    # A counter's text is at most 20 bytes ("-9223372036854775808"); a score counts 8 bytes.
    (lambda c: c.dictionary_increment("c", b"d", b"f", 1, MINUTE), "dictionary_name", 1 + 1 + 20),
    (lambda c: c.dictionary_set("c", b"d", [(b"f", b"vv")], MINUTE), "dictionary_name", 1 + 1 + 2),
    (lambda c: c.sorted_set_put("c", b"z", [(b"a", 1.0)], MINUTE), "set_name", 1 + 1 + 8),
    (lambda c: c.sorted_set_increment("c", b"z", b"a", 1.0, MINUTE), "set_name", 1 + 1 + 8),
    (lambda c: c.set_union("c", b"s", [b"ab"], MINUTE), "set_name", 1 + 2),
    (lambda c: c.list_concatenate_front("c", b"l", [b"ab", b"c"], MINUTE), "list_name", 1 + 3),
]


@pytest.mark.parametrize(("write", "field", "size"), SIZED_WRITES)
def test_a_write_is_measured_by_its_name_and_the_most_it_can_add(
    write: Callable[[CollectionItems], object], field: str, size: int
) -> None:
    def collections(limit: int) -> CollectionItems:
        state = State(Settings(start_time=START, max_item_bytes=limit)).bootstrap()
        state.caches.create("c")
        return state.collections

    write(collections(size))  # exactly at the limit
    with pytest.raises(LimitExceeded) as caught:
        write(collections(size - 1))
    assert caught.value.message == (
        f"{field}: the item would hold {size} bytes (name and contents); at most {size - 1} allowed"
    )


def test_a_collection_whose_expiry_moved_is_reclaimed_by_a_later_write_once_expired(state: State) -> None:
    cache = state.caches.cache("c")
    state.collections.list_concatenate_back("c", b"l", [b"v"], CollectionTtl(10_000))
    state.clock.advance(5)
    state.collections.list_concatenate_back("c", b"l", [b"w"], CollectionTtl(10_000))  # now expires at 15 s
    state.clock.advance(7)
    state.items.set("c", b"k", b"v", 60_000)  # at 12 s the list's first expiry is past, and it lives on
    assert len(cache) == 2
    state.clock.advance(3)
    state.items.set("c", b"k2", b"v", 60_000)  # at 15 s it has expired: this write reclaims it
    assert len(cache) == 2
    assert state.collections.list_fetch("c", b"l", None, None) is None


# --- export and import ----------------------------------------------------------------------


def test_export_and_import_keep_every_collection_type_its_contents_and_ttl() -> None:
    emulator = Emulator(Settings(start_time=START))
    collections = emulator.state.collections
    emulator.state.caches.create("c")
    collections.dictionary_set("c", b"d", [(b"\x00f", b"\xffv")], MINUTE)
    collections.list_concatenate_back("c", b"l", [b"a", b"a", b"b"], MINUTE)
    collections.set_union("c", b"s", [b"x", b"y"], MINUTE)
    collections.sorted_set_put("c", b"z", [(b"a", -1.5), (b"b", 2.0)], CollectionTtl(30_000))
    emulator.state.clock.advance(10)
    document = json.loads(json.dumps(emulator.export()))  # through JSON text, as a state file
    restored = Emulator(Settings(start_time=START)).load(document).collections
    assert restored.dictionary_fetch("c", b"d") == [(b"\x00f", b"\xffv")]
    assert restored.list_fetch("c", b"l", None, None) == [b"a", b"a", b"b"]
    assert restored.set_fetch("c", b"s") == [b"x", b"y"]
    assert restored.sorted_set_fetch_by_rank("c", b"z", None, None, False) == [(b"a", -1.5), (b"b", 2.0)]
    assert restored.sorted_set_length("c", b"z") == 2
    exported = {item["key"]: item for item in document["caches"][0]["items"]}
    assert exported["eg=="]["type"] == "sorted-set"
    assert exported["eg=="]["expires_ms"] - exported["bA=="]["expires_ms"] == -30_000


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"key": "ZA==", "type": "dictionary", "value": [], "expires_ms": 1}, "value: an empty dictionary"),
        ({"key": "ZA==", "type": "list", "value": ["%%"], "expires_ms": 1}, "list\\[0\\]"),
        ({"key": "ZA==", "type": "bag", "value": [], "expires_ms": 1}, "type: 'bag' is not an item type"),
    ],
)
def test_a_bad_collection_in_a_document_is_named(item: dict[str, object], message: str) -> None:
    emulator = Emulator(Settings(start_time=START))
    document = {**emulator.export(), "caches": [{"name": "c", "items": [item]}]}
    with pytest.raises(InvalidArgument, match=rf"^caches\[0\]\.items\[0\]: {message}"):
        emulator.load(document)


def test_refreshing_writes_leave_no_growing_trail_of_expiries(state: State) -> None:
    for _ in range(5_000):
        state.clock.advance(0.001)
        state.collections.dictionary_set("c", b"d", [(b"f", b"v")], MINUTE)
    assert len(state.caches.cache("c")._heap) <= 2 + 64
