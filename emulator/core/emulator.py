"""The emulator as a whole: settings plus the current state, which reset replaces."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from emulator.core.clock import ClockMode, wall_time
from emulator.core.config import Settings
from emulator.core.errors import Unavailable
from emulator.core.faults import Catalog
from emulator.core.snapshot import export_state, import_state
from emulator.core.state import State


class Emulator:
    """Holds one :class:`State` at a time. Callers read ``emulator.state`` once per operation."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = _pinned(settings or Settings())  # those of the current state
        self.initial_settings = self.settings  # every reset starts from these
        self.state = State(self.settings).bootstrap()
        self.web_url = ""  # where browsers reach the gRPC-Web listener, once a server serves one

    def reset(
        self,
        *,
        start_time: float | None = None,
        clock_mode: ClockMode | None = None,
        seed: str | None = None,
        max_disposable_ttl: int | None = None,
    ) -> State:
        """Replace all state: credentials, clock, faults and journal.

        The fresh state runs under the settings the emulator was built with, except for the
        overrides given (``None``: as built); they last until the next reset.
        """
        given: dict[str, Any] = dict(
            start_time=start_time, clock_mode=clock_mode, seed=seed, max_disposable_ttl=max_disposable_ttl
        )
        settings = replace(self.initial_settings, **{k: v for k, v in given.items() if v is not None})
        state = State(settings).bootstrap()  # built first: refused settings change nothing
        self.settings, self.state, old = settings, state, self.state
        old.topics.end_all(Unavailable("subscription: the emulator was reset; subscribe again"))
        return state

    def export(self) -> dict[str, Any]:
        return export_state(self.state)

    def load(self, document: object, catalog: Catalog | None = None) -> State:
        """Replace the state with an exported one; on a bad document nothing changes.

        Its fault rules may name only the methods and status names of ``catalog`` (the service
        layer's; without one, a document with fault rules is refused). Open subscriptions end:
        topics are not part of a state document.
        """
        state = import_state(document, self.settings, catalog or Catalog())
        self.state, old = state, self.state
        old.topics.end_all(Unavailable("subscription: the emulator's state was replaced by an import; subscribe again"))
        return state


def _pinned(settings: Settings) -> Settings:
    """``settings`` with the endpoint and the start fixed, so that every reset starts alike."""
    if not settings.endpoint:
        settings = replace(settings, endpoint="localhost")
    if settings.start_time is None and settings.clock_mode is ClockMode.MANUAL:
        settings = replace(settings, start_time=float(int(wall_time())))  # a system clock stays the host's
    return settings
