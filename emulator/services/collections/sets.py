"""Set RPCs: SetFetch, Sample, Union, Difference, Contains, Length and Pop."""

from __future__ import annotations

from momento_wire_types import cacheclient_pb2 as pb

from emulator.core.errors import InvalidArgument
from emulator.services.call import Call
from emulator.services.collections.common import admitted_cache, chosen, found_or_missing, ttl_of


def set_fetch(call: Call, request: pb._SetFetchRequest) -> pb._SetFetchResponse:
    cache = admitted_cache(call, request.set_name)
    elements = call.state.collections.set_fetch(cache, request.set_name)
    return found_or_missing(pb._SetFetchResponse, elements, lambda found: {"elements": found})


def set_sample(call: Call, request: pb._SetSampleRequest) -> pb._SetSampleResponse:
    cache = admitted_cache(call, request.set_name)
    elements = call.state.collections.set_sample(cache, request.set_name, request.limit)
    return found_or_missing(pb._SetSampleResponse, elements, lambda found: {"elements": found})


def set_union(call: Call, request: pb._SetUnionRequest) -> pb._SetUnionResponse:
    cache = admitted_cache(call, request.set_name)
    call.state.collections.set_union(cache, request.set_name, request.elements, ttl_of(request))
    return pb._SetUnionResponse()


def set_difference(call: Call, request: pb._SetDifferenceRequest) -> pb._SetDifferenceResponse:
    cache, collections = admitted_cache(call, request.set_name), call.state.collections
    if chosen(request, "difference") == "minuend":
        found = collections.set_difference(cache, request.set_name, request.minuend.elements, minuend=True)
    else:
        subtrahend = request.subtrahend
        elements = None if chosen(subtrahend, "subtrahend_set") == "identity" else subtrahend.set.elements
        found = collections.set_difference(cache, request.set_name, elements)
    return found_or_missing(pb._SetDifferenceResponse, True if found else None, lambda _: {})


def set_contains(call: Call, request: pb._SetContainsRequest) -> pb._SetContainsResponse:
    cache = admitted_cache(call, request.set_name)
    contains = call.state.collections.set_contains(cache, request.set_name, request.elements)
    return found_or_missing(pb._SetContainsResponse, contains, lambda found: {"contains": found})


def set_length(call: Call, request: pb._SetLengthRequest) -> pb._SetLengthResponse:
    cache = admitted_cache(call, request.set_name)
    length = call.state.collections.set_length(cache, request.set_name)
    return found_or_missing(pb._SetLengthResponse, length, lambda found: {"length": found})


def set_pop(call: Call, request: pb._SetPopRequest) -> pb._SetPopResponse:
    cache = admitted_cache(call, request.set_name)
    if request.count == 0:
        raise InvalidArgument("count", "must be positive")  # our rule, as the SDKs check before sending
    elements = call.state.collections.set_pop(cache, request.set_name, request.count)
    return found_or_missing(pb._SetPopResponse, elements, lambda found: {"elements": found})
