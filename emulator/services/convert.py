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
    return Permissions(
        grants=tuple(_grant(item, f"permissions.explicit.permissions[{i}]") for i, item in enumerate(items))
    )


def _grant(item: pm.PermissionsType, field: str) -> Grant:
    kind = item.WhichOneof("kind")
    if kind is None:
        raise InvalidArgument(field, "set one of cache_permissions, topic_permissions, function_permissions")
    body: Any = getattr(item, kind)
    field = f"{field}.{kind}"
    role = _ROLES[kind].get(body.role)
    if role is None:
        enum = _ROLE_ENUMS[kind]
        name = enum.Name(body.role) if body.role in enum.values() else f"unknown value {body.role}"
        raise InvalidArgument(f"{field}.role", f"{name} is not supported (custom roles are not supported)")
    return Grant(role, _cache(body, field), _target(body, kind, field))


def _cache(body: Any, field: str) -> Selector:
    which = body.WhichOneof("cache")
    if which == "all_caches":
        return ALL
    if which is None:
        raise InvalidArgument(field, "set one of all_caches or cache_selector")
    if body.cache_selector.WhichOneof("kind") is None:
        raise InvalidArgument(f"{field}.cache_selector", "set cache_name")
    return Selector(body.cache_selector.cache_name)


def _target(body: Any, kind: str, field: str) -> Selector:
    oneof, all_field, selector_field, choices = _TARGETS[kind]
    which = body.WhichOneof(oneof)
    if which == all_field or (which is None and kind == "cache_permissions"):
        return ALL  # the SDKs leave cache_item unset for every item, in API keys and disposable tokens
    if which is None:
        raise InvalidArgument(field, f"set one of {all_field} or {selector_field}")
    selector = getattr(body, selector_field)
    chosen = selector.WhichOneof("kind")
    if chosen is None:
        raise InvalidArgument(f"{field}.{selector_field}", f"set one of {' or '.join(choices)}")
    return Selector(getattr(selector, chosen), choices[chosen])
