"""Credential records: what the emulator remembers about every key it issued."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from emulator.core.permissions import Permissions


class Kind(StrEnum):
    """The three kinds of credential the Auth service knows."""

    SESSION = "session_token"
    API_KEY = "api_key"
    DISPOSABLE = "disposable_token"


@dataclass(slots=True)
class Credential:
    """One issued credential. ``valid_until`` is epoch seconds; ``None`` never expires."""

    key_id: str
    kind: Kind
    permissions: Permissions
    issued_at: float
    valid_until: int | None
    valid_for: int | None = None
    token_id: str = ""
    description: str = ""
    refresh_token: str | None = None  # the current, unspent one
    issued_by: str = ""  # key id of the caller, or of the key this one refreshed
    revoked_at: float | None = None
    signature: str = ""  # of the key string issued for it: tells it from a key that reuses its id

    def expired(self, now: float) -> bool:
        # Our rule: a credential is expired from the instant of valid_until on.
        return self.valid_until is not None and now >= self.valid_until

    def status(self, now: float) -> str:
        """``active``, ``expired`` or ``revoked`` (revocation wins)."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expired(now) else "active"

    def unusable_because(self, now: float) -> str:
        """Why this credential may no longer be used, or ``""`` (revocation wins, as in :meth:`status`)."""
        if self.revoked_at is not None:
            return "the credential was revoked"
        return "the credential expired" if self.expired(now) else ""
