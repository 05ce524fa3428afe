"""Caches and scalar items on the core state: names, limits, TTLs on the emulator clock, conditions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulator.core.caches import ItemType
from emulator.core.collections import CollectionTtl
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import AlreadyExists, FailedPrecondition, InvalidArgument, LimitExceeded, NotFound
from emulator.core.items import Condition, Items, TtlUpdate, When, parse_int64, value_hash
from emulator.core.state import State
from tests.builders import START

MINUTE_MS = 60_000


@pytest.fixture
def state() -> State:
    state = State(Settings(start_time=START, endpoint="emulator.test", max_caches=3)).bootstrap()
    state.caches.create("c")
    return state


# --- caches --------------------------------------------------------------------------------


def test_caches_are_listed_by_name_and_deleted(state: State) -> None:
    state.caches.create("b")
    assert state.caches.names() == ["b", "c"]
    state.caches.delete("b")
    assert state.caches.names() == ["c"]


def test_a_second_cache_of_the_same_name_already_exists(state: State) -> None:
    with pytest.raises(AlreadyExists, match="cache_name: a cache named 'c' already exists"):
        state.caches.create("c")


@pytest.mark.parametrize("name", ["", "has space", "x" * 256, "caché"])
def test_bad_cache_names_are_invalid_arguments(state: State, name: str) -> None:
    with pytest.raises(InvalidArgument, match="^cache_name: "):
        state.caches.create(name)


def test_cache_names_may_be_255_printable_characters_from_bang_to_tilde(state: State) -> None:
    for name in ("x" * 255, "!", "~", "!a~"):
        assert state.caches.create(name).name == name
        state.caches.delete(name)
    with pytest.raises(InvalidArgument) as refused:
        state.caches.create("x" * 256)
    assert refused.value.message == "cache_name: 256 characters; at most 255 allowed"
    for name in (" ", "\x7f", "a b"):
        with pytest.raises(InvalidArgument) as refused:
            state.caches.create(name)
        assert refused.value.message == f"cache_name: {name!r} may hold only printable ASCII characters without spaces"


def test_a_missing_cache_is_named_in_the_refusal(state: State) -> None:
    with pytest.raises(NotFound) as missing:
        state.items.get("nope", b"k")
    assert missing.value.message == "cache_name: cache 'nope' does not exist"


def test_deleting_or_using_a_missing_cache_is_not_found(state: State) -> None:
    with pytest.raises(NotFound, match="cache 'nope' does not exist"):
        state.caches.delete("nope")
    with pytest.raises(NotFound):
        state.items.get("nope", b"k")


def test_the_cache_count_limit_names_itself_for_the_sdks(state: State) -> None:
    state.caches.create("a")
    state.caches.create("b")
    with pytest.raises(LimitExceeded) as refused:
        state.caches.create("d")
    assert refused.value.limit == "cache_count_limit_exceeded"
    assert refused.value.message == "cache_name: the account holds 3 caches, the most allowed (max_caches)"


def test_flush_empties_a_cache_and_keeps_it(state: State) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    state.caches.flush("c")
    assert state.items.get("c", b"k") is None
    assert state.caches.names() == ["c"]


# --- get, set and TTL on the clock -----------------------------------------------------------


def test_bytes_round_trip_exactly(state: State) -> None:
    value = bytes(range(256))
    state.items.set("c", b"\x00\xff", value, MINUTE_MS)
    assert state.items.get("c", b"\x00\xff") == value


def test_an_item_is_gone_at_the_instant_its_ttl_runs_out(state: State) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    state.clock.advance(59.999)
    assert state.items.get("c", b"k") == b"v"
    assert state.items.remaining_ttl_ms("c", b"k") == 1
    state.clock.advance(0.001)
    assert state.items.get("c", b"k") is None
    assert state.items.remaining_ttl_ms("c", b"k") is None


def test_an_item_leaves_the_listing_at_the_instant_its_ttl_runs_out(state: State) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    state.clock.advance(59.999)
    assert [key for key, _ in state.items.listing("c")] == [b"k"]
    state.clock.advance(0.001)
    assert state.items.listing("c") == []


def test_ttls_must_be_positive_and_within_the_configured_maximum(state: State) -> None:
    with pytest.raises(InvalidArgument) as invalid:
        state.items.set("c", b"k", b"v", 0)
    assert invalid.value.message == "ttl_milliseconds: 0 ms; a TTL must be greater than 0"
    with pytest.raises(LimitExceeded) as refused:
        state.items.set("c", b"k", b"v", (state.settings.max_item_ttl + 1) * 1000)
    assert refused.value.limit == "ttl_limit_exceeded"


def test_a_ttl_may_be_from_one_millisecond_to_the_maximum_exactly() -> None:
    state = State(Settings(start_time=START, max_item_ttl=60)).bootstrap()
    state.caches.create("c")
    state.items.set("c", b"short", b"v", 1)
    state.items.set("c", b"long", b"v", 60_000)
    assert [state.items.remaining_ttl_ms("c", key) for key in (b"short", b"long")] == [1, 60_000]
    with pytest.raises(LimitExceeded) as refused:
        state.items.set("c", b"k", b"v", 60_001)
    assert refused.value.message == "ttl_milliseconds: 60001 ms exceeds the maximum item TTL of 60 s"


def test_an_item_over_the_size_limit_is_refused_with_the_limit_named() -> None:
    state = State(Settings(start_time=START, max_item_bytes=10)).bootstrap()
    state.caches.create("c")
    state.items.set("c", b"k", b"123456789", MINUTE_MS)  # 10 bytes with its key
    with pytest.raises(LimitExceeded) as refused:
        state.items.set("c", b"k", b"1234567890", MINUTE_MS)
    assert refused.value.limit == "item_size_limit_exceeded"
    assert refused.value.message == "cache_body: the item is 11 bytes (key and value); at most 10 allowed"


@pytest.mark.parametrize(
    "write",
    [
        lambda items: items.set("c", b"", b"v", MINUTE_MS),
        lambda items: items.set_if("c", b"", b"v", MINUTE_MS, Condition(When.ABSENT)),
        lambda items: items.increment("c", b"", 1, MINUTE_MS),
    ],
    ids=["set", "set-if", "increment"],
)
def test_empty_keys_are_invalid(state: State, write: Callable[[Items], object]) -> None:
    with pytest.raises(InvalidArgument) as refused:
        write(state.items)
    assert refused.value.message == "cache_key: must not be empty"


def test_a_refused_batch_stores_nothing_and_names_the_item() -> None:
    state = State(Settings(start_time=START, max_item_bytes=10)).bootstrap()
    state.caches.create("c")
    with pytest.raises(InvalidArgument, match=r"^items\[1\]\.ttl_milliseconds"):
        state.items.set_batch("c", [(b"a", b"1", MINUTE_MS), (b"b", b"2", 0)])
    with pytest.raises(LimitExceeded) as refused:
        state.items.set_batch("c", [(b"a", b"1", MINUTE_MS), (b"b", b"1234567890", MINUTE_MS)])
    assert refused.value.message == "items[1].cache_body: the item is 11 bytes (key and value); at most 10 allowed"
    assert state.items.get_batch("c", [b"a", b"b"]) == [None, None]
    with pytest.raises(InvalidArgument, match=r"^items\[0\]\.cache_key: must not be empty"):  # a batch of one too
        state.items.set_batch("c", [(b"", b"1", MINUTE_MS)])


def test_keys_exist_in_request_order(state: State) -> None:
    state.items.set_batch("c", [(b"a", b"1", MINUTE_MS), (b"b", b"2", MINUTE_MS)])
    assert state.items.keys_exist("c", [b"b", b"x", b"a"]) == [True, False, True]
    assert state.items.get_batch("c", [b"b", b"x", b"a"]) == [b"2", None, b"1"]


def test_delete_removes_the_item_and_a_missing_key_is_no_error(state: State) -> None:
    state.items.set_batch("c", [(b"a", b"1", MINUTE_MS), (b"b", b"2", MINUTE_MS)])
    state.items.delete("c", b"a")
    state.items.delete("c", b"missing")
    assert state.items.get_batch("c", [b"a", b"b"]) == [None, b"2"]


def test_item_type_of_a_scalar(state: State) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    assert state.items.item_type("c", b"k") is ItemType.SCALAR
    assert state.items.item_type("c", b"missing") is None


# --- conditional sets ----------------------------------------------------------------------

CASES = [
    # condition, stored when absent, stored when "old", stored when "new"
    (Condition(When.ABSENT), True, False, False),
    (Condition(When.PRESENT), False, True, True),
    (Condition(When.EQUAL, b"old"), False, True, False),
    (Condition(When.NOT_EQUAL, b"old"), True, False, True),
    (Condition(When.PRESENT_AND_NOT_EQUAL, b"old"), False, False, True),
    (Condition(When.ABSENT_OR_EQUAL, b"old"), True, True, False),
    (Condition(When.EQUAL, value_hash(b"old"), by_hash=True), False, True, False),
    (Condition(When.NOT_EQUAL, value_hash(b"old"), by_hash=True), True, False, True),
    (Condition(When.ALWAYS), True, True, True),
]


@pytest.mark.parametrize(("condition", "absent", "old", "other"), CASES)
def test_conditional_sets(state: State, condition: Condition, absent: bool, old: bool, other: bool) -> None:
    for current, expected in ((None, absent), (b"old", old), (b"new", other)):
        state.items.delete("c", b"k")
        if current is not None:
            state.items.set("c", b"k", current, MINUTE_MS)
        stored = state.items.set_if("c", b"k", b"written", MINUTE_MS, condition)
        assert (stored is not None) is expected, current
        assert state.items.get("c", b"k") == (b"written" if expected else current)
        assert stored in (None, value_hash(b"written"))


def test_presence_conditions_hold_over_a_collection_and_value_comparisons_fail(state: State) -> None:
    state.collections.list_concatenate_back("c", b"l", [b"v"], CollectionTtl(MINUTE_MS))
    assert state.items.set_if("c", b"l", b"x", MINUTE_MS, Condition(When.ABSENT)) is None
    assert state.items.item_type("c", b"l") is ItemType.LIST
    with pytest.raises(FailedPrecondition) as failed:
        state.items.set_if("c", b"l", b"x", MINUTE_MS, Condition(When.EQUAL, b"v"))
    assert failed.value.message == "cache_key: the item holds a list, not a scalar value"
    assert state.items.set_if("c", b"l", b"x", MINUTE_MS, Condition(When.PRESENT)) == value_hash(b"x")
    assert state.items.get("c", b"l") == b"x"


# --- increment -----------------------------------------------------------------------------


def test_increment_starts_from_zero_and_stores_decimal_text(state: State) -> None:
    assert state.items.increment("c", b"n", 5, MINUTE_MS) == 5
    assert state.items.increment("c", b"n", -7, MINUTE_MS) == -2
    assert state.items.get("c", b"n") == b"-2"


@pytest.mark.parametrize("text", [b"12", b"+12", b"-12", b"007", b"9223372036854775807", b"-9223372036854775808"])
def test_integers_momento_parses(text: bytes) -> None:
    assert parse_int64(text) == int(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        *[(text, "not an integer") for text in (b"", b" 1", b"1 ", b"1.0", b"abc", b"+", b"+x1", b"-1-", b"\xd9\xa1")],
        (b"9223372036854775808", "outside 64 bits"),
        (b"-9223372036854775809", "outside 64 bits"),
    ],
)
def test_values_that_are_not_64_bit_integers_fail_their_precondition(text: bytes, problem: str) -> None:
    with pytest.raises(FailedPrecondition) as failed:
        parse_int64(text)
    assert failed.value.message == f"cache_key: failed to parse value into long (the value is {problem})"


def test_increment_reaches_both_ends_of_64_bits(state: State) -> None:
    state.items.set("c", b"high", b"9223372036854775806", MINUTE_MS)
    state.items.set("c", b"low", b"-9223372036854775807", MINUTE_MS)
    assert state.items.increment("c", b"high", 1, MINUTE_MS) == 2**63 - 1
    assert state.items.increment("c", b"low", -1, MINUTE_MS) == -(2**63)


def test_an_increment_whose_decimal_text_would_pass_the_item_size_limit_is_refused() -> None:
    state = State(Settings(start_time=START, max_item_bytes=3)).bootstrap()
    state.caches.create("c")
    assert state.items.increment("c", b"n", 99, MINUTE_MS) == 99  # 1 + 2 bytes: at the limit
    with pytest.raises(LimitExceeded) as refused:
        state.items.increment("c", b"n", 1, MINUTE_MS)  # "100": 1 + 3 bytes
    assert refused.value.message == "cache_body: the item is 4 bytes (key and value); at most 3 allowed"
    assert refused.value.limit == "item_size_limit_exceeded"
    assert state.items.get("c", b"n") == b"99"


def test_increment_past_64_bits_is_refused_and_changes_nothing(state: State) -> None:
    state.items.set("c", b"n", b"9223372036854775807", MINUTE_MS)
    with pytest.raises(FailedPrecondition, match="overflow"):
        state.items.increment("c", b"n", 1, MINUTE_MS)
    assert state.items.get("c", b"n") == b"9223372036854775807"


# --- update TTL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "ttl_ms", "expected"),
    [
        (TtlUpdate.INCREASE, 2 * MINUTE_MS, True),
        (TtlUpdate.INCREASE, MINUTE_MS // 2, False),
        (TtlUpdate.DECREASE, MINUTE_MS // 2, True),
        (TtlUpdate.DECREASE, 2 * MINUTE_MS, False),
        (TtlUpdate.INCREASE, MINUTE_MS, False),  # as long as what remains: not longer
        (TtlUpdate.DECREASE, MINUTE_MS, False),  # nor shorter
        (TtlUpdate.OVERWRITE, MINUTE_MS // 2, True),
    ],
)
def test_update_ttl(state: State, how: TtlUpdate, ttl_ms: int, expected: bool) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    assert state.items.update_ttl("c", b"k", how, ttl_ms) is expected
    assert state.items.remaining_ttl_ms("c", b"k") == (ttl_ms if expected else MINUTE_MS)
    assert state.items.update_ttl("c", b"missing", how, ttl_ms) is None


def test_update_ttl_refuses_a_ttl_naming_its_field(state: State) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    with pytest.raises(InvalidArgument) as refused:
        state.items.update_ttl("c", b"k", TtlUpdate.OVERWRITE, 0)
    assert refused.value.message == "ttl: 0 ms; a TTL must be greater than 0"


def test_an_item_whose_ttl_was_updated_is_reclaimed_by_a_later_write_once_expired(state: State) -> None:
    cache = state.caches.cache("c")
    state.items.set("c", b"k", b"v", 10_000)
    state.clock.advance(5)
    assert state.items.update_ttl("c", b"k", TtlUpdate.OVERWRITE, 10_000) is True  # now expires at 15 s
    state.clock.advance(7)
    state.items.set("c", b"a", b"v", MINUTE_MS)  # at 12 s its first expiry is past, and it lives on
    assert len(cache) == 2
    state.clock.advance(3)
    state.items.set("c", b"b", b"v", MINUTE_MS)  # at 15 s it has expired: this write reclaims it
    assert len(cache) == 2
    assert state.items.get("c", b"k") is None


# --- memory and state ----------------------------------------------------------------------


def test_churn_under_an_advancing_clock_keeps_the_store_flat(state: State) -> None:
    cache = state.caches.cache("c")
    for round_ in range(50):
        for index in range(100):
            state.items.set("c", f"{round_}-{index}".encode(), b"v", 1000)
        state.clock.advance(1)
    assert len(cache) <= 100
    assert len(cache._heap) <= 2 * 100 + 64  # overwrites and expiries leave no unbounded trail


def test_overwriting_one_key_keeps_its_expiry_heap_bounded(state: State) -> None:
    for _ in range(10_000):
        state.items.set("c", b"k", b"v", MINUTE_MS)
    assert len(state.caches.cache("c")._heap) <= 2 + 64


def test_export_and_import_keep_caches_items_and_ttls() -> None:
    emulator = Emulator(Settings(start_time=START))
    emulator.state.caches.create("c")
    emulator.state.items.set("c", b"\x00k", b"\xffv", MINUTE_MS)
    emulator.state.clock.advance(10)
    document = emulator.export()
    assert document["version"] == 2
    restored = Emulator(Settings(start_time=START))
    state = restored.load(document)
    assert state.caches.names() == ["c"]
    assert state.items.get("c", b"\x00k") == b"\xffv"
    assert state.items.remaining_ttl_ms("c", b"\x00k") == 50_000


def test_a_version_1_document_imports_with_no_caches() -> None:
    emulator = Emulator(Settings(start_time=START))
    document = emulator.export()
    document["version"] = 1
    del document["caches"]
    assert emulator.load(document).caches.names() == []


def test_an_unknown_version_is_refused_naming_the_readable_ones() -> None:
    emulator = Emulator(Settings(start_time=START))
    document = {**emulator.export(), "version": 3}
    with pytest.raises(InvalidArgument, match="version: 3 is not supported \\(expected 1 or 2\\)"):
        emulator.load(document)


def test_a_bad_item_in_a_document_is_named() -> None:
    emulator = Emulator(Settings(start_time=START))
    document = emulator.export()
    document["caches"] = [{"name": "c", "items": [{"key": "", "value": "", "expires_ms": 1}]}]
    with pytest.raises(InvalidArgument, match=r"^caches\[0\]\.items\[0\]: key: must not be empty"):
        emulator.load(document)


def test_reset_drops_caches() -> None:
    emulator = Emulator(Settings(start_time=START))
    emulator.state.caches.create("c")
    assert emulator.reset().caches.names() == []


def test_get_with_hash_reports_the_hash_conditional_sets_compare(state: State) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    assert state.items.get_with_hash("c", b"k") == (b"v", value_hash(b"v"))
    assert state.items.get_with_hash("c", b"missing") is None


def test_peek_finds_a_live_item_and_names_a_missing_one(state: State) -> None:
    state.items.set("c", b"k", b"v", MINUTE_MS)
    assert state.items.peek("c", b"k").value == b"v"
    with pytest.raises(NotFound) as missing:
        state.items.peek("c", b"gone")
    assert missing.value.message == "key: no live item 'gone' in cache 'c'"
    with pytest.raises(NotFound) as missing:
        state.items.peek("c", b"\xffk")
    assert missing.value.message == "key: no live item '\\\\xffk' in cache 'c'"  # bytes that are not text: escaped
