"""A set item: distinct elements (bytes), kept in the order they were first added."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, Self

from emulator.core.caches import ItemType
from emulator.core.collections.common import decode_bytes, encode_bytes, json_list


class ItemSet:
    """The value of a set item. Random choices come from the caller's generator, so a seeded
    emulator samples and pops the same elements on every run."""

    __slots__ = ("elements", "nbytes")

    def __init__(self, elements: Iterable[bytes] = ()) -> None:
        self.elements: dict[bytes, None] = dict.fromkeys(elements)
        self.nbytes = sum(map(len, self.elements))  # for size limits

    @property
    def item_type(self) -> ItemType:
        return ItemType.SET

    def __len__(self) -> int:
        return len(self.elements)

    def __repr__(self) -> str:
        return f"ItemSet({len(self.elements)} elements)"

    def fetch(self) -> list[bytes]:
        return list(self.elements)

    def union(self, elements: Iterable[bytes]) -> None:
        for element in elements:
            if element not in self.elements:
                self.elements[element] = None
                self.nbytes += len(element)

    def difference(self, elements: Iterable[bytes]) -> None:
        """Remove ``elements`` (the protocol's "subtrahend": stored minus request)."""
        for element in elements:
            if element in self.elements:
                del self.elements[element]
                self.nbytes -= len(element)

    def minuend(self, elements: Sequence[bytes]) -> None:
        """Become ``elements`` minus what was stored (the protocol's "minuend": request minus stored)."""
        self.elements = {element: None for element in elements if element not in self.elements}
        self.nbytes = sum(map(len, self.elements))

    def clear(self) -> None:
        self.elements.clear()
        self.nbytes = 0

    def contains(self, elements: Sequence[bytes]) -> list[bool]:
        return [element in self.elements for element in elements]

    def sample(self, limit: int, rng: random.Random) -> list[bytes]:
        """Up to ``limit`` distinct elements chosen at random."""
        population = list(self.elements)
        if limit >= len(population):
            rng.shuffle(population)
            return population
        return rng.sample(population, limit)

    def pop(self, count: int, rng: random.Random) -> list[bytes]:
        """Remove and return up to ``count`` elements chosen at random."""
        chosen = self.sample(count, rng)
        self.difference(chosen)
        return chosen

    def head(self, limit: int) -> list[Any]:
        return list(islice(self.elements, limit))

    def to_json(self) -> Any:
        return [encode_bytes(element) for element in self.elements]

    @classmethod
    def from_json(cls, data: Any) -> Self:
        return cls(decode_bytes(element, f"set[{index}]") for index, element in enumerate(json_list(data, "set")))
