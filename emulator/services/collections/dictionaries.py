"""Dictionary RPCs: DictionaryGet, Fetch, Set, Increment, Delete and Length."""

from __future__ import annotations

from momento_wire_types import cacheclient_pb2 as pb

from emulator.services.call import Call
from emulator.services.collections.common import cache_of, chosen, ttl_of

_Get = pb._DictionaryGetResponse


def dictionary_get(call: Call, request: pb._DictionaryGetRequest) -> pb._DictionaryGetResponse:
    values = call.state.collections.dictionary_get(cache_of(call), request.dictionary_name, request.fields)
    if values is None:
        return _Get(missing=_Get._Missing())
    parts = [
        _Get._DictionaryGetResponsePart(result=pb.Miss)
        if value is None
        else _Get._DictionaryGetResponsePart(result=pb.Hit, cache_body=value)
        for value in values
    ]
    return _Get(found=_Get._Found(items=parts))


def dictionary_fetch(call: Call, request: pb._DictionaryFetchRequest) -> pb._DictionaryFetchResponse:
    fields = call.state.collections.dictionary_fetch(cache_of(call), request.dictionary_name)
    if fields is None:
        return pb._DictionaryFetchResponse(missing=pb._DictionaryFetchResponse._Missing())
    items = [pb._DictionaryFieldValuePair(field=field, value=value) for field, value in fields]
    return pb._DictionaryFetchResponse(found=pb._DictionaryFetchResponse._Found(items=items))


def dictionary_set(call: Call, request: pb._DictionarySetRequest) -> pb._DictionarySetResponse:
    items = [(item.field, item.value) for item in request.items]
    call.state.collections.dictionary_set(cache_of(call), request.dictionary_name, items, ttl_of(request))
    return pb._DictionarySetResponse()


def dictionary_increment(call: Call, request: pb._DictionaryIncrementRequest) -> pb._DictionaryIncrementResponse:
    value = call.state.collections.dictionary_increment(
        cache_of(call), request.dictionary_name, request.field, request.amount, ttl_of(request)
    )
    return pb._DictionaryIncrementResponse(value=value)


def dictionary_delete(call: Call, request: pb._DictionaryDeleteRequest) -> pb._DictionaryDeleteResponse:
    fields = None if chosen(request, "delete") == "all" else list(request.some.fields)
    call.state.collections.dictionary_delete(cache_of(call), request.dictionary_name, fields)
    return pb._DictionaryDeleteResponse()


def dictionary_length(call: Call, request: pb._DictionaryLengthRequest) -> pb._DictionaryLengthResponse:
    length = call.state.collections.dictionary_length(cache_of(call), request.dictionary_name)
    if length is None:
        return pb._DictionaryLengthResponse(missing=pb._DictionaryLengthResponse._Missing())
    return pb._DictionaryLengthResponse(found=pb._DictionaryLengthResponse._Found(length=length))
