"""Sorted set RPCs: put, fetch (by rank, by score), scores, ranks, lengths, increment, remove, union store."""

from __future__ import annotations

import math
from typing import Any

from momento_wire_types import cacheclient_pb2 as pb

from emulator.core.collections import Aggregate, ScoreBound
from emulator.core.errors import InvalidArgument
from emulator.core.values import finite_number
from emulator.services.admission import admitted
from emulator.services.call import Call
from emulator.services.collections.common import (
    admitted_cache,
    bound,
    chosen,
    descending,
    found_or_missing,
    ttl_of,
)

SOURCE_ACTION = "SortedSetFetch"  # what a union store needs on each source: to read it
_Fetch = pb._SortedSetFetchResponse
_Score = pb._SortedSetGetScoreResponse
_Rank = pb._SortedSetGetRankResponse


def sorted_set_put(call: Call, request: pb._SortedSetPutRequest) -> pb._SortedSetPutResponse:
    cache = admitted_cache(call, request.set_name)
    elements = [
        (element.value, finite_number(element.score, f"elements[{index}].score"))
        for index, element in enumerate(request.elements)
    ]
    call.state.collections.sorted_set_put(cache, request.set_name, elements, ttl_of(request))
    return pb._SortedSetPutResponse()


def sorted_set_fetch(call: Call, request: pb._SortedSetFetchRequest) -> pb._SortedSetFetchResponse:
    cache, collections = admitted_cache(call, request.set_name), call.state.collections
    reverse = descending(request.order)
    if request.WhichOneof("range") == "by_score":
        by_score = request.by_score
        low, high = _score_bound(by_score, "min", "min_score"), _score_bound(by_score, "max", "max_score")
        elements = collections.sorted_set_fetch_by_score(
            cache, request.set_name, low, high, reverse, by_score.offset, by_score.count
        )
    else:  # by index; our rule: no range at all fetches every element
        by_index = request.by_index
        start = bound(by_index, "start", "inclusive_start_index")
        end = bound(by_index, "end", "exclusive_end_index")
        elements = collections.sorted_set_fetch_by_rank(cache, request.set_name, start, end, reverse)
    return found_or_missing(_Fetch, elements, _with_scores if request.with_scores else _without_scores)


def _with_scores(elements: list[tuple[bytes, float]]) -> dict[str, Any]:
    scored = [pb._SortedSetElement(value=value, score=score) for value, score in elements]
    return {"values_with_scores": _Fetch._Found._ValuesWithScores(elements=scored)}


def _without_scores(elements: list[tuple[bytes, float]]) -> dict[str, Any]:
    return {"values": _Fetch._Found._Values(values=[value for value, _ in elements])}


def _score_bound(by_score: Any, oneof: str, field: str) -> ScoreBound | None:
    if by_score.WhichOneof(oneof) != field:
        return None
    score = getattr(by_score, field)
    return ScoreBound(_finite_bound(score.score, f"by_score.{field}.score"), score.exclusive)


def _finite_bound(score: float, field: str) -> float:
    """A range's end may not be NaN; infinities are as good as unbounded."""
    if math.isnan(score):
        raise InvalidArgument(field, "NaN is not a score")
    return score


def sorted_set_get_score(call: Call, request: pb._SortedSetGetScoreRequest) -> pb._SortedSetGetScoreResponse:
    cache = admitted_cache(call, request.set_name)
    scores = call.state.collections.sorted_set_get_scores(cache, request.set_name, request.values)
    if scores is None:
        return _Score(missing=_Score._SortedSetMissing())
    parts = [
        _Score._SortedSetGetScoreResponsePart(result=pb.Miss)
        if score is None
        else _Score._SortedSetGetScoreResponsePart(result=pb.Hit, score=score)
        for score in scores
    ]
    return _Score(found=_Score._SortedSetFound(elements=parts))


def sorted_set_remove(call: Call, request: pb._SortedSetRemoveRequest) -> pb._SortedSetRemoveResponse:
    cache = admitted_cache(call, request.set_name)
    values = None if chosen(request, "remove_elements") == "all" else list(request.some.values)
    call.state.collections.sorted_set_remove(cache, request.set_name, values)
    return pb._SortedSetRemoveResponse()


def sorted_set_increment(call: Call, request: pb._SortedSetIncrementRequest) -> pb._SortedSetIncrementResponse:
    cache = admitted_cache(call, request.set_name)
    amount = finite_number(request.amount, "amount")
    score = call.state.collections.sorted_set_increment(cache, request.set_name, request.value, amount, ttl_of(request))
    return pb._SortedSetIncrementResponse(score=score)


def sorted_set_get_rank(call: Call, request: pb._SortedSetGetRankRequest) -> pb._SortedSetGetRankResponse:
    cache = admitted_cache(call, request.set_name)
    rank = call.state.collections.sorted_set_rank(cache, request.set_name, request.value, descending(request.order))
    # Our rule: a missing sorted set is answered as a missing element, not with ``missing``: the
    # Python SDK 1.29.1 reads only ``element_rank`` and would report ``missing`` as an error.
    if rank is None:
        return _Rank(element_rank=_Rank._RankResponsePart(result=pb.Miss))
    return _Rank(element_rank=_Rank._RankResponsePart(result=pb.Hit, rank=rank))


def sorted_set_length(call: Call, request: pb._SortedSetLengthRequest) -> pb._SortedSetLengthResponse:
    cache = admitted_cache(call, request.set_name)
    length = call.state.collections.sorted_set_length(cache, request.set_name)
    return found_or_missing(pb._SortedSetLengthResponse, length, lambda found: {"length": found})


def sorted_set_length_by_score(
    call: Call, request: pb._SortedSetLengthByScoreRequest
) -> pb._SortedSetLengthByScoreResponse:
    cache = admitted_cache(call, request.set_name)
    low, high = _length_bound(request, "min"), _length_bound(request, "max")
    length = call.state.collections.sorted_set_length_by_score(cache, request.set_name, low, high)
    return found_or_missing(pb._SortedSetLengthByScoreResponse, length, lambda found: {"length": found})


def _length_bound(request: pb._SortedSetLengthByScoreRequest, end: str) -> ScoreBound | None:
    which = request.WhichOneof(end)
    if which is None or which.startswith("unbounded"):
        return None
    return ScoreBound(_finite_bound(getattr(request, which), which), exclusive=which.startswith("exclusive"))


def sorted_set_union_store(call: Call, request: pb._SortedSetUnionStoreRequest) -> pb._SortedSetUnionStoreResponse:
    # Our rule: the row's (state-returning write) action on the destination, and read on every source.
    cache = admitted_cache(call, request.set_name)
    if request.sources:  # none at all is refused below, as an invalid argument
        admitted(call, [source.set_name for source in request.sources], action=SOURCE_ACTION)
    sources = []
    for index, source in enumerate(request.sources):
        if not source.set_name:
            raise InvalidArgument(f"sources[{index}].set_name", "must not be empty")
        sources.append((source.set_name, finite_number(source.weight, f"sources[{index}].weight")))
    try:
        aggregate = Aggregate(request.aggregate)
    except ValueError:
        raise InvalidArgument("aggregate", f"{request.aggregate} is not SUM (0), MIN (1) or MAX (2)") from None
    length = call.state.collections.sorted_set_union_store(
        cache, request.set_name, sources, aggregate, request.ttl_milliseconds
    )
    return pb._SortedSetUnionStoreResponse(length=length)
