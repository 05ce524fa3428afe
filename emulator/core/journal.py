"""The request journal: a bounded record of every Momento call the emulator served."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Entry:
    """One served call. ``request`` is what the service layer kept of it (it redacts secrets when shown)."""

    seq: int
    method: str
    emulator_time: float
    wall_time: float
    caller_kind: str
    key_id: str
    code: str
    details: str
    latency_ms: float
    request: object = None


class Journal:
    """The newest ``size`` entries, numbered from 1 in the order calls finished.

    Every served call is recorded, so an entry is kept as a plain tuple and becomes an
    :class:`Entry` only when read.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("journal size must be at least 1")
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=size)
        self._seq = 0
        self._lock = threading.Lock()

    def record(
        self,
        *,
        method: str,
        emulator_time: float,
        wall_time: float,
        caller_kind: str,
        key_id: str,
        code: str,
        details: str,
        latency_ms: float,
        request: object = None,
    ) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append(
                (self._seq, method, emulator_time, wall_time, caller_kind, key_id, code, details, latency_ms, request)
            )

    def entries(self, method: str = "", limit: int = 0) -> list[Entry]:
        """Oldest first; ``method`` matches a full path or its last part; ``limit`` keeps the newest."""
        with self._lock:
            found = [e for e in self._entries if not method or method in (e[1], e[1].rsplit("/", 1)[1])]
        return [Entry(*e) for e in (found[-limit:] if limit > 0 else found)]

    def clear(self, through: int = 0) -> int:
        """Remove every entry, or (``through`` > 0) the entries numbered up to ``through``."""
        with self._lock:
            before = len(self._entries)
            if through > 0:
                kept = [e for e in self._entries if e[0] > through]
                self._entries.clear()
                self._entries.extend(kept)
            else:
                self._entries.clear()
            return before - len(self._entries)
