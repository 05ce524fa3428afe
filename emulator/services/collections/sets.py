"""Set RPCs: SetFetch, Sample, Union, Difference, Contains, Length and Pop."""

from __future__ import annotations

from momento_wire_types import cacheclient_pb2 as pb

from emulator.core.errors import InvalidArgument
from emulator.services.call import Call
from emulator.services.collections.common import cache_of, chosen, ttl_of


def set_fetch(call: Call, request: pb._SetFetchRequest) -> pb._SetFetchResponse:
    elements = call.state.collections.set_fetch(cache_of(call), request.set_name)
    if elements is None:
        return pb._SetFetchResponse(missing=pb._SetFetchResponse._Missing())
    return pb._SetFetchResponse(found=pb._SetFetchResponse._Found(elements=elements))


def set_sample(call: Call, request: pb._SetSampleRequest) -> pb._SetSampleResponse:
    elements = call.state.collections.set_sample(cache_of(call), request.set_name, request.limit)
    if elements is None:
        return pb._SetSampleResponse(missing=pb._SetSampleResponse._Missing())
    return pb._SetSampleResponse(found=pb._SetSampleResponse._Found(elements=elements))


def set_union(call: Call, request: pb._SetUnionRequest) -> pb._SetUnionResponse:
    call.state.collections.set_union(cache_of(call), request.set_name, request.elements, ttl_of(request))
    return pb._SetUnionResponse()


def set_difference(call: Call, request: pb._SetDifferenceRequest) -> pb._SetDifferenceResponse:
    collections, cache = call.state.collections, cache_of(call)
    if chosen(request, "difference") == "minuend":
        found = collections.set_difference(cache, request.set_name, request.minuend.elements, minuend=True)
    else:
        subtrahend = request.subtrahend
        elements = None if chosen(subtrahend, "subtrahend_set") == "identity" else subtrahend.set.elements
        found = collections.set_difference(cache, request.set_name, elements)
    if not found:
        return pb._SetDifferenceResponse(missing=pb._SetDifferenceResponse._Missing())
    return pb._SetDifferenceResponse(found=pb._SetDifferenceResponse._Found())


def set_contains(call: Call, request: pb._SetContainsRequest) -> pb._SetContainsResponse:
    contains = call.state.collections.set_contains(cache_of(call), request.set_name, request.elements)
    if contains is None:
        return pb._SetContainsResponse(missing=pb._SetContainsResponse._Missing())
    return pb._SetContainsResponse(found=pb._SetContainsResponse._Found(contains=contains))


def set_length(call: Call, request: pb._SetLengthRequest) -> pb._SetLengthResponse:
    length = call.state.collections.set_length(cache_of(call), request.set_name)
    if length is None:
        return pb._SetLengthResponse(missing=pb._SetLengthResponse._Missing())
    return pb._SetLengthResponse(found=pb._SetLengthResponse._Found(length=length))


def set_pop(call: Call, request: pb._SetPopRequest) -> pb._SetPopResponse:
    if request.count == 0:
        raise InvalidArgument("count: must be positive")  # our rule, as the SDKs check before sending
    elements = call.state.collections.set_pop(cache_of(call), request.set_name, request.count)
    if elements is None:
        return pb._SetPopResponse(missing=pb._SetPopResponse._Missing())
    return pb._SetPopResponse(found=pb._SetPopResponse._Found(elements=elements))
