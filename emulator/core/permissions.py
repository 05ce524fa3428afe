"""Momento's permission model as plain values, its validation rules, and its JSON form.

A credential carries :class:`Permissions`: either super-user, or an explicit list of
:class:`Grant` objects. A grant gives one :class:`Role` on a cache selector and a target
selector (items of a cache, topics of a cache, or functions of a cache). What a role allows
is decided in :mod:`emulator.core.authorization`.
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

    @property
    def target_noun(self) -> str:
        """What a permission on this resource selects within a cache."""
        return "item" if self is Resource.CACHE else self.value


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
        return _RESOURCES[self]


_RESOURCES = {role: Resource(role.value.split("-", 1)[0]) for role in Role}


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
        return f"{self.role.value} on {self.cache.describe('cache')}, {self.target.describe(self.resource.target_noun)}"


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
            raise InvalidArgument("permissions.super_user", "disposable tokens take explicit permissions only")
        return
    grants = permissions.grants
    if not grants:
        raise InvalidArgument("permissions.explicit.permissions", "must not be empty")
    if len(grants) > MAX_GRANTS:
        raise InvalidArgument(
            "permissions.explicit.permissions",
            f"{len(grants)} permission objects; at most {MAX_GRANTS} are allowed",
        )
    # A target is (resource, cache selector, target selector), held as plain values: hashing a tuple of
    # them costs less than hashing the selector dataclasses, and they are equal exactly when those are.
    seen: dict[tuple[Resource, str | bytes | None, bool, str | bytes | None, bool], int] = {}
    for index, grant in enumerate(grants):
        resource = grant.resource
        _validate_grant(grant, resource, index, disposable=disposable)
        cache, target = grant.cache, grant.target
        key = (resource, cache.value, cache.prefix, target.value, target.prefix)
        if key in seen:
            raise InvalidArgument(
                f"permissions.explicit.permissions[{index}]",
                f"duplicate or conflicting permission for the same target as permissions[{seen[key]}] "
                f"({grant.describe()})",
            )
        seen[key] = index


# Where a target selector sits in a permission message, by resource and by prefix or not.
_TARGET_FIELDS = {
    (Resource.CACHE, False): "item_selector.key",
    (Resource.CACHE, True): "item_selector.key_prefix",
    (Resource.TOPIC, False): "topic_selector.topic_name",
    (Resource.TOPIC, True): "topic_selector.topic_name_prefix",
    (Resource.FUNCTION, False): "function_selector.function_name",
    (Resource.FUNCTION, True): "function_selector.function_name_prefix",
}


def _validate_grant(grant: Grant, resource: Resource, index: int, *, disposable: bool) -> None:
    cache, target = grant.cache, grant.target
    if cache.prefix:
        raise InvalidArgument(f"{_field(resource, index)}.cache_selector", "cache prefixes are not supported")
    if cache.value is not None:
        problem = _value_problem(cache.value)
        if problem:
            raise InvalidArgument(f"{_field(resource, index)}.cache_selector.cache_name", problem)
    if target.value is not None:
        problem = _value_problem(target.value)
        if problem:
            raise InvalidArgument(f"{_field(resource, index)}.{_TARGET_FIELDS[resource, target.prefix]}", problem)
        if resource is Resource.CACHE and not disposable:
            # Our rule: only disposable tokens may narrow a cache permission to keys.
            raise InvalidArgument(
                f"{_field(resource, index)}.item_selector", "item selectors are allowed only in disposable tokens"
            )


def _field(resource: Resource, index: int) -> str:
    """The field of the grant at ``index``: built only for a refusal."""
    return f"permissions.explicit.permissions[{index}].{resource.value}_permissions"


def _value_problem(value: str | bytes) -> str:
    """What is wrong with a selector's value, or ``""``."""
    if not value:
        return "must not be empty"
    limit = MAX_KEY_BYTES if isinstance(value, bytes) else MAX_NAME_LENGTH
    return f"{len(value)} long; at most {limit} allowed" if len(value) > limit else ""


def to_json(permissions: Permissions) -> JSON:
    """A JSON-ready form, for signed claims, key listings and state export."""
    if permissions.super_user:
        return "super_user"
    return [
        {"role": str(g.role), "cache": g.cache.value, "target": _selector_to_json(g.target)} for g in permissions.grants
    ]


def from_json(data: JSON) -> Permissions:
    """Inverse of :func:`to_json`; raises ``InvalidArgument`` on a malformed document."""
    if data == "super_user":
        return SUPER_USER
    try:
        if not isinstance(data, list):
            raise TypeError("expected a list of grants or 'super_user'")
        return Permissions(grants=tuple(_grant_from_json(item) for item in data))
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidArgument("permissions", f"malformed permission document ({error!r})") from None


def _grant_from_json(item: JSON) -> Grant:
    if not isinstance(item, dict):
        raise TypeError("a grant is an object")
    role = Role(item["role"])
    cache = item["cache"]
    if cache is not None and not isinstance(cache, str):
        raise TypeError("a cache name is a string or null")
    # Items are named by bytes, topics and functions by strings.
    return Grant(
        role, Selector(cache), _selector_from_json(item["target"], bytes if role.resource is Resource.CACHE else str)
    )


def _selector_to_json(selector: Selector) -> JSON:
    value = selector.value
    if value is None:
        return None
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii"), "prefix": selector.prefix}
    return {"value": value, "prefix": selector.prefix}


def _selector_from_json(data: JSON, kind: type[str] | type[bytes]) -> Selector:
    if data is None:
        return ALL
    if not isinstance(data, dict) or not isinstance(data.get("prefix"), bool):
        raise TypeError("a selector is null or an object with a boolean 'prefix'")
    if kind is bytes:
        encoded = data.get("bytes")
        if not isinstance(encoded, str):
            raise TypeError("an item selector's 'bytes' is a base64 string")
        return Selector(base64.b64decode(encoded, validate=True), data["prefix"])
    value = data.get("value")
    if not isinstance(value, str):
        raise TypeError("a topic or function selector's 'value' is a string")
    return Selector(value, data["prefix"])
