"""What a permission allows: data-plane operations, the capability each needs, and ``authorize``.

Any matching grant allows an operation ("union of permissions"); super-user permissions allow
everything, and explicit permissions never allow the control plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from emulator.core.errors import InvalidArgument
from emulator.core.permissions import Grant, Permissions, Resource, Role, Selector


class Capability(StrEnum):
    """What an operation needs; roles are sets of capabilities."""

    READ = "read"
    WRITE = "write"
    CONDITIONAL_WRITE = "conditional-write"
    STATE_RETURNING_WRITE = "state-returning-write"
    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"
    INVOKE = "invoke"
    CONTROL_PLANE = "control-plane"


_C = Capability
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.CACHE_READ_WRITE: frozenset({_C.READ, _C.WRITE, _C.CONDITIONAL_WRITE, _C.STATE_RETURNING_WRITE}),
    Role.CACHE_READ_ONLY: frozenset({_C.READ}),
    # WriteOnly excludes conditional writes and writes that return the updated state.
    Role.CACHE_WRITE_ONLY: frozenset({_C.WRITE}),
    Role.TOPIC_PUBLISH_SUBSCRIBE: frozenset({_C.PUBLISH, _C.SUBSCRIBE}),
    Role.TOPIC_SUBSCRIBE_ONLY: frozenset({_C.SUBSCRIBE}),
    Role.TOPIC_PUBLISH_ONLY: frozenset({_C.PUBLISH}),
    Role.FUNCTION_INVOKE: frozenset({_C.INVOKE}),
}

# Data-plane operation names (kebab-case, and below the wire RPC names) and what each needs.
ACTIONS: dict[str, Capability] = {
    **dict.fromkeys(
        [
            "get",
            "get-batch",
            "key-exists",
            "keys-exist",
            "item-get-ttl",
            "item-get-type",
            "dictionary-fetch",
            "dictionary-get-field",
            "dictionary-get-fields",
            "dictionary-length",
            "set-fetch",
            "set-contains-element",
            "set-contains-elements",
            "set-length",
            "set-sample",
            "list-fetch",
            "list-length",
            "sorted-set-fetch-by-rank",
            "sorted-set-fetch-by-score",
            "sorted-set-get-score",
            "sorted-set-get-rank",
            "sorted-set-length",
            "sorted-set-length-by-score",
        ],
        _C.READ,
    ),
    **dict.fromkeys(
        [
            "set",
            "set-batch",
            "delete",
            "update-ttl",
            "dictionary-set-field",
            "dictionary-set-fields",
            "dictionary-remove-field",
            "dictionary-remove-fields",
            "set-add-element",
            "set-add-elements",
            "set-remove-element",
            "set-remove-elements",
            "list-remove-value",
            "list-retain",
            "sorted-set-put-element",
            "sorted-set-put-elements",
            "sorted-set-remove-element",
            "sorted-set-remove-elements",
        ],
        _C.WRITE,
    ),
    **dict.fromkeys(
        [
            "set-if-not-exists",
            "set-if-absent",
            "set-if-present",
            "set-if-equal",
            "set-if-not-equal",
            "set-if-present-and-not-equal",
            "set-if-absent-or-equal",
            "increase-ttl",
            "decrease-ttl",
        ],
        _C.CONDITIONAL_WRITE,
    ),
    **dict.fromkeys(
        [
            "increment",
            "dictionary-increment",
            "list-push-back",
            "list-push-front",
            "list-concatenate-back",
            "list-concatenate-front",
            "list-pop-back",
            "list-pop-front",
            "set-pop",
            "sorted-set-increment-score",
        ],
        _C.STATE_RETURNING_WRITE,
    ),
    "publish": _C.PUBLISH,
    "subscribe": _C.SUBSCRIBE,
    "invoke-function": _C.INVOKE,
    **dict.fromkeys(["create-cache", "delete-cache", "list-caches", "flush-cache"], _C.CONTROL_PLANE),
}

# The capability each Momento RPC needs, by its wire name: the spec's capability table, in one place.
# Where Momento documents only the rule, the split of borderline RPCs is our rule (README: data plane).
# UpdateTtl is listed as an overwrite; with increase/decrease the data plane asks for
# ``increase-ttl`` / ``decrease-ttl`` (conditional writes) instead.
# fmt: off
WIRE_ACTIONS: dict[str, Capability] = {
    **dict.fromkeys((
        "Get", "GetWithHash", "GetBatch", "KeysExist", "ItemGetTtl", "ItemGetType", "DictionaryGet",
        "DictionaryFetch", "DictionaryLength", "SetFetch", "SetSample", "SetContains", "SetLength", "ListFetch",
        "ListLength", "SortedSetFetch", "SortedSetGetScore", "SortedSetGetRank", "SortedSetLength",
        "SortedSetLengthByScore",
    ), _C.READ),
    **dict.fromkeys((
        "Set", "SetBatch", "Delete", "DictionarySet", "DictionaryDelete", "SetUnion", "SetDifference", "ListRemove",
        "ListRetain", "ListErase", "SortedSetPut", "SortedSetRemove", "UpdateTtl",
    ), _C.WRITE),
    **dict.fromkeys(("SetIf", "SetIfHash", "SetIfNotExists"), _C.CONDITIONAL_WRITE),
    **dict.fromkeys((
        "Increment", "DictionaryIncrement", "ListPushFront", "ListPushBack", "ListConcatenateFront",
        "ListConcatenateBack", "ListPopFront", "ListPopBack", "SetPop", "SortedSetIncrement", "SortedSetUnionStore",
    ), _C.STATE_RETURNING_WRITE),
    "Publish": _C.PUBLISH,
    "Subscribe": _C.SUBSCRIBE,
    **dict.fromkeys(("CreateCache", "DeleteCache", "ListCaches", "FlushCache"), _C.CONTROL_PLANE),
}
# fmt: on
ACTIONS = {**ACTIONS, **WIRE_ACTIONS}

_RESOURCE_OF: dict[Capability, Resource] = {
    _C.PUBLISH: Resource.TOPIC,
    _C.SUBSCRIBE: Resource.TOPIC,
    _C.INVOKE: Resource.FUNCTION,
}


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    grant: Grant | None = None
    grant_index: int | None = None


# Read on every call: on Python 3.11 a member read from its enum class costs about ten global reads.
_CACHE, _TOPIC, _CONTROL_PLANE = Resource.CACHE, Resource.TOPIC, _C.CONTROL_PLANE

_SUPER_USER_ALLOWS = Decision(True, "super-user permissions allow every operation")


def capability_of(action: str) -> Capability:
    try:
        return ACTIONS[action]
    except KeyError:
        raise InvalidArgument(
            "action", f"{action!r} is not a known operation; known: {', '.join(sorted(ACTIONS))}"
        ) from None


def authorize(
    permissions: Permissions,
    action: str,
    cache: str,
    *,
    key: bytes | None = None,
    topic: str | None = None,
    function: str | None = None,
) -> Decision:
    """Decide whether ``permissions`` allow ``action`` on ``cache`` (and key, topic or function)."""
    needed = capability_of(action)
    if not cache and needed is not _CONTROL_PLANE:
        raise InvalidArgument("cache", "must not be empty")
    resource = _RESOURCE_OF.get(needed, _CACHE)
    target = key if resource is _CACHE else topic if resource is _TOPIC else function
    if resource is not _CACHE and not target:
        raise InvalidArgument(resource.value, f"{action} needs a {resource.value} name")
    if permissions.super_user:
        return _SUPER_USER_ALLOWS
    if needed is _CONTROL_PLANE:
        return Decision(False, f"{action} is a control-plane operation; only super-user keys may call it")
    closest: str | None = None
    for index, grant in enumerate(permissions.grants):
        if grant.resource is not resource or not grant.cache.matches(cache):
            continue
        if target is None:
            if grant.target.value is not None:
                closest = f"permissions[{index}] is limited to {grant.target.describe('item')}; no key was given"
                continue
        elif not grant.target.matches(target):
            continue
        if needed in ROLE_CAPABILITIES[grant.role]:
            return Decision(True, f"allowed by permissions[{index}]: {grant.describe()}", grant, index)
        closest = f"permissions[{index}] ({grant.describe()}) does not allow {needed.value}"
    if closest is None:
        what = f"{Selector(target).describe(resource.target_noun)} in " if target is not None else ""
        closest = f"no permission covers {what}cache {cache!r}"
    return Decision(False, closest)
