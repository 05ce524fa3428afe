"""Collection RPCs over a real channel, for what no SDK call reaches: lengths, sampling, popping, erasing,
retaining, union store, the protocol's other choices, and the refusals of malformed requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from momento_wire_types import cacheclient_pb2 as pb
from momento_wire_types import cacheclient_pb2_grpc, controlclient_pb2, controlclient_pb2_grpc
from momento_wire_types import common_pb2 as common

from emulator import Control, Settings, ThreadedEmulatorServer, local_control
from emulator._generated import admin_pb2, admin_pb2_grpc
from tests.builders import START
from tests.helpers import status_of

MINUTE = {"ttl_milliseconds": 60_000, "refresh_ttl": True}
UNBOUNDED = common._Unbounded()


class Scs:
    """The ``cache_client.Scs`` service as the super-user, on one fresh cache."""

    def __init__(self, channel: grpc.Channel, key: str, cache: str) -> None:
        self.stub = cacheclient_pb2_grpc.ScsStub(channel)
        self.metadata = [("authorization", key), ("cache", cache)]

    def __call__(self, method: str, request: Any) -> Any:
        return getattr(self.stub, method)(request, metadata=self.metadata, timeout=10)

    def refused(self, method: str, request: Any) -> tuple[grpc.StatusCode, str]:
        return status_of(lambda: self(method, request))


@pytest.fixture(scope="module")
def served() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START, seed="wire")) as running:
        yield running


@pytest.fixture(scope="module")
def control(served: ThreadedEmulatorServer) -> Control:
    return local_control(served.emulator)


@pytest.fixture
def scs(served: ThreadedEmulatorServer, control: Control) -> Iterator[Scs]:
    key, cache = control.bootstrap().raw_api_key, f"c-{uuid.uuid4().hex[:12]}"
    with grpc.insecure_channel(served.target) as channel:
        controlclient_pb2_grpc.ScsControlStub(channel).CreateCache(
            controlclient_pb2._CreateCacheRequest(cache_name=cache), metadata=[("authorization", key)], timeout=10
        )
        yield Scs(channel, key, cache)


def put_sorted(scs: Scs, name: bytes, scores: dict[bytes, float]) -> None:
    elements = [pb._SortedSetElement(value=value, score=score) for value, score in scores.items()]
    scs("SortedSetPut", pb._SortedSetPutRequest(set_name=name, elements=elements, **MINUTE))


# --- dictionaries ---------------------------------------------------------------------------


def test_dictionary_length_and_delete_all(scs: Scs) -> None:
    assert scs("DictionaryLength", pb._DictionaryLengthRequest(dictionary_name=b"d")).HasField("missing")
    items = [pb._DictionaryFieldValuePair(field=f, value=b"v") for f in (b"a", b"b", b"a")]
    scs("DictionarySet", pb._DictionarySetRequest(dictionary_name=b"d", items=items, **MINUTE))
    assert scs("DictionaryLength", pb._DictionaryLengthRequest(dictionary_name=b"d")).found.length == 2
    delete_all = pb._DictionaryDeleteRequest(dictionary_name=b"d", all=pb._DictionaryDeleteRequest.All())
    scs("DictionaryDelete", delete_all)
    assert scs("DictionaryFetch", pb._DictionaryFetchRequest(dictionary_name=b"d")).HasField("missing")


# --- sets -----------------------------------------------------------------------------------


def add(scs: Scs, name: bytes, *elements: bytes) -> None:
    scs("SetUnion", pb._SetUnionRequest(set_name=name, elements=list(elements), **MINUTE))


def test_set_contains_length_and_sample(scs: Scs) -> None:
    assert scs("SetContains", pb._SetContainsRequest(set_name=b"s", elements=[b"a"])).HasField("missing")
    assert scs("SetSample", pb._SetSampleRequest(set_name=b"s", limit=3)).HasField("missing")
    add(scs, b"s", b"a", b"b", b"c", b"d")
    contains = scs("SetContains", pb._SetContainsRequest(set_name=b"s", elements=[b"d", b"z", b"a"]))
    assert list(contains.found.contains) == [True, False, True]
    assert scs("SetLength", pb._SetLengthRequest(set_name=b"s")).found.length == 4
    sample = list(scs("SetSample", pb._SetSampleRequest(set_name=b"s", limit=3)).found.elements)
    assert len(set(sample)) == 3 and set(sample) <= {b"a", b"b", b"c", b"d"}
    everything = scs("SetSample", pb._SetSampleRequest(set_name=b"s", limit=100)).found.elements
    assert sorted(everything) == [b"a", b"b", b"c", b"d"]
    none = scs("SetSample", pb._SetSampleRequest(set_name=b"s", limit=0))
    assert none.HasField("found") and list(none.found.elements) == []
    assert scs("SetLength", pb._SetLengthRequest(set_name=b"s")).found.length == 4


def test_set_pop_removes_what_it_returns_and_then_the_set(scs: Scs) -> None:
    assert scs("SetPop", pb._SetPopRequest(set_name=b"s", count=1)).HasField("missing")
    add(scs, b"s", b"a", b"b", b"c")
    popped = list(scs("SetPop", pb._SetPopRequest(set_name=b"s", count=2)).found.elements)
    rest = list(scs("SetFetch", pb._SetFetchRequest(set_name=b"s")).found.elements)
    assert len(popped) == 2 and sorted(popped + rest) == [b"a", b"b", b"c"]
    assert list(scs("SetPop", pb._SetPopRequest(set_name=b"s", count=9)).found.elements) == rest
    assert scs("SetFetch", pb._SetFetchRequest(set_name=b"s")).HasField("missing")
    code, details = scs.refused("SetPop", pb._SetPopRequest(set_name=b"s", count=0))
    assert code is grpc.StatusCode.INVALID_ARGUMENT and details.startswith("count:")


def test_set_difference_by_elements_by_identity_and_as_minuend(scs: Scs) -> None:
    subtract = pb._SetDifferenceRequest._Subtrahend
    missing = pb._SetDifferenceRequest(set_name=b"s", subtrahend=subtract(set=subtract._Set(elements=[b"a"])))
    assert scs("SetDifference", missing).HasField("missing")
    add(scs, b"s", b"a", b"b", b"c")
    assert scs("SetDifference", missing).HasField("found")
    assert sorted(scs("SetFetch", pb._SetFetchRequest(set_name=b"s")).found.elements) == [b"b", b"c"]
    minuend = pb._SetDifferenceRequest._Minuend(elements=[b"b", b"x", b"y"])
    scs("SetDifference", pb._SetDifferenceRequest(set_name=b"s", minuend=minuend))
    assert sorted(scs("SetFetch", pb._SetFetchRequest(set_name=b"s")).found.elements) == [b"x", b"y"]
    identity = pb._SetDifferenceRequest(set_name=b"s", subtrahend=subtract(identity=subtract._Identity()))
    assert scs("SetDifference", identity).HasField("found")
    assert scs("SetFetch", pb._SetFetchRequest(set_name=b"s")).HasField("missing")


# --- lists ----------------------------------------------------------------------------------


def listed(scs: Scs, name: bytes = b"l", **bounds: Any) -> list[bytes]:
    return list(scs("ListFetch", pb._ListFetchRequest(list_name=name, **bounds)).found.values)


def fill(scs: Scs, count: int = 10) -> None:
    values = [str(index).encode() for index in range(count)]
    scs("ListConcatenateBack", pb._ListConcatenateBackRequest(list_name=b"l", values=values, **MINUTE))


def test_list_fetch_slices_like_the_protocol_documents(scs: Scs) -> None:
    fill(scs)
    digits = [str(index).encode() for index in range(10)]
    assert listed(scs, unbounded_start=UNBOUNDED, unbounded_end=UNBOUNDED) == digits
    assert listed(scs, inclusive_start=2, exclusive_end=-6) == digits[2:4]
    assert listed(scs, inclusive_start=-7, exclusive_end=-2) == digits[3:8]
    assert listed(scs, inclusive_start=-2, exclusive_end=-6) == []
    assert listed(scs, exclusive_end=5) == digits[:5]
    assert listed(scs, inclusive_start=5) == digits[5:]


def test_list_retain_keeps_a_slice_and_applies_its_ttl(scs: Scs, control: Control) -> None:
    retain = pb._ListRetainRequest(
        list_name=b"l", inclusive_start=4, exclusive_end=9, ttl_milliseconds=5_000, refresh_ttl=True
    )
    assert scs("ListRetain", retain).HasField("missing")
    fill(scs)
    assert scs("ListRetain", retain).found.list_length == 5
    assert listed(scs) == [b"4", b"5", b"6", b"7", b"8"]
    control.advance(5)
    assert scs("ListLength", pb._ListLengthRequest(list_name=b"l")).HasField("missing")


def test_list_erase_ranges_and_all(scs: Scs) -> None:
    ranges = pb._ListEraseRequest._ListRanges(
        ranges=[pb._ListRange(begin_index=1, count=2), pb._ListRange(begin_index=8, count=100)]
    )
    assert scs("ListErase", pb._ListEraseRequest(list_name=b"l", some=ranges)).HasField("missing")
    fill(scs)
    assert scs("ListErase", pb._ListEraseRequest(list_name=b"l", some=ranges)).found.list_length == 6
    assert listed(scs) == [b"0", b"3", b"4", b"5", b"6", b"7"]
    erased = scs("ListErase", pb._ListEraseRequest(list_name=b"l", all=pb._ListEraseRequest._All()))
    assert erased.found.list_length == 0
    assert scs("ListFetch", pb._ListFetchRequest(list_name=b"l")).HasField("missing")


def test_list_remove_and_pops_report_the_remaining_length(scs: Scs) -> None:
    scs("ListConcatenateBack", pb._ListConcatenateBackRequest(list_name=b"l", values=[b"a", b"b", b"a"], **MINUTE))
    removed = scs("ListRemove", pb._ListRemoveRequest(list_name=b"l", all_elements_with_value=b"a"))
    assert removed.found.list_length == 1
    popped = scs("ListPopFront", pb._ListPopFrontRequest(list_name=b"l"))
    assert (popped.found.front, popped.found.list_length) == (b"b", 0)
    assert scs("ListRemove", pb._ListRemoveRequest(list_name=b"l", all_elements_with_value=b"a")).HasField("missing")


# --- sorted sets ----------------------------------------------------------------------------


def test_sorted_set_fetch_without_scores_and_with_exclusive_bounds(scs: Scs) -> None:
    put_sorted(scs, b"z", {b"a": 1.0, b"b": 2.0, b"c": 3.0, b"d": 4.0})
    score = pb._SortedSetFetchRequest._ByScore._Score
    by_score = pb._SortedSetFetchRequest._ByScore(
        min_score=score(score=1.0, exclusive=True), max_score=score(score=4.0, exclusive=True), offset=0, count=-1
    )
    request = pb._SortedSetFetchRequest(set_name=b"z", with_scores=False, by_score=by_score, order=1)
    assert list(scs("SortedSetFetch", request).found.values.values) == [b"c", b"b"]
    no_range = scs("SortedSetFetch", pb._SortedSetFetchRequest(set_name=b"z", with_scores=True))
    assert [e.value for e in no_range.found.values_with_scores.elements] == [b"a", b"b", b"c", b"d"]
    zero = pb._SortedSetFetchRequest._ByScore(unbounded_min=UNBOUNDED, unbounded_max=UNBOUNDED, count=0)
    assert (
        list(scs("SortedSetFetch", pb._SortedSetFetchRequest(set_name=b"z", by_score=zero)).found.values.values) == []
    )


def test_sorted_set_lengths(scs: Scs) -> None:
    assert scs("SortedSetLength", pb._SortedSetLengthRequest(set_name=b"z")).HasField("missing")
    put_sorted(scs, b"z", {b"a": 1.0, b"b": 2.0, b"c": 2.0, b"d": 4.0})
    assert scs("SortedSetLength", pb._SortedSetLengthRequest(set_name=b"z")).found.length == 4
    by_score = pb._SortedSetLengthByScoreRequest
    assert scs("SortedSetLengthByScore", by_score(set_name=b"z", inclusive_min=2.0)).found.length == 3
    assert scs("SortedSetLengthByScore", by_score(set_name=b"z", exclusive_min=2.0)).found.length == 1
    assert scs("SortedSetLengthByScore", by_score(set_name=b"z", exclusive_max=2.0)).found.length == 1
    between = by_score(set_name=b"z", inclusive_min=2.0, inclusive_max=2.0)
    assert scs("SortedSetLengthByScore", between).found.length == 2


def test_sorted_set_rank_of_a_missing_set_is_a_missing_element(scs: Scs) -> None:
    rank = scs("SortedSetGetRank", pb._SortedSetGetRankRequest(set_name=b"z", value=b"a"))
    assert rank.WhichOneof("rank") == "element_rank" and rank.element_rank.result == pb.Miss


def test_sorted_set_remove_all(scs: Scs) -> None:
    put_sorted(scs, b"z", {b"a": 1.0})
    scs("SortedSetRemove", pb._SortedSetRemoveRequest(set_name=b"z", all=pb._SortedSetRemoveRequest._All()))
    assert scs("SortedSetLength", pb._SortedSetLengthRequest(set_name=b"z")).HasField("missing")


def union(scs: Scs, destination: bytes, sources: dict[bytes, float], aggregate: int = 0) -> Any:
    source = pb._SortedSetUnionStoreRequest._Source
    request = pb._SortedSetUnionStoreRequest(
        set_name=destination,
        sources=[source(set_name=name, weight=weight) for name, weight in sources.items()],
        aggregate=aggregate,
        ttl_milliseconds=60_000,
    )
    return scs("SortedSetUnionStore", request)


def scores_of(scs: Scs, name: bytes) -> dict[bytes, float]:
    fetched = scs("SortedSetFetch", pb._SortedSetFetchRequest(set_name=name, with_scores=True))
    return {element.value: element.score for element in fetched.found.values_with_scores.elements}


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        (0, {b"foo": 1.0, b"bar": 8.0, b"abc": 5.0}),
        (1, {b"foo": 1.0, b"bar": 3.0, b"abc": 5.0}),
        (2, {b"foo": 1.0, b"bar": 5.0, b"abc": 5.0}),
    ],
)
def test_union_store_weights_and_aggregates(scs: Scs, aggregate: int, expected: dict[bytes, float]) -> None:
    put_sorted(scs, b"one", {b"foo": 1.0, b"bar": 3.0})
    put_sorted(scs, b"two", {b"abc": 2.0, b"bar": 2.0})
    assert union(scs, b"dest", {b"one": 1.0, b"two": 2.5, b"absent": 3.0}, aggregate).length == 3
    assert scores_of(scs, b"dest") == expected


def test_an_empty_union_removes_the_destination(scs: Scs) -> None:
    put_sorted(scs, b"dest", {b"old": 1.0})
    assert union(scs, b"dest", {b"absent": 1.0}).length == 0
    assert scs("SortedSetLength", pb._SortedSetLengthRequest(set_name=b"dest")).HasField("missing")


# --- types, TTLs and refusals ---------------------------------------------------------------


def test_item_type_and_ttl_report_collections(scs: Scs, control: Control) -> None:
    put_sorted(scs, b"z", {b"a": 1.0})
    add(scs, b"s", b"x")
    found = pb._ItemGetTypeResponse.ItemType
    assert scs("ItemGetType", pb._ItemGetTypeRequest(cache_key=b"z")).found.item_type == found.SORTED_SET
    assert scs("ItemGetType", pb._ItemGetTypeRequest(cache_key=b"s")).found.item_type == found.SET
    control.advance(15)
    assert scs("ItemGetTtl", pb._ItemGetTtlRequest(cache_key=b"z")).found.remaining_ttl_millis == 45_000


@pytest.mark.parametrize(
    ("method", "request_", "field"),
    [
        ("DictionaryDelete", pb._DictionaryDeleteRequest(dictionary_name=b"d"), "delete:"),
        ("SetDifference", pb._SetDifferenceRequest(set_name=b"s"), "difference:"),
        ("ListErase", pb._ListEraseRequest(list_name=b"l"), "erase:"),
        ("ListRemove", pb._ListRemoveRequest(list_name=b"l"), "remove:"),
        ("SortedSetRemove", pb._SortedSetRemoveRequest(set_name=b"z"), "remove_elements:"),
        ("SortedSetFetch", pb._SortedSetFetchRequest(set_name=b"z", order=7), "order:"),
        ("SortedSetGetRank", pb._SortedSetGetRankRequest(set_name=b"z", value=b"v", order=-1), "order:"),
        ("ListLength", pb._ListLengthRequest(list_name=b""), "list_name:"),
        ("SetUnion", pb._SetUnionRequest(set_name=b"s", elements=[b"x"]), "ttl_milliseconds:"),
        (
            "SortedSetPut",
            pb._SortedSetPutRequest(
                set_name=b"z", elements=[pb._SortedSetElement(value=b"v", score=float("nan"))], **MINUTE
            ),
            "elements[0].score:",
        ),
        (
            "SortedSetIncrement",
            pb._SortedSetIncrementRequest(set_name=b"z", value=b"v", amount=float("inf"), **MINUTE),
            "amount:",
        ),
        ("SortedSetUnionStore", pb._SortedSetUnionStoreRequest(set_name=b"z", ttl_milliseconds=1_000), "sources:"),
        (
            "SortedSetUnionStore",
            pb._SortedSetUnionStoreRequest(
                set_name=b"z",
                sources=[pb._SortedSetUnionStoreRequest._Source(set_name=b"a", weight=float("inf"))],
                ttl_milliseconds=1_000,
            ),
            "sources[0].weight:",
        ),
        (
            "SortedSetUnionStore",
            pb._SortedSetUnionStoreRequest(
                set_name=b"z", sources=[pb._SortedSetUnionStoreRequest._Source(set_name=b"a")], aggregate=9
            ),
            "aggregate:",
        ),
    ],
)
def test_malformed_requests_are_invalid_arguments_naming_their_field(
    scs: Scs, method: str, request_: Any, field: str
) -> None:
    code, details = scs.refused(method, request_)
    assert code is grpc.StatusCode.INVALID_ARGUMENT, details
    assert details.startswith(field), details


def test_a_wrong_type_is_a_failed_precondition(scs: Scs) -> None:
    add(scs, b"s", b"x")
    code, details = scs.refused("ListLength", pb._ListLengthRequest(list_name=b"s"))
    assert code is grpc.StatusCode.FAILED_PRECONDITION
    assert details == "list_name: the item 's' is a set, not a list"


# --- the admin API shows collections --------------------------------------------------------


def test_admin_items_show_a_collections_type_length_size_ttl_and_entries(
    scs: Scs, served: ThreadedEmulatorServer
) -> None:
    put_sorted(scs, b"z", {b"c": 3.0, b"a": 1.0, b"b": 2.0, b"d": 4.0})
    items = [pb._DictionaryFieldValuePair(field=b"f", value=b"v")]
    scs("DictionarySet", pb._DictionarySetRequest(dictionary_name=b"d", items=items, **MINUTE))
    cache = dict(scs.metadata)["cache"]
    with grpc.insecure_channel(served.target) as channel:
        admin = admin_pb2_grpc.AdminStub(channel)
        listed = {item.key: item for item in admin.ListItems(admin_pb2.ListItemsRequest(cache=cache)).items}
        whole = admin.GetItem(admin_pb2.GetItemRequest(cache=cache, key=b"z"))
    preview = listed[b"z"]
    assert (preview.type, preview.length, preview.size, preview.remaining_ttl_ms) == ("sorted-set", 4, 4 * 9, 60_000)
    assert [(entry.value, entry.score) for entry in preview.entries] == [(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)]
    assert [entry.value for entry in whole.entries] == [b"a", b"b", b"c", b"d"]
    assert [(entry.field, entry.value) for entry in listed[b"d"].entries] == [(b"f", b"v")]
    assert (listed[b"d"].type, listed[b"d"].length, listed[b"d"].size) == ("dictionary", 1, 2)


# --- faults and the journal name collection RPCs --------------------------------------------


def test_faults_and_the_journal_cover_collection_rpcs_by_name(scs: Scs, control: Control) -> None:
    push = pb._ListPushBackRequest(list_name=b"orders", value=b"order-42", **MINUTE)
    control.add_fault("ListPushBack", "UNAVAILABLE", count=1)
    assert scs.refused("ListPushBack", push)[0] is grpc.StatusCode.UNAVAILABLE
    assert scs("ListPushBack", push).list_length == 1
    refused, pushed = control.journal(method="ListPushBack")[-2:]
    assert (refused.code, pushed.code) == ("UNAVAILABLE", "OK")
    assert pushed.request["list_name"] == "[6 bytes] orders"
    assert pushed.request["value"] == "[8 bytes] order-42"
