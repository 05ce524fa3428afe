"""A dictionary item: fields to values, both bytes, in the order fields were first set."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, Self

from emulator.core.caches import ItemType
from emulator.core.collections.common import decode_bytes, encode_bytes, json_list, json_pair
from emulator.core.errors import FailedPrecondition
from emulator.core.items import INT64, parse_int64


class Dictionary:
    """The value of a dictionary item."""

    __slots__ = ("fields", "nbytes")

    def __init__(self, fields: dict[bytes, bytes] | None = None) -> None:
        self.fields: dict[bytes, bytes] = fields if fields is not None else {}
        self.nbytes = sum(len(field) + len(value) for field, value in self.fields.items())  # for size limits

    @property
    def item_type(self) -> ItemType:
        return ItemType.DICTIONARY

    def __len__(self) -> int:
        return len(self.fields)

    def __repr__(self) -> str:
        return f"Dictionary({len(self.fields)} fields)"

    def get(self, fields: Sequence[bytes]) -> list[bytes | None]:
        """Each field's value, or None where the field is absent, in the order asked."""
        return [self.fields.get(field) for field in fields]

    def fetch(self) -> list[tuple[bytes, bytes]]:
        return list(self.fields.items())

    def set(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        """Set each field; a field given twice keeps its last value."""
        for field, value in items:
            self._store(field, value)

    def _store(self, field: bytes, value: bytes) -> None:
        old = self.fields.get(field)
        self.nbytes += len(value) - (len(old) if old is not None else -len(field))
        self.fields[field] = value

    def increment(self, field: bytes, amount: int) -> int:
        """Add ``amount`` to the integer stored in ``field`` (absent counts as 0) and store the result.

        The stored form is the decimal text, as Momento stores it. A field that does not hold a
        signed 64-bit integer, or a sum that leaves that range, is ``FailedPrecondition``.
        """
        raw = self.fields.get(field)
        total = (0 if raw is None else parse_int64(raw, "field")) + amount
        if not INT64[0] <= total <= INT64[1]:
            raise FailedPrecondition(f"amount: incrementing by {amount} would overflow a 64-bit integer")
        self._store(field, str(total).encode("ascii"))
        return total

    def delete(self, fields: Iterable[bytes]) -> None:
        for field in fields:
            old = self.fields.pop(field, None)
            if old is not None:
                self.nbytes -= len(field) + len(old)

    def clear(self) -> None:
        self.fields.clear()
        self.nbytes = 0

    def head(self, limit: int) -> list[Any]:
        return list(islice(self.fields.items(), limit))

    def to_json(self) -> Any:
        return [[encode_bytes(field), encode_bytes(value)] for field, value in self.fields.items()]

    @classmethod
    def from_json(cls, data: Any) -> Self:
        fields: dict[bytes, bytes] = {}
        for index, entry in enumerate(json_list(data, "dictionary")):
            field, value = json_pair(entry, f"dictionary[{index}]")
            fields[decode_bytes(field, f"dictionary[{index}].field")] = decode_bytes(
                value, f"dictionary[{index}].value"
            )
        return cls(fields)
