"""Momento's permission messages -> the core's plain permission values.

This is parsing only: oneofs that are unset and enum values the model does not know are
refused here, naming the field; every other rule is the core's (``permissions.validate``).
"""

from __future__ import annotations

from typing import Any

from momento_wire_types import permissionmessages_pb2 as pm

from emulator.core.errors import InvalidArgument
from emulator.core.permissions import ALL, SUPER_USER, Grant, Permissions, Role, Selector

_ROLES: dict[str, dict[int, Role]] = {
    "cache_permissions": {
        pm.CacheReadWrite: Role.CACHE_READ_WRITE,
        pm.CacheReadOnly: Role.CACHE_READ_ONLY,
        pm.CacheWriteOnly: Role.CACHE_WRITE_ONLY,
    },
    "topic_permissions": {
        pm.TopicReadWrite: Role.TOPIC_PUBLISH_SUBSCRIBE,
        pm.TopicReadOnly: Role.TOPIC_SUBSCRIBE_ONLY,
        pm.TopicWriteOnly: Role.TOPIC_PUBLISH_ONLY,
    },
    "function_permissions": {pm.FunctionInvoke: Role.FUNCTION_INVOKE},
}
_ROLE_ENUMS = {
    "cache_permissions": pm.CacheRole,
    "topic_permissions": pm.TopicRole,
    "function_permissions": pm.FunctionRole,
}
# (oneof, "all" field, selector field, {selector oneof field: is prefix}).
_TARGETS: dict[str, tuple[str, str, str, dict[str, bool]]] = {
    "cache_permissions": ("cache_item", "all_items", "item_selector", {"key": False, "key_prefix": True}),
    "topic_permissions": ("topic", "all_topics", "topic_selector", {"topic_name": False, "topic_name_prefix": True}),
    "function_permissions": (
        "function", "all_functions", "function_selector", {"function_name": False, "function_name_prefix": True},
    ),
}  # fmt: skip


# A role on every cache and every target, built once: grants are immutable, and most grants are these.
_EVERYWHERE = {role: Grant(role) for role in Role}


def permissions_from_proto(message: pm.Permissions, present: bool) -> Permissions:
    """Parse a request's ``permissions`` field (``present``: whether it was on the wire)."""
    if not present:
        raise InvalidArgument("permissions", "required")
    kind = message.WhichOneof("kind")
    if kind is None:
        raise InvalidArgument("permissions", "set one of super_user or explicit")
    if kind == "super_user":
        if message.super_user != pm.SuperUser:
            raise InvalidArgument("permissions.super_user", f"unknown value {message.super_user}")
        return SUPER_USER
    items = message.explicit.permissions
    return Permissions(grants=tuple([_grant(item, index) for index, item in enumerate(items)]))


def _field(index: int, kind: str = "") -> str:
    """The name of the permission at ``index`` (and of its ``kind`` oneof): built only for a refusal."""
    field = f"permissions.explicit.permissions[{index}]"
    return f"{field}.{kind}" if kind else field


def _grant(item: pm.PermissionsType, index: int) -> Grant:
    kind = item.WhichOneof("kind")
    if kind is None:
        raise InvalidArgument(_field(index), "set one of cache_permissions, topic_permissions, function_permissions")
    body: Any = getattr(item, kind)
    role = _ROLES[kind].get(body.role)
    if role is None:
        enum = _ROLE_ENUMS[kind]
        name = enum.Name(body.role) if body.role in enum.values() else f"unknown value {body.role}"
        raise InvalidArgument(
            f"{_field(index, kind)}.role", f"{name} is not supported (custom roles are not supported)"
        )
    cache, target = _cache(body, index, kind), _target(body, index, kind)
    if cache is ALL and target is ALL:
        return _EVERYWHERE[role]
    return Grant(role, cache, target)


def _cache(body: Any, index: int, kind: str) -> Selector:
    which = body.WhichOneof("cache")
    if which == "all_caches":
        return ALL
    if which is None:
        raise InvalidArgument(_field(index, kind), "set one of all_caches or cache_selector")
    if body.cache_selector.WhichOneof("kind") is None:
        raise InvalidArgument(f"{_field(index, kind)}.cache_selector", "set cache_name")
    return Selector(body.cache_selector.cache_name)


def _target(body: Any, index: int, kind: str) -> Selector:
    oneof, all_field, selector_field, choices = _TARGETS[kind]
    which = body.WhichOneof(oneof)
    if which == all_field or (which is None and kind == "cache_permissions"):
        return ALL  # the SDKs leave cache_item unset for every item, in API keys and disposable tokens
    if which is None:
        raise InvalidArgument(_field(index, kind), f"set one of {all_field} or {selector_field}")
    selector = getattr(body, selector_field)
    chosen = selector.WhichOneof("kind")
    if chosen is None:
        raise InvalidArgument(f"{_field(index, kind)}.{selector_field}", f"set one of {' or '.join(choices)}")
    return Selector(getattr(selector, chosen), choices[chosen])
