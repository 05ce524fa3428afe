"""List RPCs: push, concatenate, pop, fetch, length, retain, remove and erase."""

from __future__ import annotations

from typing import Any

from momento_wire_types import cacheclient_pb2 as pb

from emulator.services.call import Call
from emulator.services.collections.common import admitted_cache, bound, chosen, found_or_missing, ttl_of


def list_push_front(call: Call, request: pb._ListPushFrontRequest) -> pb._ListPushFrontResponse:
    cache, name = admitted_cache(call, request.list_name), request.list_name
    length = call.state.collections.list_concatenate_front(
        cache, name, [request.value], ttl_of(request), request.truncate_back_to_size
    )
    return pb._ListPushFrontResponse(list_length=length)


def list_push_back(call: Call, request: pb._ListPushBackRequest) -> pb._ListPushBackResponse:
    cache, name = admitted_cache(call, request.list_name), request.list_name
    length = call.state.collections.list_concatenate_back(
        cache, name, [request.value], ttl_of(request), request.truncate_front_to_size
    )
    return pb._ListPushBackResponse(list_length=length)


def list_concatenate_front(call: Call, request: pb._ListConcatenateFrontRequest) -> pb._ListConcatenateFrontResponse:
    cache, name = admitted_cache(call, request.list_name), request.list_name
    length = call.state.collections.list_concatenate_front(
        cache, name, request.values, ttl_of(request), request.truncate_back_to_size
    )
    return pb._ListConcatenateFrontResponse(list_length=length)


def list_concatenate_back(call: Call, request: pb._ListConcatenateBackRequest) -> pb._ListConcatenateBackResponse:
    cache, name = admitted_cache(call, request.list_name), request.list_name
    length = call.state.collections.list_concatenate_back(
        cache, name, request.values, ttl_of(request), request.truncate_front_to_size
    )
    return pb._ListConcatenateBackResponse(list_length=length)


def list_pop_front(call: Call, request: pb._ListPopFrontRequest) -> pb._ListPopFrontResponse:
    cache = admitted_cache(call, request.list_name)
    popped = call.state.collections.list_pop_front(cache, request.list_name)
    return found_or_missing(
        pb._ListPopFrontResponse, popped, lambda found: {"front": found[0], "list_length": found[1]}
    )


def list_pop_back(call: Call, request: pb._ListPopBackRequest) -> pb._ListPopBackResponse:
    cache = admitted_cache(call, request.list_name)
    popped = call.state.collections.list_pop_back(cache, request.list_name)
    return found_or_missing(pb._ListPopBackResponse, popped, lambda found: {"back": found[0], "list_length": found[1]})


def _range(request: Any) -> tuple[int | None, int | None]:
    """ListFetch's and ListRetain's slice: unset or unbounded ends are None."""
    return bound(request, "start_index", "inclusive_start"), bound(request, "end_index", "exclusive_end")


def list_fetch(call: Call, request: pb._ListFetchRequest) -> pb._ListFetchResponse:
    cache = admitted_cache(call, request.list_name)
    values = call.state.collections.list_fetch(cache, request.list_name, *_range(request))
    return found_or_missing(pb._ListFetchResponse, values, lambda found: {"values": found})


def list_length(call: Call, request: pb._ListLengthRequest) -> pb._ListLengthResponse:
    cache = admitted_cache(call, request.list_name)
    length = call.state.collections.list_length(cache, request.list_name)
    return found_or_missing(pb._ListLengthResponse, length, lambda found: {"length": found})


def list_retain(call: Call, request: pb._ListRetainRequest) -> pb._ListRetainResponse:
    cache = admitted_cache(call, request.list_name)
    length = call.state.collections.list_retain(cache, request.list_name, *_range(request), ttl_of(request))
    return found_or_missing(pb._ListRetainResponse, length, lambda found: {"list_length": found})


def list_remove(call: Call, request: pb._ListRemoveRequest) -> pb._ListRemoveResponse:
    cache = admitted_cache(call, request.list_name)
    chosen(request, "remove")  # its only choice: every element equal to a value
    length = call.state.collections.list_remove(cache, request.list_name, request.all_elements_with_value)
    return found_or_missing(pb._ListRemoveResponse, length, lambda found: {"list_length": found})


def list_erase(call: Call, request: pb._ListEraseRequest) -> pb._ListEraseResponse:
    cache = admitted_cache(call, request.list_name)
    some = chosen(request, "erase") == "some"
    ranges = [(part.begin_index, part.count) for part in request.some.ranges] if some else None
    length = call.state.collections.list_erase(cache, request.list_name, ranges)
    return found_or_missing(pb._ListEraseResponse, length, lambda found: {"list_length": found})
