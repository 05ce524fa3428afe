"""What every collection handler parses the same way: the cache, a CollectionTtl, oneofs and orders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf.message import Message

from emulator.core.collections import CollectionTtl
from emulator.core.errors import InvalidArgument
from emulator.services.admission import admitted
from emulator.services.call import Call

M = TypeVar("M", bound=Message)
T = TypeVar("T")


def found_or_missing(response: type[M], value: T | None, found: Callable[[T], dict[str, Any]]) -> M:
    """``response`` with ``missing`` set when ``value`` is None, else ``found`` built from ``found(value)``."""
    if value is None:
        return response(missing=response._Missing())  # type: ignore[attr-defined]
    return response(found=response._Found(**found(value)))  # type: ignore[attr-defined]


def admitted_cache(call: Call, name: bytes) -> str:
    """The cache the call acts on, once the one admission step allows the caller the row's action on
    the collection ``name`` there (item selectors apply to collection names)."""
    return admitted(call, (name,))[0]


def ttl_of(request: Any) -> CollectionTtl:
    """A write's ``ttl_milliseconds`` and ``refresh_ttl``; the core checks the TTL's range."""
    return CollectionTtl(request.ttl_milliseconds, request.refresh_ttl)


def chosen(request: Message, oneof: str) -> str:
    """The field set in ``oneof``; a request that sets none is refused, naming the choices."""
    which: str | None = request.WhichOneof(oneof)
    if which is None:
        fields = [field.name for field in request.DESCRIPTOR.oneofs_by_name[oneof].fields]
        raise InvalidArgument(oneof, f"set one of {', '.join(fields)}")
    return which


def descending(order: int, field: str = "order") -> bool:
    """The wire's ``Order`` enum (ASCENDING 0, DESCENDING 1); any other number is refused."""
    if order not in (0, 1):
        raise InvalidArgument(field, f"{order} is not ASCENDING (0) or DESCENDING (1)")
    return order == 1


def bound(request: Message, oneof: str, value: str) -> int | None:
    """An optional index: the ``value`` field when ``oneof`` chose it, None (unbounded) otherwise."""
    return int(getattr(request, value)) if request.WhichOneof(oneof) == value else None
