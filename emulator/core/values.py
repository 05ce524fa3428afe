"""The checks of plain values that every edge shares: one definition each.

Settings, the servers, state documents, the admin service, :class:`~emulator.control.Control` and the
command line all take counts, numbers, ports and clock modes from users; each asks here, so a value is refused
in the same words wherever it comes from.
"""

from __future__ import annotations

import math

from emulator.core.clock import ClockMode
from emulator.core.errors import InvalidArgument


def whole_number(value: object, field: str, least: int, most: int, hint: str = "") -> int:
    """``value`` if it is an int (not a bool) from ``least`` to ``most``."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidArgument(field, f"{value!r} is not a whole number from {least} to {most}{hint}")
    return value


def port_number(value: object, field: str, hint: str = "") -> int:
    """``value`` if it is a TCP port number: an int (not a bool) from 0 (the system picks one) to 65535."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise InvalidArgument(field, f"{value!r} is not a port number from 0 to 65535{hint}")
    return value


def finite_number(value: object, field: str) -> float:
    """``value`` as a float if it is a finite int or float (not a bool, NaN or an infinity)."""
    try:
        number = float(value) if not isinstance(value, bool) and isinstance(value, int | float) else math.nan
    except OverflowError:  # an int too large for a float
        number = math.nan
    if not math.isfinite(number):
        raise InvalidArgument(field, f"{value!r} is not a finite number")
    return number


def clock_mode(value: object, field: str = "clock_mode") -> ClockMode:
    """A clock mode from its name in any case ("manual", " System ") or the enum itself."""
    try:
        return ClockMode(str(value).strip().lower())
    except ValueError:
        modes = ", ".join(m.value for m in ClockMode)
        raise InvalidArgument(field, f"{value!r} is not one of {modes}") from None
