"""Momento's scalar item RPCs (``cache_client.Scs``): admit the call, one core call, the response."""

from __future__ import annotations

from momento_wire_types import cacheclient_pb2 as pb

from emulator.core.caches import ItemType
from emulator.core.errors import InvalidArgument
from emulator.core.items import Condition, TtlUpdate, When
from emulator.services.admission import admitted
from emulator.services.call import Call

# SetIf's and SetIfHash's conditions: oneof field -> the core's condition.
_SET_IF = {
    "present": When.PRESENT,
    "absent": When.ABSENT,
    "equal": When.EQUAL,
    "not_equal": When.NOT_EQUAL,
    "present_and_not_equal": When.PRESENT_AND_NOT_EQUAL,
    "absent_or_equal": When.ABSENT_OR_EQUAL,
}
_SET_IF_HASH = {
    "unconditional": When.ALWAYS,
    "present_and_hash_equal": When.EQUAL,
    "present_and_not_hash_equal": When.PRESENT_AND_NOT_EQUAL,
    "absent_or_hash_equal": When.ABSENT_OR_EQUAL,
    "absent_or_not_hash_equal": When.NOT_EQUAL,
}
_TTL_UPDATES = {
    "increase_to_milliseconds": (TtlUpdate.INCREASE, "increase-ttl"),
    "decrease_to_milliseconds": (TtlUpdate.DECREASE, "decrease-ttl"),
    "overwrite_to_milliseconds": (TtlUpdate.OVERWRITE, "UpdateTtl"),
}
_ITEM_TYPES = {
    ItemType.SCALAR: pb._ItemGetTypeResponse.SCALAR,
    ItemType.DICTIONARY: pb._ItemGetTypeResponse.DICTIONARY,
    ItemType.SET: pb._ItemGetTypeResponse.SET,
    ItemType.LIST: pb._ItemGetTypeResponse.LIST,
    ItemType.SORTED_SET: pb._ItemGetTypeResponse.SORTED_SET,
}
_OK = pb._SetResponse(result=pb.Ok)
_MISS = pb._GetResponse(result=pb.Miss)


def get(call: Call, request: pb._GetRequest) -> pb._GetResponse:
    cache, _ = admitted(call, (request.cache_key,))
    return _got(call.state.items.get(cache, request.cache_key))


def get_with_hash(call: Call, request: pb._GetWithHashRequest) -> pb._GetWithHashResponse:
    cache, _ = admitted(call, (request.cache_key,))
    found = call.state.items.get_with_hash(cache, request.cache_key)
    if found is None:
        return pb._GetWithHashResponse(missing=pb._GetWithHashResponse._Missing())
    value, digest = found
    return pb._GetWithHashResponse(found=pb._GetWithHashResponse._Found(value=value, hash=digest))


def get_batch(call: Call, request: pb._GetBatchRequest) -> list[pb._GetResponse]:
    keys = [item.cache_key for item in request.items]
    cache, _ = admitted(call, keys)
    return [_got(value) for value in call.state.items.get_batch(cache, keys)]


def set_(call: Call, request: pb._SetRequest) -> pb._SetResponse:
    cache, _ = admitted(call, (request.cache_key,))
    call.state.items.set(cache, request.cache_key, request.cache_body, request.ttl_milliseconds)
    return _OK


def set_batch(call: Call, request: pb._SetBatchRequest) -> list[pb._SetResponse]:
    cache, _ = admitted(call, [item.cache_key for item in request.items])
    call.state.items.set_batch(cache, [(i.cache_key, i.cache_body, i.ttl_milliseconds) for i in request.items])
    return [_OK] * len(request.items)


def set_if(call: Call, request: pb._SetIfRequest) -> pb._SetIfResponse:
    cache, _ = admitted(call, (request.cache_key,))
    which = _condition(request, _SET_IF)
    operand = b"" if which in ("present", "absent") else getattr(request, which).value_to_check
    stored = call.state.items.set_if(
        cache, request.cache_key, request.cache_body, request.ttl_milliseconds, Condition(_SET_IF[which], operand)
    )
    if stored is None:
        return pb._SetIfResponse(not_stored=pb._SetIfResponse._NotStored())
    return pb._SetIfResponse(stored=pb._SetIfResponse._Stored())


def set_if_hash(call: Call, request: pb._SetIfHashRequest) -> pb._SetIfHashResponse:
    cache, _ = admitted(call, (request.cache_key,))
    which = _condition(request, _SET_IF_HASH)
    operand = b"" if which == "unconditional" else getattr(request, which).hash_to_check
    condition = Condition(_SET_IF_HASH[which], operand, by_hash=True)
    stored = call.state.items.set_if(cache, request.cache_key, request.cache_body, request.ttl_milliseconds, condition)
    if stored is None:
        return pb._SetIfHashResponse(not_stored=pb._SetIfHashResponse._NotStored())
    return pb._SetIfHashResponse(stored=pb._SetIfHashResponse._Stored(new_hash=stored))


def set_if_not_exists(call: Call, request: pb._SetIfNotExistsRequest) -> pb._SetIfNotExistsResponse:
    cache, _ = admitted(call, (request.cache_key,))
    condition = Condition(When.ABSENT)
    stored = call.state.items.set_if(cache, request.cache_key, request.cache_body, request.ttl_milliseconds, condition)
    if stored is None:
        return pb._SetIfNotExistsResponse(not_stored=pb._SetIfNotExistsResponse._NotStored())
    return pb._SetIfNotExistsResponse(stored=pb._SetIfNotExistsResponse._Stored())


def delete(call: Call, request: pb._DeleteRequest) -> pb._DeleteResponse:
    cache, _ = admitted(call, (request.cache_key,))
    call.state.items.delete(cache, request.cache_key)
    return pb._DeleteResponse()


def keys_exist(call: Call, request: pb._KeysExistRequest) -> pb._KeysExistResponse:
    cache, _ = admitted(call, request.cache_keys)
    return pb._KeysExistResponse(exists=call.state.items.keys_exist(cache, request.cache_keys))


def increment(call: Call, request: pb._IncrementRequest) -> pb._IncrementResponse:
    cache, _ = admitted(call, (request.cache_key,))
    value = call.state.items.increment(cache, request.cache_key, request.amount, request.ttl_milliseconds)
    return pb._IncrementResponse(value=value)


def update_ttl_action(request: pb._UpdateTtlRequest) -> str:
    """Increase and decrease are conditional writes; an overwrite (or nothing chosen) is a write."""
    which = request.WhichOneof("update_ttl")
    return "UpdateTtl" if which is None else _TTL_UPDATES[which][1]


def update_ttl(call: Call, request: pb._UpdateTtlRequest) -> pb._UpdateTtlResponse:
    cache, _ = admitted(call, (request.cache_key,))
    which = request.WhichOneof("update_ttl")
    if which is None:
        raise InvalidArgument("update_ttl", f"set one of {', '.join(_TTL_UPDATES)}")
    how = _TTL_UPDATES[which][0]
    updated = call.state.items.update_ttl(cache, request.cache_key, how, getattr(request, which))
    if updated is None:
        return pb._UpdateTtlResponse(missing=pb._UpdateTtlResponse._Missing())
    if updated:
        return pb._UpdateTtlResponse(set=pb._UpdateTtlResponse._Set())
    return pb._UpdateTtlResponse(not_set=pb._UpdateTtlResponse._NotSet())


def item_get_ttl(call: Call, request: pb._ItemGetTtlRequest) -> pb._ItemGetTtlResponse:
    cache, _ = admitted(call, (request.cache_key,))
    remaining = call.state.items.remaining_ttl_ms(cache, request.cache_key)
    if remaining is None:
        return pb._ItemGetTtlResponse(missing=pb._ItemGetTtlResponse._Missing())
    return pb._ItemGetTtlResponse(found=pb._ItemGetTtlResponse._Found(remaining_ttl_millis=remaining))


def item_get_type(call: Call, request: pb._ItemGetTypeRequest) -> pb._ItemGetTypeResponse:
    cache, _ = admitted(call, (request.cache_key,))
    kind = call.state.items.item_type(cache, request.cache_key)
    if kind is None:
        return pb._ItemGetTypeResponse(missing=pb._ItemGetTypeResponse._Missing())
    return pb._ItemGetTypeResponse(found=pb._ItemGetTypeResponse._Found(item_type=_ITEM_TYPES[kind]))


def _got(value: bytes | None) -> pb._GetResponse:
    return _MISS if value is None else pb._GetResponse(result=pb.Hit, cache_body=value)


def _condition(request: pb._SetIfRequest | pb._SetIfHashRequest, choices: dict[str, When]) -> str:
    which = request.WhichOneof("condition")
    if which is None:
        raise InvalidArgument("condition", f"set one of {', '.join(choices)}")
    return str(which)
