"""The one admission step every control- and data-plane handler starts with.

``admitted(call, ...)`` runs the core's :func:`~emulator.core.access.admit` with what the
registry row put on the call: the ``authorization`` header the SDKs send (the caller's key),
the row's action, and the cache the request names (the ``cache`` header on ``Scs`` calls, a
body field on control and topic calls). Topic and collection handlers use it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from emulator.core.access import admit
from emulator.core.credentials import Credential
from emulator.core.errors import Unimplemented
from emulator.services.call import Call

CACHE_HEADER = "cache"


def admitted(
    call: Call,
    keys: Sequence[bytes] = (),
    *,
    cache: str | None = None,
    topic: str | None = None,
    action: str | None = None,
) -> tuple[str, Credential]:
    """The cache name the call acts on and the caller, once it may; raises the core's errors.

    ``cache`` defaults to the ``cache`` header; ``keys`` are the item keys (or collection
    names) the call touches, every one of which must be allowed; ``action`` defaults to the
    row's (a call that also reads other items, SortedSetUnionStore's sources, asks again for those).
    """
    name = call.header(CACHE_HEADER) if cache is None else cache
    needed = call.action if action is None else action
    return name, admit(call.state, call.presented, needed, name, call.now, keys=keys, topic=topic)


def authenticated(call: Call) -> Credential:
    """The caller, authenticated only (for RPCs refused later in any case, e.g. UNIMPLEMENTED)."""
    return call.state.authenticate(call.presented, call.now, field="authorization")


@dataclass(frozen=True, slots=True)
class Unserved:
    """The handler of an RPC the emulator does not serve: the caller authenticated, then UNIMPLEMENTED naming it."""

    name: str

    def __call__(self, call: Call, request: object) -> NoReturn:
        authenticated(call)
        raise Unimplemented(f"{self.name}: the emulator does not implement this RPC yet")
