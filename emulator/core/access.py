"""The one door of the control and data planes: who is calling, and may they do this here.

Order (our rule): authenticate, then authorize, then (in the operation itself) look the cache
up, so a token scoped to cache A never learns whether cache B exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from emulator.core.authorization import Capability, authorize, capability_of
from emulator.core.credentials import Credential, Kind
from emulator.core.errors import InvalidArgument, PermissionDenied
from emulator.core.permissions import SUPER_USER
from emulator.core.state import State

# Read on every call: on Python 3.11 a member read from its enum class costs about ten global reads.
_SESSION = Kind.SESSION


def admit(
    state: State,
    presented: str,
    action: str,
    cache: str,
    now: float,
    *,
    keys: Sequence[bytes] = (),
    topic: str | None = None,
) -> Credential:
    """The caller's credential, if it may do ``action`` on ``cache`` (and every one of ``keys``).

    Raises ``Unauthenticated`` for a missing, forged, revoked or expired credential (before
    anything else), ``InvalidArgument`` for a data call without a cache name, and
    ``PermissionDenied`` ("Insufficient permissions: ...") when any key is not allowed
    (our rule: a batch is allowed whole or not at all).
    """
    credential = state.authenticate(presented, now, field="authorization")
    # A session token may do anything a super-user key may.
    permissions = SUPER_USER if credential.kind is _SESSION else credential.permissions
    if not cache and capability_of(action) is not Capability.CONTROL_PLANE:
        raise InvalidArgument("cache", "the cache header is missing or empty")
    for key in keys or (None,):
        decision = authorize(permissions, action, cache, key=key, topic=topic)
        if not decision.allowed:
            raise PermissionDenied(decision.reason)
    return credential
