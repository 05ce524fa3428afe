"""The emulator's clock: the only place that reads wall time.

Two modes:

* ``manual``: frozen; moves only when set or advanced.
* ``system``: wall time plus an offset, so switching modes never makes time jump; it stops
  at :data:`MAX_INSTANT` rather than run past the range every expiry is printable in.

Time never goes backwards: setting an earlier instant is refused.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from enum import StrEnum

from emulator.core.errors import InvalidArgument

# The latest instant the clock may reach: leaves room for the longest key lifetime (2**32 s)
# before the end of year 9999, so every expiry stays printable.
MAX_INSTANT = 253402300799 - 2**32


class ClockMode(StrEnum):
    MANUAL = "manual"
    SYSTEM = "system"


# Read on every call: on Python 3.11 a member read from its enum class costs about ten global reads.
_MANUAL = ClockMode.MANUAL

# Seconds since the epoch from the host clock: for the system mode, a default start, journal stamps.
wall_time = time.time


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def to_iso(seconds: float) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix; whole seconds unless there is a fraction."""
    return iso(from_epoch(seconds))


def iso(moment: datetime) -> str:
    """A UTC datetime as :func:`to_iso` writes it."""
    spec = "seconds" if moment.microsecond == 0 else "microseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def parse_instant(text: str, field: str = "time") -> float:
    """Parse an ISO 8601 instant; a naive one is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidArgument(field, f"{text!r} is not an ISO 8601 instant") from None
    return epoch_of(moment)


def epoch_of(moment: datetime) -> float:
    """Epoch seconds of ``moment``; a naive datetime is taken as UTC, never as the host's local time."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


def check_instant(instant: float, field: str = "time") -> None:
    if not 0 <= instant <= MAX_INSTANT:
        raise InvalidArgument(
            field, f"{instant} is outside the range the emulator supports (1970 to {to_iso(MAX_INSTANT)})"
        )


class Clock:
    """A clock in seconds since the epoch (floats), frozen or following the host.

    With no ``start``, a manual clock starts at the host's time in whole seconds, and a system
    clock is the host's clock exactly.

    Instants are epoch seconds because that is the unit on the wire (``valid_until``);
    :func:`to_iso` and :func:`from_epoch` give timezone-aware UTC views of them.
    """

    def __init__(self, mode: ClockMode = ClockMode.MANUAL, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._mode = mode
        self._frozen = self._offset = 0.0
        if start is None and mode is ClockMode.SYSTEM:
            self._frozen = wall_time()  # the host's clock itself, to the microsecond: no offset
        else:
            self._jump(float(int(wall_time())) if start is None else start)

    @property
    def mode(self) -> ClockMode:
        return self._mode

    def now(self) -> float:
        if self._mode is _MANUAL:
            return self._frozen  # only ever moves forward; no lock needed
        # Following the host: read under the lock, so a concurrent mode switch (which freezes the
        # clock at the instant it reads) can never be preceded by a later reading than it froze at.
        with self._lock:
            return self._now()

    def _now(self) -> float:
        if self._mode is ClockMode.MANUAL:
            return self._frozen
        return min(wall_time() + self._offset, MAX_INSTANT)  # following the host, it stops at the limit

    def set(self, instant: float) -> float:
        """Move to ``instant``; refuse to go backwards."""
        check_instant(instant)
        with self._lock:
            current = self._now()
            if instant < current:
                raise InvalidArgument(
                    "time",
                    f"{to_iso(instant)} is before the emulator's now {to_iso(current)}; the clock never goes backwards",
                )
            self._jump(instant)
            return instant

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (which must not be negative)."""
        if seconds < 0:
            raise InvalidArgument("seconds", f"{seconds} is negative; the clock never goes backwards")
        with self._lock:
            target = self._now() + seconds
            self._jump(target)
            return target

    def set_mode(self, mode: ClockMode) -> None:
        """Switch mode, continuing from the current instant without a jump."""
        with self._lock:
            current = self._now()
            self._jump(current)  # both representations agree before the mode flips
            self._mode = mode

    def _jump(self, instant: float) -> None:
        check_instant(instant)
        self._frozen = instant
        self._offset = instant - wall_time()

    def __repr__(self) -> str:
        return f"Clock(mode={self._mode.value}, now={to_iso(self.now())})"
