"""Momento's permission model as plain values, its validation rules, and ``authorize``.

A credential carries :class:`Permissions`: either super-user, or an explicit list of
:class:`Grant` objects. A grant gives one :class:`Role` on a cache selector and a target
selector (items of a cache, topics of a cache, or functions of a cache). Any matching grant
allows an operation ("union of permissions").
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from emulator.core.errors import InvalidArgument

JSON = Any

MAX_GRANTS = 10
MAX_NAME_LENGTH = 255  # our rule: cache, topic and function names
MAX_KEY_BYTES = 4096  # our rule: item keys and key prefixes


class Resource(StrEnum):
    CACHE = "cache"
    TOPIC = "topic"
    FUNCTION = "function"


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


class Role(StrEnum):
    CACHE_READ_WRITE = "cache-read-write"
    CACHE_READ_ONLY = "cache-read-only"
    CACHE_WRITE_ONLY = "cache-write-only"
    TOPIC_PUBLISH_SUBSCRIBE = "topic-publish-subscribe"
    TOPIC_SUBSCRIBE_ONLY = "topic-subscribe-only"
    TOPIC_PUBLISH_ONLY = "topic-publish-only"
    FUNCTION_INVOKE = "function-invoke"

    @property
    def resource(self) -> Resource:
        return Resource(self.value.split("-", 1)[0])


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

# Data-plane operation names (kebab-case) and what each needs.
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

_RESOURCE_OF: dict[Capability, Resource] = {
    _C.PUBLISH: Resource.TOPIC,
    _C.SUBSCRIBE: Resource.TOPIC,
    _C.INVOKE: Resource.FUNCTION,
}


@dataclass(frozen=True, slots=True)
class Selector:
    """Everything (``value is None``), one exact value, or every value with a prefix."""

    value: str | bytes | None = None
    prefix: bool = False

    def matches(self, candidate: str | bytes) -> bool:
        if self.value is None:
            return True
        if self.prefix:
            return candidate.startswith(self.value)  # type: ignore[arg-type]
        return candidate == self.value

    def describe(self, noun: str) -> str:
        if self.value is None:
            return f"all {noun}s"
        shown = self.value.decode("utf-8", "backslashreplace") if isinstance(self.value, bytes) else self.value
        return f"{noun}s with prefix {shown!r}" if self.prefix else f"{noun} {shown!r}"


ALL = Selector()


@dataclass(frozen=True, slots=True)
class Grant:
    """One permission object: a role on (cache selector, target selector)."""

    role: Role
    cache: Selector = ALL
    target: Selector = ALL  # items (cache), topics (topic) or functions (function)

    @property
    def resource(self) -> Resource:
        return self.role.resource

    def describe(self) -> str:
        noun = {"cache": "item", "topic": "topic", "function": "function"}[self.resource.value]
        return f"{self.role.value} on {self.cache.describe('cache')}, {self.target.describe(noun)}"


@dataclass(frozen=True, slots=True)
class Permissions:
    super_user: bool = False
    grants: tuple[Grant, ...] = ()

    def describe(self) -> str:
        return "super-user" if self.super_user else "; ".join(g.describe() for g in self.grants)


SUPER_USER = Permissions(super_user=True)


def validate(permissions: Permissions, *, disposable: bool) -> None:
    """Raise :class:`InvalidArgument` naming the first field that breaks a rule."""
    if permissions.super_user:
        if disposable:
            raise InvalidArgument("permissions.super_user: disposable tokens take explicit permissions only")
        return
    grants = permissions.grants
    if not grants:
        raise InvalidArgument("permissions.explicit.permissions: must not be empty")
    if len(grants) > MAX_GRANTS:
        raise InvalidArgument(
            f"permissions.explicit.permissions: {len(grants)} permission objects; at most {MAX_GRANTS} are allowed"
        )
    seen: dict[tuple[Resource, Selector, Selector], int] = {}
    for index, grant in enumerate(grants):
        field = f"permissions.explicit.permissions[{index}]"
        _validate_grant(grant, field, disposable=disposable)
        target = (grant.resource, grant.cache, grant.target)
        if target in seen:
            raise InvalidArgument(
                f"{field}: duplicate or conflicting permission for the same target as "
                f"permissions[{seen[target]}] ({grant.describe()})"
            )
        seen[target] = index


def _validate_grant(grant: Grant, field: str, *, disposable: bool) -> None:
    resource = grant.resource.value
    if grant.cache.prefix:
        raise InvalidArgument(f"{field}.{resource}_permissions.cache_selector: cache prefixes are not supported")
    _check_value(grant.cache.value, f"{field}.{resource}_permissions.cache_selector.cache_name")
    target_field = {
        "cache": "item_selector.key_prefix" if grant.target.prefix else "item_selector.key",
        "topic": "topic_selector.topic_name_prefix" if grant.target.prefix else "topic_selector.topic_name",
        "function": "function_selector.function_name_prefix"
        if grant.target.prefix
        else "function_selector.function_name",
    }[resource]
    _check_value(grant.target.value, f"{field}.{resource}_permissions.{target_field}")
    if grant.resource is Resource.CACHE and grant.target.value is not None and not disposable:
        # Our rule: only disposable tokens may narrow a cache permission to keys.
        raise InvalidArgument(
            f"{field}.cache_permissions.item_selector: item selectors are allowed only in disposable tokens"
        )


def _check_value(value: str | bytes | None, field: str) -> None:
    if value is None:
        return
    if not value:
        raise InvalidArgument(f"{field}: must not be empty")
    limit = MAX_KEY_BYTES if isinstance(value, bytes) else MAX_NAME_LENGTH
    if len(value) > limit:
        raise InvalidArgument(f"{field}: {len(value)} long; at most {limit} allowed")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    grant: Grant | None = None
    grant_index: int | None = None


def capability_of(action: str) -> Capability:
    try:
        return ACTIONS[action]
    except KeyError:
        raise InvalidArgument(
            f"action: {action!r} is not a known operation; known: {', '.join(sorted(ACTIONS))}"
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
    if not cache and needed is not _C.CONTROL_PLANE:
        raise InvalidArgument("cache: must not be empty")
    resource = _RESOURCE_OF.get(needed, Resource.CACHE)
    target = {Resource.CACHE: key, Resource.TOPIC: topic, Resource.FUNCTION: function}[resource]
    if resource is not Resource.CACHE and not target:
        raise InvalidArgument(f"{resource.value}: {action} needs a {resource.value} name")
    if permissions.super_user:
        return Decision(True, "super-user permissions allow every operation")
    if needed is _C.CONTROL_PLANE:
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
        noun = {Resource.CACHE: "item", Resource.TOPIC: "topic", Resource.FUNCTION: "function"}[resource]
        what = f"{Selector(target).describe(noun)} in " if target is not None else ""
        closest = f"no permission covers {what}cache {cache!r}"
    return Decision(False, closest)


def to_json(permissions: Permissions) -> JSON:
    """A JSON-ready form, for signed claims, key listings and state export."""
    if permissions.super_user:
        return "super_user"
    return [
        {"role": g.role.value, "cache": g.cache.value, "target": _selector_to_json(g.target)}
        for g in permissions.grants
    ]


def from_json(data: JSON) -> Permissions:
    """Inverse of :func:`to_json`; raises ``InvalidArgument`` on a malformed document."""
    if data == "super_user":
        return SUPER_USER
    try:
        if not isinstance(data, list):
            raise TypeError("expected a list of grants or 'super_user'")
        return Permissions(
            grants=tuple(
                Grant(Role(item["role"]), Selector(item["cache"]), _selector_from_json(item["target"])) for item in data
            )
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidArgument(f"permissions: malformed permission document ({error!r})") from None


def _selector_to_json(selector: Selector) -> JSON:
    value = selector.value
    if value is None:
        return None
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii"), "prefix": selector.prefix}
    return {"value": value, "prefix": selector.prefix}


def _selector_from_json(data: JSON) -> Selector:
    if data is None:
        return ALL
    if not isinstance(data, dict):
        raise TypeError("a selector is null or an object")
    value = base64.b64decode(data["bytes"], validate=True) if "bytes" in data else data["value"]
    return Selector(value, bool(data["prefix"]))
