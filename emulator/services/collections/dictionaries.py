"""Dictionary RPCs: DictionaryGet, Fetch, Set, Increment, Delete and Length."""

from __future__ import annotations

from momento_wire_types import cacheclient_pb2 as pb

from emulator.services.call import Call
from emulator.services.collections.common import admitted_cache, chosen, found_or_missing, ttl_of

_Part = pb._DictionaryGetResponse._DictionaryGetResponsePart


def dictionary_get(call: Call, request: pb._DictionaryGetRequest) -> pb._DictionaryGetResponse:
    cache, name = admitted_cache(call, request.dictionary_name), request.dictionary_name
    values = call.state.collections.dictionary_get(cache, name, request.fields)
    return found_or_missing(
        pb._DictionaryGetResponse,
        values,
        lambda found: {
            "items": [_Part(result=pb.Miss) if v is None else _Part(result=pb.Hit, cache_body=v) for v in found]
        },
    )


def dictionary_fetch(call: Call, request: pb._DictionaryFetchRequest) -> pb._DictionaryFetchResponse:
    cache, name = admitted_cache(call, request.dictionary_name), request.dictionary_name
    return found_or_missing(
        pb._DictionaryFetchResponse,
        call.state.collections.dictionary_fetch(cache, name),
        lambda found: {"items": [pb._DictionaryFieldValuePair(field=f, value=v) for f, v in found]},
    )


def dictionary_set(call: Call, request: pb._DictionarySetRequest) -> pb._DictionarySetResponse:
    cache, name = admitted_cache(call, request.dictionary_name), request.dictionary_name
    items = [(item.field, item.value) for item in request.items]
    call.state.collections.dictionary_set(cache, name, items, ttl_of(request))
    return pb._DictionarySetResponse()


def dictionary_increment(call: Call, request: pb._DictionaryIncrementRequest) -> pb._DictionaryIncrementResponse:
    cache, name = admitted_cache(call, request.dictionary_name), request.dictionary_name
    value = call.state.collections.dictionary_increment(cache, name, request.field, request.amount, ttl_of(request))
    return pb._DictionaryIncrementResponse(value=value)


def dictionary_delete(call: Call, request: pb._DictionaryDeleteRequest) -> pb._DictionaryDeleteResponse:
    cache, name = admitted_cache(call, request.dictionary_name), request.dictionary_name
    fields = None if chosen(request, "delete") == "all" else list(request.some.fields)
    call.state.collections.dictionary_delete(cache, name, fields)
    return pb._DictionaryDeleteResponse()


def dictionary_length(call: Call, request: pb._DictionaryLengthRequest) -> pb._DictionaryLengthResponse:
    cache, name = admitted_cache(call, request.dictionary_name), request.dictionary_name
    length = call.state.collections.dictionary_length(cache, name)
    return found_or_missing(pb._DictionaryLengthResponse, length, lambda found: {"length": found})
