"""What every collection type shares: the CollectionTtl rule, the wrong-type error, the JSON form of bytes."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from emulator.core.caches import ItemType
from emulator.core.errors import FailedPrecondition, InvalidArgument


@dataclass(frozen=True, slots=True)
class CollectionTtl:
    """A write's ``CollectionTtl``: ``ttl_ms`` from now when the write creates the collection, and
    on later writes only when ``refresh`` is set ("refresh TTL on update", the SDKs' default)."""

    ttl_ms: int
    refresh: bool = True

    def expiry(self, now_ms: int, current_ms: int | None) -> int:
        """The collection's expiry (epoch ms) after this write; ``current_ms`` is None when the write
        creates the collection."""
        if current_ms is None or self.refresh:
            return now_ms + self.ttl_ms
        return current_ms


def wrong_type(field: str, name: bytes, found: ItemType, wanted: ItemType) -> FailedPrecondition:
    """The error for a collection call on an item of another type (our rule: FAILED_PRECONDITION)."""
    return FailedPrecondition(f"{field}: the item {preview_bytes(name)} is a {found.value}, not a {wanted.value}")


def preview_bytes(raw: bytes, limit: int = 32) -> str:
    """A short, printable rendering of ``raw`` for messages: text where it is text."""
    shown = raw[:limit]
    try:
        text = repr(shown.decode("utf-8"))
    except UnicodeDecodeError:
        text = "0x" + shown.hex()
    return text + ("..." if len(raw) > limit else "")


def encode_bytes(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode_bytes(text: Any, where: str) -> bytes:
    """Bytes from their base64 form in an exported document."""
    if not isinstance(text, str):
        raise InvalidArgument(where, f"{text!r} is not a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidArgument(where, f"{text[:40]!r} is not base64") from None


def json_list(data: Any, where: str) -> list[Any]:
    if not isinstance(data, list):
        raise InvalidArgument(where, f"expected a list, got {type(data).__name__}")
    return data


def json_pair(data: Any, where: str) -> tuple[Any, Any]:
    if not isinstance(data, list) or len(data) != 2:
        raise InvalidArgument(where, f"expected a pair, got {data!r:.60}")
    return data[0], data[1]
