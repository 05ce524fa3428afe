"""Collection values: each operation's semantics, with no store and no clock."""

from __future__ import annotations

import random

import pytest

from emulator.core.collections import (
    Aggregate,
    CollectionTtl,
    Dictionary,
    ItemList,
    ItemSet,
    ScoreBound,
    SortedSet,
    collection_of,
    union_store,
)
from emulator.core.collections.common import preview_bytes
from emulator.core.errors import FailedPrecondition, InvalidArgument
from emulator.core.items import parse_int64

# --- CollectionTtl --------------------------------------------------------------------------


def test_a_creating_write_sets_the_ttl_whatever_the_refresh_flag() -> None:
    assert CollectionTtl(5_000, refresh=False).expiry(1_000, None) == 6_000
    assert CollectionTtl(5_000, refresh=True).expiry(1_000, None) == 6_000


def test_refresh_moves_the_expiry_and_no_refresh_keeps_it() -> None:
    assert CollectionTtl(5_000, refresh=True).expiry(3_000, 6_000) == 8_000
    assert CollectionTtl(5_000, refresh=False).expiry(3_000, 6_000) == 6_000


# --- counters -------------------------------------------------------------------------------


def test_a_counter_of_thousands_of_digits_is_refused_as_outside_64_bits() -> None:
    with pytest.raises(FailedPrecondition, match="^field: .*outside 64 bits"):
        parse_int64(b"1" * 5000, "field")
    assert parse_int64(b"0" * 30 + b"42", "field") == 42


# --- dictionary -----------------------------------------------------------------------------


def test_dictionary_get_answers_each_field_in_the_order_asked() -> None:
    dictionary = Dictionary()
    dictionary.set([(b"a", b"1"), (b"b", b"2")])
    assert dictionary.get([b"b", b"missing", b"a"]) == [b"2", None, b"1"]


def test_dictionary_set_overwrites_and_keeps_first_insertion_order() -> None:
    dictionary = Dictionary()
    dictionary.set([(b"a", b"1"), (b"b", b"2")])
    dictionary.set([(b"a", b"3")])
    assert dictionary.fetch() == [(b"a", b"3"), (b"b", b"2")]


def test_dictionary_increment_starts_from_zero_and_stores_decimal_text() -> None:
    dictionary = Dictionary()
    assert dictionary.increment(b"n", 0) == 0
    assert dictionary.increment(b"n", 10) == 10
    assert dictionary.increment(b"n", -25) == -15
    assert dictionary.get([b"n"]) == [b"-15"]


def test_dictionary_increment_of_text_fails_and_leaves_the_field() -> None:
    dictionary = Dictionary({b"f": b"hello"})
    with pytest.raises(FailedPrecondition):
        dictionary.increment(b"f", 1)
    assert dictionary.get([b"f"]) == [b"hello"]


def test_dictionary_increment_refuses_to_overflow() -> None:
    dictionary = Dictionary({b"f": str(2**63 - 1).encode()})
    with pytest.raises(FailedPrecondition, match="overflow"):
        dictionary.increment(b"f", 1)
    assert dictionary.get([b"f"]) == [str(2**63 - 1).encode()]


def test_dictionary_increment_reaches_both_ends_of_64_bits() -> None:
    dictionary = Dictionary({b"high": str(2**63 - 2).encode(), b"low": str(-(2**63) + 1).encode()})
    assert dictionary.increment(b"high", 1) == 2**63 - 1
    assert dictionary.increment(b"low", -1) == -(2**63)
    assert dictionary.get([b"high", b"low"]) == [b"9223372036854775807", b"-9223372036854775808"]


def test_dictionary_delete_ignores_absent_fields() -> None:
    dictionary = Dictionary({b"a": b"1", b"b": b"2"})
    dictionary.delete([b"a", b"zzz"])
    assert dictionary.fetch() == [(b"b", b"2")]
    dictionary.delete([b"b"])
    assert len(dictionary) == 0


# --- list -----------------------------------------------------------------------------------


def test_concatenate_back_appends_in_order_and_returns_the_length() -> None:
    values = ItemList([b"1", b"2", b"3"])
    assert values.concatenate_back([b"4", b"5", b"6"]) == 6
    assert values.fetch() == [b"1", b"2", b"3", b"4", b"5", b"6"]


def test_concatenate_front_prepends_keeping_the_given_order() -> None:
    values = ItemList([b"1", b"2", b"3"])
    assert values.concatenate_front([b"4", b"5", b"6"]) == 6
    assert values.fetch() == [b"4", b"5", b"6", b"1", b"2", b"3"]


def test_truncate_front_to_size_drops_from_the_front_after_appending() -> None:
    values = ItemList([b"1", b"2", b"3"])
    assert values.concatenate_back([b"4", b"5", b"6"], truncate_front_to=5) == 5
    assert values.fetch() == [b"2", b"3", b"4", b"5", b"6"]


def test_truncate_back_to_size_drops_from_the_back_after_prepending() -> None:
    values = ItemList([b"1", b"2", b"3"])
    assert values.concatenate_front([b"0"], truncate_back_to=2) == 2
    assert values.fetch() == [b"0", b"1"]


def test_a_truncation_to_one_keeps_only_the_value_at_the_far_end() -> None:
    values = ItemList([b"1", b"2"])
    assert values.concatenate_back([b"3"], truncate_front_to=1) == 1
    assert values.fetch() == [b"3"]
    assert values.concatenate_front([b"0"], truncate_back_to=1) == 1
    assert values.fetch() == [b"0"]


def test_a_truncation_size_larger_than_the_list_or_zero_keeps_everything() -> None:
    values = ItemList([b"1"])
    assert values.concatenate_back([b"2"], truncate_front_to=10) == 2
    assert values.concatenate_back([b"3"], truncate_front_to=0) == 3


def test_pops_take_from_each_end() -> None:
    values = ItemList([b"one", b"two", b"three"])
    assert values.pop_front() == b"one"
    assert values.pop_back() == b"three"
    assert values.fetch() == [b"two"]


# The examples documented in Momento's protocol for ListFetch and ListRetain.
TEN = [str(index).encode() for index in range(10)]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, TEN),
        (5, None, TEN[5:]),
        (5, 0, []),
        (-5, None, TEN[5:]),
        (-5, 0, []),
        (0, 5, TEN[:5]),
        (None, 5, TEN[:5]),
        (0, -5, TEN[:5]),
        (2, 6, TEN[2:6]),
        (2, -6, TEN[2:4]),
        (-7, -2, TEN[3:8]),
        (-2, -6, []),
        (0, 0, []),
        (20, None, []),
        (-20, 3, TEN[:3]),
    ],
)
def test_list_fetch_slices_like_the_protocol_documents(
    start: int | None, end: int | None, expected: list[bytes]
) -> None:
    assert ItemList(list(TEN)).fetch(start, end) == expected


@pytest.mark.parametrize(("start", "end", "expected"), [(-1, 1, [b"a"]), (1, -1, []), (0, 0, []), (0, -1, [])])
def test_list_of_one_slices_like_the_protocol_documents(start: int, end: int, expected: list[bytes]) -> None:
    assert ItemList([b"a"]).fetch(start, end) == expected


def test_retain_keeps_only_the_slice() -> None:
    values = ItemList(list(TEN))
    assert values.retain(4, 9) == 5
    assert values.fetch() == TEN[4:9]
    assert values.retain(-2, -6) == 0


def test_remove_value_removes_every_equal_element() -> None:
    values = ItemList([b"up", b"up", b"down", b"down", b"left", b"right"])
    assert values.remove_value(b"up") == 4
    assert values.fetch() == [b"down", b"down", b"left", b"right"]
    assert values.remove_value(b"absent") == 4


def test_erase_removes_ranges_of_the_original_indexes() -> None:
    values = ItemList(list(TEN))
    assert values.erase([(1, 2), (5, 1), (8, 100)]) == 5
    assert values.fetch() == [b"0", b"3", b"4", b"6", b"7"]


# --- set ------------------------------------------------------------------------------------


def test_union_adds_each_element_once() -> None:
    elements = ItemSet([b"1", b"2"])
    elements.union([b"2", b"3", b"3"])
    assert sorted(elements.fetch()) == [b"1", b"2", b"3"]


def test_difference_removes_elements_and_ignores_absent_ones() -> None:
    elements = ItemSet([b"1", b"2", b"3"])
    elements.difference([b"2", b"9"])
    assert sorted(elements.fetch()) == [b"1", b"3"]


def test_minuend_keeps_the_given_elements_not_stored() -> None:
    elements = ItemSet([b"1", b"2"])
    elements.minuend([b"2", b"3", b"4"])
    assert sorted(elements.fetch()) == [b"3", b"4"]


def test_contains_answers_per_element_in_order() -> None:
    assert ItemSet([b"a", b"b"]).contains([b"b", b"z", b"a"]) == [True, False, True]


def test_sample_returns_distinct_members_up_to_the_limit() -> None:
    elements = ItemSet([str(index).encode() for index in range(20)])
    sample = elements.sample(5, random.Random(1))
    assert len(sample) == len(set(sample)) == 5
    assert set(sample) <= set(elements.fetch())
    assert sorted(elements.sample(100, random.Random(1))) == sorted(elements.fetch())
    assert elements.sample(0, random.Random(1)) == []
    assert len(elements) == 20


def test_sampling_is_reproducible_under_one_seed() -> None:
    elements = ItemSet([str(index).encode() for index in range(50)])
    assert elements.sample(7, random.Random("seed")) == elements.sample(7, random.Random("seed"))


def test_pop_removes_what_it_returns() -> None:
    elements = ItemSet([b"a", b"b", b"c"])
    popped = elements.pop(2, random.Random(3))
    assert len(popped) == 2
    assert sorted(popped + elements.fetch()) == [b"a", b"b", b"c"]
    assert sorted(elements.pop(5, random.Random(3)) + popped) == [b"a", b"b", b"c"]
    assert len(elements) == 0


# --- sorted set -----------------------------------------------------------------------------


def scored() -> SortedSet:
    values = SortedSet()
    values.put([(b"bam", 1000.0), (b"foo", 1.0), (b"habanero", 68.0), (b"jalapeno", 1.0), (b"bar", 42.0)])
    return values


def test_elements_are_ordered_by_score_then_value_bytes() -> None:
    assert scored().fetch_by_rank() == [
        (b"foo", 1.0),
        (b"jalapeno", 1.0),
        (b"bar", 42.0),
        (b"habanero", 68.0),
        (b"bam", 1000.0),
    ]


def test_descending_order_is_the_reverse_of_ascending() -> None:
    values = scored()
    assert values.fetch_by_rank(descending=True) == values.fetch_by_rank()[::-1]


def test_fetch_by_rank_slices_the_chosen_order() -> None:
    values = scored()
    assert values.fetch_by_rank(1, 3) == [(b"jalapeno", 1.0), (b"bar", 42.0)]
    assert values.fetch_by_rank(0, 2, descending=True) == [(b"bam", 1000.0), (b"habanero", 68.0)]
    assert values.fetch_by_rank(-2, None) == [(b"habanero", 68.0), (b"bam", 1000.0)]
    assert values.fetch_by_rank(None, -3) == [(b"foo", 1.0), (b"jalapeno", 1.0)]
    assert values.fetch_by_rank(10, None) == []
    assert values.fetch_by_rank(3, 1) == []


def test_put_replaces_a_score_and_reorders() -> None:
    values = scored()
    values.put([(b"foo", 5000.0)])
    assert values.fetch_by_rank(-1, None) == [(b"foo", 5000.0)]
    assert len(values) == 5


def test_fetch_by_score_filters_inclusively_by_default() -> None:
    values = scored()
    assert values.fetch_by_score(ScoreBound(1.0), ScoreBound(68.0)) == [
        (b"foo", 1.0),
        (b"jalapeno", 1.0),
        (b"bar", 42.0),
        (b"habanero", 68.0),
    ]


def test_exclusive_bounds_leave_their_score_out() -> None:
    values = scored()
    assert values.fetch_by_score(ScoreBound(1.0, exclusive=True), ScoreBound(68.0, exclusive=True)) == [(b"bar", 42.0)]


def test_fetch_by_score_applies_offset_and_count_after_ordering() -> None:
    values = scored()
    assert values.fetch_by_score(offset=1, count=2) == [(b"jalapeno", 1.0), (b"bar", 42.0)]
    assert values.fetch_by_score(descending=True, offset=1, count=2) == [(b"habanero", 68.0), (b"bar", 42.0)]
    assert values.fetch_by_score(offset=2) == values.fetch_by_rank(2, None)
    assert values.fetch_by_score(offset=99) == []
    assert values.fetch_by_score(count=0) == []
    assert values.fetch_by_score(count=-1) == values.fetch_by_rank()


def test_an_empty_or_inverted_score_range_matches_nothing() -> None:
    values = scored()
    assert values.fetch_by_score(ScoreBound(2000.0), None) == []
    assert values.fetch_by_score(ScoreBound(50.0), ScoreBound(10.0)) == []
    assert values.length_by_score(ScoreBound(50.0), ScoreBound(10.0)) == 0


def test_length_by_score_counts_the_range() -> None:
    values = scored()
    assert values.length_by_score() == 5
    assert values.length_by_score(ScoreBound(1.0), ScoreBound(1.0)) == 2
    assert values.length_by_score(None, ScoreBound(42.0, exclusive=True)) == 2
    assert values.length_by_score(ScoreBound(42.0), None) == 3


def test_rank_in_either_order() -> None:
    values = scored()
    assert values.rank(b"foo") == 0
    assert values.rank(b"bam") == 4
    assert values.rank(b"bam", descending=True) == 0
    assert values.rank(b"jalapeno", descending=True) == 3
    assert values.rank(b"absent") is None


def test_get_scores_answers_each_value() -> None:
    assert scored().get_scores([b"bar", b"nope"]) == [42.0, None]


def test_increment_creates_adds_and_subtracts() -> None:
    values = SortedSet()
    assert values.increment(b"x", 10.0) == 10.0
    assert values.increment(b"x", -2.5) == 7.5
    assert values.fetch_by_rank() == [(b"x", 7.5)]


def test_non_finite_scores_are_refused() -> None:
    values = SortedSet({b"x": 1.7e308})
    with pytest.raises(InvalidArgument) as refused:
        values.put([(b"y", float("nan"))])
    assert refused.value.message == "score: nan is not a finite number"
    with pytest.raises(InvalidArgument) as refused:
        values.increment(b"y", float("inf"))
    assert refused.value.message == "amount: inf is not a finite number"
    with pytest.raises(FailedPrecondition) as failed:
        values.increment(b"x", 1.7e308)
    assert failed.value.message == "the incremented score would not be a finite number"
    assert values.fetch_by_rank() == [(b"x", 1.7e308)]


def test_a_cleared_sorted_set_reads_as_empty_in_either_order_and_takes_new_elements() -> None:
    values = scored()
    assert len(values.fetch_by_rank()) == 5  # the order is built
    values.clear()
    assert values.fetch_by_score(descending=True) == values.fetch_by_rank() == []
    assert (values.length_by_score(), values.rank(b"foo")) == (0, None)
    values.put([(b"new", 2.0)])
    assert values.fetch_by_score(descending=True) == [(b"new", 2.0)]


def test_remove_ignores_absent_values() -> None:
    values = scored()
    values.remove([b"foo", b"zzz"])
    assert values.rank(b"foo") is None
    assert len(values) == 4


def union_sources() -> tuple[SortedSet, SortedSet]:
    return SortedSet({b"foo": 1.0, b"bar": 3.0}), SortedSet({b"abc": 2.0, b"bar": 2.0})


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        (Aggregate.SUM, {b"foo": 1.0, b"bar": 8.0, b"abc": 5.0}),
        (Aggregate.MIN, {b"foo": 1.0, b"bar": 3.0, b"abc": 5.0}),
        (Aggregate.MAX, {b"foo": 1.0, b"bar": 5.0, b"abc": 5.0}),
    ],
)
def test_union_weights_then_aggregates(aggregate: Aggregate, expected: dict[bytes, float]) -> None:
    first, second = union_sources()
    assert union_store([(first, 1.0), (second, 2.5)], aggregate).scores == expected


def test_union_with_zero_and_negative_weights() -> None:
    first, second = union_sources()
    assert union_store([(first, 0.0), (second, 0.0)], Aggregate.SUM).scores == {b"foo": 0.0, b"bar": 0.0, b"abc": 0.0}
    assert union_store([(first, 1.0), (second, -1.0)], Aggregate.SUM).scores == {
        b"foo": 1.0,
        b"bar": 1.0,
        b"abc": -2.0,
    }


def test_missing_sources_add_nothing() -> None:
    first, _ = union_sources()
    assert union_store([(None, 1.0), (first, 1.0)], Aggregate.SUM).scores == first.scores
    assert len(union_store([(None, 1.0)], Aggregate.SUM)) == 0


def test_a_union_whose_score_overflows_is_refused() -> None:
    with pytest.raises(FailedPrecondition) as failed:
        union_store([(SortedSet({b"x": 1e308}), 10.0)], Aggregate.SUM)
    assert failed.value.message == "a combined score would not be a finite number"


# --- export form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        Dictionary({b"\x00f": b"\xffv", b"g": b""}),
        ItemList([b"a", b"a", b"\x80"]),
        ItemSet([b"x", b"\x00"]),
        SortedSet({b"a": -1.5, b"b": 2.0}),
    ],
)
def test_every_collection_round_trips_through_its_json_form(value: Dictionary | ItemList | ItemSet | SortedSet) -> None:
    restored = type(value).from_json(value.to_json())
    assert restored.to_json() == value.to_json()
    assert restored.head(10) == value.head(10)


MALFORMED: list[tuple[type[Dictionary | ItemList | ItemSet | SortedSet], object, str]] = [
    (Dictionary, {"a": "b"}, "dictionary: expected a list, got dict"),
    (Dictionary, [["a"]], "dictionary[0]: expected a pair, got ['a']"),
    (Dictionary, [["YQ==", "Yg=="], [1, "Yg=="]], "dictionary[1].field: 1 is not a base64 string"),
    (Dictionary, [["YQ==", "%%"]], "dictionary[0].value: '%%' is not base64"),
    (ItemList, "YQ==", "list: expected a list, got str"),
    (ItemList, ["YQ==", "not base64!"], "list[1]: 'not base64!' is not base64"),
    (ItemList, ["%" * 50], f"list[0]: {'%' * 40!r} is not base64"),  # a long one is cut to 40 characters
    (ItemSet, 5, "set: expected a list, got int"),
    (ItemSet, ["YQ==", 1], "set[1]: 1 is not a base64 string"),
    (SortedSet, {}, "sorted_set: expected a list, got dict"),
    (SortedSet, [["YQ==", 1.0, 2]], "sorted_set[0]: expected a pair, got ['YQ==', 1.0, 2]"),
    (SortedSet, [[5, 1.0]], "sorted_set[0].value: 5 is not a base64 string"),
    (SortedSet, [["YQ==", "1"]], "sorted_set[0].score: '1' is not a finite number"),
    (SortedSet, [["YQ==", float("nan")]], "sorted_set[0].score: nan is not a finite number"),
    (SortedSet, [["YQ==", True]], "sorted_set[0].score: True is not a finite number"),
]


@pytest.mark.parametrize(("kind", "data", "message"), MALFORMED)
def test_malformed_json_forms_are_refused_naming_the_entry(
    kind: type[Dictionary | ItemList | ItemSet | SortedSet], data: object, message: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        kind.from_json(data)
    assert refused.value.message == message


def test_heads_preview_the_first_entries_in_order() -> None:
    assert Dictionary({b"a": b"1", b"b": b"2"}).head(1) == [(b"a", b"1")]
    assert ItemList([b"x", b"y", b"z"]).head(2) == [b"x", b"y"]
    assert ItemSet([b"q", b"r"]).head(5) == [b"q", b"r"]
    assert ItemSet([b"q", b"r", b"s"]).head(2) == [b"q", b"r"]
    assert scored().head(1) == [(b"foo", 1.0)]


# --- sizes ----------------------------------------------------------------------------------


def test_sizes_follow_every_change() -> None:
    dictionary = Dictionary()
    dictionary.set([(b"ab", b"123"), (b"c", b""), (b"gone", b"wxyz")])
    dictionary.set([(b"ab", b"1")])
    dictionary.increment(b"n", 100)
    dictionary.delete([b"c", b"zz", b"gone"])
    assert dictionary.nbytes == Dictionary(dict(dictionary.fetch())).nbytes == len(b"ab1n100")
    dictionary.clear()
    dictionary.set([(b"f", b"v")])
    assert dictionary.nbytes == 2

    values = ItemList([b"aaa"])
    values.concatenate_back([b"bb", b"c"], truncate_front_to=2)
    values.concatenate_front([b"dddd"], truncate_back_to=2)
    values.pop_back()
    assert values.nbytes == ItemList(values.fetch()).nbytes == 4
    values.concatenate_back([b"ee"])
    values.pop_front()
    assert values.fetch() == [b"ee"]
    assert values.nbytes == 2
    values.concatenate_back([b"x", b"yy", b"x"])
    values.remove_value(b"x")
    values.erase([(0, 1)])
    assert values.fetch() == [b"yy"]
    assert values.nbytes == 2

    elements = ItemSet([b"a", b"bb"])
    elements.union([b"bb", b"ccc"])
    elements.difference([b"a", b"zzz"])
    elements.pop(1, random.Random(0))
    assert elements.nbytes == ItemSet(elements.fetch()).nbytes
    elements.minuend([b"dddd", b"ccc", b"bb"])
    assert elements.nbytes == ItemSet(elements.fetch()).nbytes
    elements.clear()
    elements.union([b"e"])
    assert elements.nbytes == 1

    scores = SortedSet()
    scores.put([(b"a", 1.0), (b"bb", 2.0), (b"a", 3.0)])
    scores.increment(b"ccc", 1.0)
    scores.remove([b"bb", b"nope"])
    assert scores.nbytes == SortedSet(dict(scores.fetch_by_rank())).nbytes == len(b"a") + len(b"ccc") + 16
    scores.clear()
    assert scores.nbytes == 0


def test_only_a_collection_value_is_a_collection() -> None:
    assert collection_of(Dictionary()) is not None
    with pytest.raises(TypeError, match="^bytes is not a collection value$"):
        collection_of(b"scalar")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"name", "'name'"),
        (b"\xff\x00", "0xff00"),
        (b"n" * 32, repr("n" * 32)),
        (b"n" * 33, repr("n" * 32) + "..."),
        (b"\xff" * 33, "0x" + "ff" * 32 + "..."),
    ],
)
def test_names_in_messages_are_text_where_they_are_text_and_hex_otherwise(raw: bytes, shown: str) -> None:
    assert preview_bytes(raw) == shown
