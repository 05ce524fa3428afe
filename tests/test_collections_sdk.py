"""Collections through the official Python SDK (momento 1.29.1): every collection method it offers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from momento import CacheClient, CacheClientAsync, Configurations
from momento.errors import MomentoErrorCode
from momento.requests import CollectionTtl, SortOrder
from momento.responses import (
    CacheDictionaryFetch,
    CacheDictionaryGetField,
    CacheDictionaryGetFields,
    CacheDictionaryIncrement,
    CacheListConcatenateBack,
    CacheListConcatenateFront,
    CacheListFetch,
    CacheListLength,
    CacheListPopBack,
    CacheListPopFront,
    CacheListPushBack,
    CacheListPushFront,
    CacheSetFetch,
    CacheSortedSetFetch,
    CacheSortedSetGetRank,
    CacheSortedSetGetScore,
    CacheSortedSetGetScores,
    CacheSortedSetIncrementScore,
    CreateCache,
)
from momento.responses.mixins import ErrorResponseMixin

from emulator import ThreadedEmulatorServer
from emulator.sdk import credential_provider

pytest_plugins = ["tests.collection_fixtures"]  # served, client, cache
HOUR = timedelta(hours=1)


def error_code(response: object) -> MomentoErrorCode:
    assert isinstance(response, ErrorResponseMixin), f"expected an error, got {response}"
    return response.error_code


# --- dictionaries ---------------------------------------------------------------------------


def test_dictionary_fields_set_get_and_miss(client: CacheClient, cache: str) -> None:
    assert isinstance(client.dictionary_get_field(cache, "d", "f"), CacheDictionaryGetField.Miss)
    client.dictionary_set_field(cache, "d", "f", "v")
    client.dictionary_set_fields(cache, "d", {"g": b"\x00\xff", b"h": "text"})
    hit = client.dictionary_get_field(cache, "d", "f")
    assert isinstance(hit, CacheDictionaryGetField.Hit)
    assert hit.value_string == "v"
    fields = client.dictionary_get_fields(cache, "d", ["g", "absent", "h"])
    assert isinstance(fields, CacheDictionaryGetFields.Hit)
    assert [type(part) for part in fields.responses] == [
        CacheDictionaryGetField.Hit,
        CacheDictionaryGetField.Miss,
        CacheDictionaryGetField.Hit,
    ]
    assert fields.value_dictionary_bytes_bytes == {b"g": b"\x00\xff", b"h": b"text"}
    fetched = client.dictionary_fetch(cache, "d")
    assert isinstance(fetched, CacheDictionaryFetch.Hit)
    assert fetched.value_dictionary_bytes_bytes == {b"f": b"v", b"g": b"\x00\xff", b"h": b"text"}


def test_dictionary_misses_when_missing(client: CacheClient, cache: str) -> None:
    assert isinstance(client.dictionary_fetch(cache, "d"), CacheDictionaryFetch.Miss)
    assert isinstance(client.dictionary_get_fields(cache, "d", ["f"]), CacheDictionaryGetFields.Miss)


def test_removing_every_field_removes_the_dictionary(client: CacheClient, cache: str) -> None:
    client.dictionary_set_fields(cache, "d", {"a": "1", "b": "2", "c": "3"})
    client.dictionary_remove_field(cache, "d", "a")
    fetched = client.dictionary_fetch(cache, "d")
    assert isinstance(fetched, CacheDictionaryFetch.Hit)
    assert fetched.value_dictionary_string_string == {"b": "2", "c": "3"}
    client.dictionary_remove_fields(cache, "d", ["b", "c", "never-set"])
    assert isinstance(client.dictionary_fetch(cache, "d"), CacheDictionaryFetch.Miss)


def test_dictionary_increment_counts_from_zero_and_refuses_text(client: CacheClient, cache: str) -> None:
    first = client.dictionary_increment(cache, "d", "n", 0)
    assert isinstance(first, CacheDictionaryIncrement.Success) and first.value == 0
    client.dictionary_increment(cache, "d", "n", 40)
    second = client.dictionary_increment(cache, "d", "n", 2)
    assert isinstance(second, CacheDictionaryIncrement.Success) and second.value == 42
    got = client.dictionary_get_field(cache, "d", "n")
    assert isinstance(got, CacheDictionaryGetField.Hit) and got.value_string == "42"
    client.dictionary_set_field(cache, "d", "text", "hello, world!")
    assert error_code(client.dictionary_increment(cache, "d", "text", 1)) is MomentoErrorCode.FAILED_PRECONDITION_ERROR
    overflow = client.dictionary_increment(cache, "d", "n", 2**63 - 1)
    assert error_code(overflow) is MomentoErrorCode.FAILED_PRECONDITION_ERROR


# --- lists ----------------------------------------------------------------------------------


def test_list_pushes_return_the_new_length_and_keep_order(client: CacheClient, cache: str) -> None:
    back = client.list_push_back(cache, "l", "b")
    assert isinstance(back, CacheListPushBack.Success) and back.list_length == 1
    front = client.list_push_front(cache, "l", "a")
    assert isinstance(front, CacheListPushFront.Success) and front.list_length == 2
    concat = client.list_concatenate_back(cache, "l", ["c", "d"])
    assert isinstance(concat, CacheListConcatenateBack.Success) and concat.list_length == 4
    concat_front = client.list_concatenate_front(cache, "l", [b"\x00", b"\x01"])
    assert isinstance(concat_front, CacheListConcatenateFront.Success) and concat_front.list_length == 6
    fetched = client.list_fetch(cache, "l")
    assert isinstance(fetched, CacheListFetch.Hit)
    assert fetched.value_list_bytes == [b"\x00", b"\x01", b"a", b"b", b"c", b"d"]
    length = client.list_length(cache, "l")
    assert isinstance(length, CacheListLength.Hit) and length.length == 6


def test_list_truncation_drops_from_the_other_end(client: CacheClient, cache: str) -> None:
    client.list_concatenate_back(cache, "l", ["one", "two", "three"])
    kept = client.list_concatenate_back(cache, "l", ["four", "five", "six"], truncate_front_to_size=4)
    assert isinstance(kept, CacheListConcatenateBack.Success) and kept.list_length == 4
    front = client.list_push_front(cache, "l", "zero", truncate_back_to_size=3)
    assert isinstance(front, CacheListPushFront.Success) and front.list_length == 3
    client.list_push_back(cache, "l", "last", truncate_front_to_size=3)
    client.list_concatenate_front(cache, "l", ["x"], truncate_back_to_size=2)
    fetched = client.list_fetch(cache, "l")
    assert isinstance(fetched, CacheListFetch.Hit)
    assert fetched.value_list_string == ["x", "three"]


def test_list_pops_and_misses(client: CacheClient, cache: str) -> None:
    assert isinstance(client.list_pop_front(cache, "l"), CacheListPopFront.Miss)
    assert isinstance(client.list_pop_back(cache, "l"), CacheListPopBack.Miss)
    assert isinstance(client.list_length(cache, "l"), CacheListLength.Miss)
    client.list_concatenate_back(cache, "l", ["one", "two", "three"])
    front = client.list_pop_front(cache, "l")
    assert isinstance(front, CacheListPopFront.Hit) and front.value_string == "one"
    back = client.list_pop_back(cache, "l")
    assert isinstance(back, CacheListPopBack.Hit) and back.value_bytes == b"three"
    client.list_pop_back(cache, "l")
    assert isinstance(client.list_fetch(cache, "l"), CacheListFetch.Miss)


def test_list_remove_value_removes_every_copy(client: CacheClient, cache: str) -> None:
    client.list_concatenate_back(cache, "l", ["up", "up", "down", "down", "left", "right"])
    client.list_remove_value(cache, "l", "up")
    fetched = client.list_fetch(cache, "l")
    assert isinstance(fetched, CacheListFetch.Hit)
    assert fetched.value_list_string == ["down", "down", "left", "right"]
    client.list_remove_value(cache, "l", "absent")
    for value in ("down", "left", "right"):
        client.list_remove_value(cache, "l", value)
    assert isinstance(client.list_fetch(cache, "l"), CacheListFetch.Miss)


# --- sets -----------------------------------------------------------------------------------


def test_set_elements_are_added_once_and_removed(client: CacheClient, cache: str) -> None:
    assert isinstance(client.set_fetch(cache, "s"), CacheSetFetch.Miss)
    client.set_add_element(cache, "s", "a")
    client.set_add_elements(cache, "s", {"a", "b", b"\xff"})
    fetched = client.set_fetch(cache, "s")
    assert isinstance(fetched, CacheSetFetch.Hit)
    assert fetched.value_set_bytes == {b"a", b"b", b"\xff"}
    client.set_remove_element(cache, "s", "a")
    client.set_remove_elements(cache, "s", {"zzz", b"\xff"})
    fetched = client.set_fetch(cache, "s")
    assert isinstance(fetched, CacheSetFetch.Hit) and fetched.value_set_string == {"b"}
    client.set_remove_element(cache, "s", "b")
    assert isinstance(client.set_fetch(cache, "s"), CacheSetFetch.Miss)


# --- sorted sets ----------------------------------------------------------------------------

SCORES = {"bam": 1000.0, "foo": 1.0, "habanero": 68.0, "jalapeno": 1.0, "bar": 42.0}
ASCENDING = [("foo", 1.0), ("jalapeno", 1.0), ("bar", 42.0), ("habanero", 68.0), ("bam", 1000.0)]


def fetched_pairs(response: object) -> list[tuple[str, float]]:
    assert isinstance(response, CacheSortedSetFetch.Hit), f"expected a hit, got {response}"
    return response.value_list_string


def test_sorted_set_fetch_by_rank_in_both_orders(client: CacheClient, cache: str) -> None:
    client.sorted_set_put_elements(cache, "z", SCORES)
    assert fetched_pairs(client.sorted_set_fetch_by_rank(cache, "z")) == ASCENDING
    descending = client.sorted_set_fetch_by_rank(cache, "z", sort_order=SortOrder.DESCENDING)
    assert fetched_pairs(descending) == ASCENDING[::-1]
    assert fetched_pairs(client.sorted_set_fetch_by_rank(cache, "z", start_rank=1, end_rank=3)) == ASCENDING[1:3]
    assert fetched_pairs(client.sorted_set_fetch_by_rank(cache, "z", start_rank=-2)) == ASCENDING[-2:]
    top = client.sorted_set_fetch_by_rank(cache, "z", start_rank=0, end_rank=2, sort_order=SortOrder.DESCENDING)
    assert fetched_pairs(top) == [("bam", 1000.0), ("habanero", 68.0)]
    assert fetched_pairs(client.sorted_set_fetch_by_rank(cache, "z", start_rank=10)) == []


def test_sorted_set_fetch_by_score_with_bounds_offset_and_count(client: CacheClient, cache: str) -> None:
    client.sorted_set_put_elements(cache, "z", SCORES)
    ranged = client.sorted_set_fetch_by_score(cache, "z", min_score=1.0, max_score=68.0)
    assert fetched_pairs(ranged) == ASCENDING[:4]
    paged = client.sorted_set_fetch_by_score(cache, "z", offset=1, count=2)
    assert fetched_pairs(paged) == ASCENDING[1:3]
    backwards = client.sorted_set_fetch_by_score(cache, "z", min_score=2.0, sort_order=SortOrder.DESCENDING, count=2)
    assert fetched_pairs(backwards) == [("bam", 1000.0), ("habanero", 68.0)]
    assert fetched_pairs(client.sorted_set_fetch_by_score(cache, "z", min_score=2000.0)) == []


def test_sorted_set_scores_ranks_and_misses(client: CacheClient, cache: str) -> None:
    assert isinstance(client.sorted_set_fetch_by_rank(cache, "z"), CacheSortedSetFetch.Miss)
    assert isinstance(client.sorted_set_get_scores(cache, "z", ["foo"]), CacheSortedSetGetScores.Miss)
    assert isinstance(client.sorted_set_get_rank(cache, "z", "foo"), CacheSortedSetGetRank.Miss)
    client.sorted_set_put_element(cache, "z", "foo", 1.0)
    client.sorted_set_put_elements(cache, "z", {"bar": 42.0, b"\x00": -3.5})
    score = client.sorted_set_get_score(cache, "z", "bar")
    assert isinstance(score, CacheSortedSetGetScore.Hit) and score.score == 42.0
    assert isinstance(client.sorted_set_get_score(cache, "z", "absent"), CacheSortedSetGetScore.Miss)
    scores = client.sorted_set_get_scores(cache, "z", [b"\x00", "absent", "foo"])
    assert isinstance(scores, CacheSortedSetGetScores.Hit)
    assert scores.value_dictionary_bytes == {b"\x00": -3.5, b"foo": 1.0}
    rank = client.sorted_set_get_rank(cache, "z", "bar")
    assert isinstance(rank, CacheSortedSetGetRank.Hit) and rank.rank == 2
    rank = client.sorted_set_get_rank(cache, "z", "bar", sort_order=SortOrder.DESCENDING)
    assert isinstance(rank, CacheSortedSetGetRank.Hit) and rank.rank == 0
    assert isinstance(client.sorted_set_get_rank(cache, "z", "absent"), CacheSortedSetGetRank.Miss)


def test_sorted_set_increment_and_remove(client: CacheClient, cache: str) -> None:
    created = client.sorted_set_increment_score(cache, "z", "kessel", 10.0)
    assert isinstance(created, CacheSortedSetIncrementScore.Success) and created.score == 10.0
    bumped = client.sorted_set_increment_score(cache, "z", "kessel", 12.0)
    assert isinstance(bumped, CacheSortedSetIncrementScore.Success) and bumped.score == 22.0
    lowered = client.sorted_set_increment_score(cache, "z", "kessel", -30.5)
    assert isinstance(lowered, CacheSortedSetIncrementScore.Success) and lowered.score == -8.5
    client.sorted_set_put_elements(cache, "z", {"a": 1.0, "b": 2.0})
    client.sorted_set_remove_element(cache, "z", "a")
    assert fetched_pairs(client.sorted_set_fetch_by_rank(cache, "z")) == [("kessel", -8.5), ("b", 2.0)]
    client.sorted_set_remove_elements(cache, "z", ["kessel", "b", "absent"])
    assert isinstance(client.sorted_set_fetch_by_rank(cache, "z"), CacheSortedSetFetch.Miss)


# --- types and the cache --------------------------------------------------------------------


def test_a_collection_call_on_a_scalar_fails_its_precondition(client: CacheClient, cache: str) -> None:
    client.set(cache, "k", "scalar")
    assert error_code(client.list_push_back(cache, "k", "v")) is MomentoErrorCode.FAILED_PRECONDITION_ERROR
    assert error_code(client.dictionary_fetch(cache, "k")) is MomentoErrorCode.FAILED_PRECONDITION_ERROR
    client.set_add_element(cache, "s", "x")
    assert error_code(client.sorted_set_put_element(cache, "s", "x", 1.0)) is MomentoErrorCode.FAILED_PRECONDITION_ERROR
    assert error_code(client.get(cache, "s")) is MomentoErrorCode.FAILED_PRECONDITION_ERROR


def test_a_missing_cache_is_not_found(client: CacheClient) -> None:
    assert error_code(client.dictionary_fetch("no-such-cache", "d")) is MomentoErrorCode.NOT_FOUND_ERROR
    assert error_code(client.list_push_back("no-such-cache", "l", "v")) is MomentoErrorCode.NOT_FOUND_ERROR


# --- CollectionTtl on the emulator clock ----------------------------------------------------


def test_collection_ttl_refreshes_on_every_write_by_default(
    client: CacheClient, served: ThreadedEmulatorServer, cache: str
) -> None:
    ttl = CollectionTtl.of(timedelta(seconds=60))
    client.dictionary_set_field(cache, "d", "a", "1", ttl=ttl)
    served.control.advance(40)
    client.dictionary_set_field(cache, "d", "b", "2", ttl=ttl)
    served.control.advance(40)
    fetched = client.dictionary_fetch(cache, "d")
    assert isinstance(fetched, CacheDictionaryFetch.Hit)
    assert fetched.value_dictionary_string_string == {"a": "1", "b": "2"}
    served.control.advance(20)
    assert isinstance(client.dictionary_fetch(cache, "d"), CacheDictionaryFetch.Miss)


def test_no_refresh_keeps_the_ttl_set_at_creation(
    client: CacheClient, served: ThreadedEmulatorServer, cache: str
) -> None:
    ttl = CollectionTtl(ttl=timedelta(seconds=60), refresh_ttl=False)
    client.list_push_back(cache, "l", "a", ttl=ttl)
    served.control.advance(40)
    client.list_push_back(cache, "l", "b", ttl=CollectionTtl(ttl=timedelta(hours=1), refresh_ttl=False))
    served.control.advance(19)
    fetched = client.list_fetch(cache, "l")
    assert isinstance(fetched, CacheListFetch.Hit) and fetched.value_list_string == ["a", "b"]
    served.control.advance(1)
    assert isinstance(client.list_fetch(cache, "l"), CacheListFetch.Miss)


def test_from_cache_ttl_uses_the_clients_default(served: ThreadedEmulatorServer, cache: str) -> None:
    with CacheClient(Configurations.Laptop.v1(), credential_provider(served), timedelta(seconds=30)) as short:
        short.set_add_element(cache, "s", "x", ttl=CollectionTtl.from_cache_ttl().with_no_refresh_ttl_on_updates())
        served.control.advance(29)
        assert isinstance(short.set_fetch(cache, "s"), CacheSetFetch.Hit)
        served.control.advance(1)
        assert isinstance(short.set_fetch(cache, "s"), CacheSetFetch.Miss)


def test_removals_leave_the_ttl_alone(client: CacheClient, served: ThreadedEmulatorServer, cache: str) -> None:
    client.sorted_set_put_elements(cache, "z", {"a": 1.0, "b": 2.0}, ttl=CollectionTtl.of(timedelta(seconds=60)))
    served.control.advance(50)
    client.sorted_set_remove_element(cache, "z", "a")
    served.control.advance(10)
    assert isinstance(client.sorted_set_fetch_by_rank(cache, "z"), CacheSortedSetFetch.Miss)


# --- the async client -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_async_client_reaches_every_collection_type(served: ThreadedEmulatorServer) -> None:
    async with CacheClientAsync(Configurations.Laptop.v1(), credential_provider(served), HOUR) as client:
        cache = f"c-{uuid.uuid4().hex[:12]}"
        assert isinstance(await client.create_cache(cache), CreateCache.Success)
        await client.dictionary_set_fields(cache, "d", {"f": "v"})
        dictionary = await client.dictionary_fetch(cache, "d")
        assert isinstance(dictionary, CacheDictionaryFetch.Hit)
        assert dictionary.value_dictionary_string_string == {"f": "v"}
        pushed = await client.list_concatenate_front(cache, "l", ["a", "b"])
        assert isinstance(pushed, CacheListConcatenateFront.Success) and pushed.list_length == 2
        popped = await client.list_pop_back(cache, "l")
        assert isinstance(popped, CacheListPopBack.Hit) and popped.value_string == "b"
        await client.set_add_elements(cache, "s", ["x", "y"])
        elements = await client.set_fetch(cache, "s")
        assert isinstance(elements, CacheSetFetch.Hit) and elements.value_set_string == {"x", "y"}
        await client.sorted_set_put_elements(cache, "z", {"a": 2.0, "b": 1.0})
        ordered = await client.sorted_set_fetch_by_score(cache, "z", sort_order=SortOrder.DESCENDING)
        assert fetched_pairs(ordered) == [("a", 2.0), ("b", 1.0)]
        incremented = await client.dictionary_increment(cache, "d", "n", 3)
        assert isinstance(incremented, CacheDictionaryIncrement.Success) and incremented.value == 3
