"""A list item: values (bytes) in order, duplicates allowed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Self

from emulator.core.caches import ItemType
from emulator.core.collections.common import decode_bytes, encode_bytes, json_list


class ItemList:
    """The value of a list item.

    Ranges (``start``, ``end``) follow Momento's protocol, which documents them as Python slices:
    ``start`` inclusive and ``end`` exclusive, None meaning unbounded, a negative index counting
    from the end, and an inverted or out-of-range slice selecting nothing.
    """

    __slots__ = ("nbytes", "values")

    def __init__(self, values: list[bytes] | None = None) -> None:
        self.values: list[bytes] = values if values is not None else []
        self.nbytes = sum(map(len, self.values))  # for size limits

    @property
    def item_type(self) -> ItemType:
        return ItemType.LIST

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"ItemList({len(self.values)} values)"

    def concatenate_back(self, values: Sequence[bytes], truncate_front_to: int = 0) -> int:
        """Append ``values``; then, when ``truncate_front_to`` is positive, drop values from the
        front until at most that many remain. Returns the new length."""
        self.values.extend(values)
        self.nbytes += sum(map(len, values))
        if 0 < truncate_front_to < len(self.values):
            self._drop(slice(0, len(self.values) - truncate_front_to))
        return len(self.values)

    def concatenate_front(self, values: Sequence[bytes], truncate_back_to: int = 0) -> int:
        """Prepend ``values`` (keeping their order); then, when ``truncate_back_to`` is positive,
        drop values from the back until at most that many remain. Returns the new length."""
        self.values[:0] = values
        self.nbytes += sum(map(len, values))
        if 0 < truncate_back_to < len(self.values):
            self._drop(slice(truncate_back_to, None))
        return len(self.values)

    def _drop(self, part: slice) -> None:
        self.nbytes -= sum(map(len, self.values[part]))
        del self.values[part]

    def pop_front(self) -> bytes:
        value = self.values.pop(0)
        self.nbytes -= len(value)
        return value

    def pop_back(self) -> bytes:
        value = self.values.pop()
        self.nbytes -= len(value)
        return value

    def fetch(self, start: int | None = None, end: int | None = None) -> list[bytes]:
        return self.values[start:end]

    def retain(self, start: int | None = None, end: int | None = None) -> int:
        """Keep only the slice; returns the new length (0 means the list is now empty)."""
        self._replace(self.values[start:end])
        return len(self.values)

    def remove_value(self, value: bytes) -> int:
        """Remove every element equal to ``value``; returns the new length."""
        self._replace([kept for kept in self.values if kept != value])
        return len(self.values)

    def erase(self, ranges: Iterable[tuple[int, int]]) -> int:
        """Remove the elements covered by any ``(begin_index, count)`` range, all indexes taken in
        the list as it was before the call (our rule); parts beyond the end are ignored."""
        doomed: set[int] = set()
        length = len(self.values)
        for begin, count in ranges:
            doomed.update(range(min(begin, length), min(begin + count, length)))
        if doomed:
            self._replace([value for index, value in enumerate(self.values) if index not in doomed])
        return len(self.values)

    def _replace(self, values: list[bytes]) -> None:
        self.values = values
        self.nbytes = sum(map(len, values))

    def head(self, limit: int) -> list[Any]:
        return self.values[:limit]

    def to_json(self) -> Any:
        return [encode_bytes(value) for value in self.values]

    @classmethod
    def from_json(cls, data: Any) -> Self:
        return cls([decode_bytes(value, f"list[{index}]") for index, value in enumerate(json_list(data, "list"))])
