"""What a handler gets besides its request: one :class:`Call` per RPC, built by the dispatcher."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from emulator.core.credentials import Credential
from emulator.core.emulator import Emulator
from emulator.core.faults import Catalog
from emulator.core.state import State


@dataclass(slots=True)
class Call:
    """One call's context, read-only by convention (not frozen: one is built for every call, and a
    frozen dataclass costs several times as much to build).

    ``state`` is read once per call (a reset meanwhile does not split the call across two states);
    ``presented`` is the credential text the caller sent where the RPC's registry row says (a body
    field or a header), "" if none; ``caller`` is the credential it names, if this emulator holds
    one (identified for the journal and fault matching, not yet authenticated: handlers ask the core
    for that); ``metadata`` holds the invocation metadata, keys in lower case (``cache``,
    ``authorization``, ...); ``now`` is the emulator clock read once when the handler is called;
    ``action`` is the core action (see ``emulator.core.authorization.ACTIONS``) of a data-plane row;
    ``catalog`` names the Momento methods and status names served (for fault rules and journal queries).
    """

    emulator: Emulator
    state: State
    now: float
    catalog: Catalog
    caller: Credential | None = None
    presented: str = ""
    metadata: Mapping[str, str | bytes] = field(default_factory=dict)
    action: str = ""

    def header(self, name: str) -> str:
        """The text header ``name`` (lower case), or "" if the caller did not send it."""
        value = self.metadata.get(name, "")
        return value if isinstance(value, str) else ""


def local_call(emulator: Emulator, catalog: Catalog) -> Call:
    """A call made in-process (``local_control``): no caller, no metadata."""
    state = emulator.state
    return Call(emulator, state, state.clock.now(), catalog)
