"""A sorted set item: distinct values (bytes), each with a score, ordered by score.

Our rules where Momento publishes none: scores must be finite numbers (NaN and infinities are
refused, so every comparison is total), and elements with equal scores are ordered by their
value's bytes; descending order is the exact reverse of ascending order.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import itemgetter
from typing import Any, Self

from emulator.core.caches import ItemType
from emulator.core.collections.common import decode_bytes, encode_bytes, json_list, json_pair
from emulator.core.errors import FailedPrecondition
from emulator.core.values import finite_number

_score_of = itemgetter(0)
SCORE_BYTES = 8  # what a score adds to an element's size, for size limits


@dataclass(frozen=True, slots=True)
class ScoreBound:
    """One end of a score range; ``exclusive`` leaves ``score`` itself out."""

    score: float
    exclusive: bool = False


class Aggregate(Enum):
    """How SortedSetUnionStore combines an element's weighted scores from several sources."""

    SUM = 0
    MIN = 1
    MAX = 2


_COMBINE: dict[Aggregate, Callable[[list[float]], float]] = {
    Aggregate.SUM: lambda scores: sum(scores, 0.0),
    Aggregate.MIN: lambda scores: min(scores),
    Aggregate.MAX: lambda scores: max(scores),
}


def _finite(score: float, what: str) -> float:
    if not math.isfinite(score):
        raise FailedPrecondition(f"{what} would not be a finite number")
    return score


class SortedSet:
    """The value of a sorted set item."""

    __slots__ = ("_order", "nbytes", "scores")

    def __init__(self, scores: dict[bytes, float] | None = None) -> None:
        self.scores: dict[bytes, float] = scores if scores is not None else {}
        self._order: list[tuple[float, bytes]] | None = None  # ascending; rebuilt after a write
        self.nbytes = sum(len(value) + SCORE_BYTES for value in self.scores)  # for size limits

    @property
    def item_type(self) -> ItemType:
        return ItemType.SORTED_SET

    def __len__(self) -> int:
        return len(self.scores)

    def __repr__(self) -> str:
        return f"SortedSet({len(self.scores)} elements)"

    def _ascending(self) -> list[tuple[float, bytes]]:
        if self._order is None:
            self._order = sorted((score, value) for value, score in self.scores.items())
        return self._order

    def _ordered(self, descending: bool) -> list[tuple[float, bytes]]:
        ascending = self._ascending()
        return ascending[::-1] if descending else ascending

    # --- writes ------------------------------------------------------------------------------

    def put(self, elements: Iterable[tuple[bytes, float]]) -> None:
        """Add each element or replace its score; the last score given for a value wins."""
        pending = [(value, finite_number(score, "score")) for value, score in elements]  # our rule: finite scores
        for value, score in pending:
            self._store(value, score)

    def _store(self, value: bytes, score: float) -> None:
        if value not in self.scores:
            self.nbytes += len(value) + SCORE_BYTES
        self.scores[value] = score
        self._order = None

    def increment(self, value: bytes, amount: float) -> float:
        """Add ``amount`` to the value's score (absent counts as 0); returns the new score."""
        finite_number(amount, "amount")
        total = _finite(self.scores.get(value, 0.0) + amount, "the incremented score")
        self._store(value, total)
        return total

    def remove(self, values: Iterable[bytes]) -> None:
        for value in values:
            if self.scores.pop(value, None) is not None:
                self.nbytes -= len(value) + SCORE_BYTES
        self._order = None

    def clear(self) -> None:
        self.scores.clear()
        self._order = None
        self.nbytes = 0

    # --- reads -------------------------------------------------------------------------------

    def get_scores(self, values: Sequence[bytes]) -> list[float | None]:
        return [self.scores.get(value) for value in values]

    def rank(self, value: bytes, descending: bool = False) -> int | None:
        """The value's 0-based position in the given order, or None when it is absent."""
        score = self.scores.get(value)
        if score is None:
            return None
        index = bisect.bisect_left(self._ascending(), (score, value))
        return len(self.scores) - 1 - index if descending else index

    def fetch_by_rank(
        self, start: int | None = None, end: int | None = None, descending: bool = False
    ) -> list[tuple[bytes, float]]:
        """Elements by position in the given order: a Python slice ``[start:end]`` of it."""
        return [(value, score) for score, value in self._ordered(descending)[start:end]]

    def fetch_by_score(
        self,
        low: ScoreBound | None = None,
        high: ScoreBound | None = None,
        descending: bool = False,
        offset: int = 0,
        count: int = -1,
    ) -> list[tuple[bytes, float]]:
        """Elements whose score lies between the bounds (None: unbounded), in the given order,
        skipping ``offset`` of them and returning at most ``count`` (a negative count: all)."""
        first, stop = self._score_range(low, high)
        matching = self._ascending()[first:stop]
        if descending:
            matching.reverse()
        selected = matching[offset:] if count < 0 else matching[offset : offset + count]
        return [(value, score) for score, value in selected]

    def length_by_score(self, low: ScoreBound | None = None, high: ScoreBound | None = None) -> int:
        first, stop = self._score_range(low, high)
        return max(0, stop - first)

    def _score_range(self, low: ScoreBound | None, high: ScoreBound | None) -> tuple[int, int]:
        ascending = self._ascending()
        first = 0
        if low is not None:
            find = bisect.bisect_right if low.exclusive else bisect.bisect_left
            first = find(ascending, low.score, key=_score_of)
        stop = len(ascending)
        if high is not None:
            find = bisect.bisect_left if high.exclusive else bisect.bisect_right
            stop = find(ascending, high.score, key=_score_of)
        return first, max(first, stop)

    # --- views -------------------------------------------------------------------------------

    def head(self, limit: int) -> list[Any]:
        return self.fetch_by_rank(0, limit)

    def to_json(self) -> Any:
        return [[encode_bytes(value), score] for value, score in self.scores.items()]

    @classmethod
    def from_json(cls, data: Any) -> Self:
        scores: dict[bytes, float] = {}
        for index, entry in enumerate(json_list(data, "sorted_set")):
            value, score = json_pair(entry, f"sorted_set[{index}]")
            scores[decode_bytes(value, f"sorted_set[{index}].value")] = finite_number(
                score, f"sorted_set[{index}].score"
            )
        return cls(scores)


def union_store(sources: Sequence[tuple[SortedSet | None, float]], aggregate: Aggregate) -> SortedSet:
    """The union of ``(set, weight)`` sources (None: a missing set, which adds nothing): each
    element's score is its score times its source's weight, combined across sources by ``aggregate``."""
    combine = _COMBINE[aggregate]
    weighted: dict[bytes, list[float]] = {}
    for source, weight in sources:
        if source is None:
            continue
        for value, score in source.scores.items():
            weighted.setdefault(value, []).append(score * weight)
    return SortedSet({value: _finite(combine(scores), "a combined score") for value, scores in weighted.items()})
