"""What every handle on a running emulator offers: where it listens, its controls, its bootstrap credentials.

:class:`Reachable` is the protocol (the servers, the pytest fixture's handles, and what
``emulator.sdk`` accepts); :class:`Bootstraps` adds ``bootstrap`` to any class that has the two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from emulator.control import Bootstrap, Control


class Reachable(Protocol):
    """An emulator's ``host:port`` and its :class:`~emulator.control.Control`."""

    @property
    def target(self) -> str: ...

    @property
    def control(self) -> Control: ...


class Bootstraps:
    """Mixin for a :class:`Reachable`: its current bootstrap credentials."""

    @property
    def bootstrap(self: Reachable) -> Bootstrap:
        """The current super-user key and session token (read each time: they change on reset unless seeded)."""
        return self.control.bootstrap()
