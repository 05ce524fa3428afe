"""Credential records: what the emulator remembers about every key it issued."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from emulator.core.clock import to_iso
from emulator.core.permissions import Permissions, to_json


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
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expired(now) else "active"

    def summary(self, now: float) -> dict[str, object]:
        """A JSON-ready description with no secret in it."""
        return {
            "key_id": self.key_id,
            "kind": self.kind.value,
            "status": self.status(now),
            "permissions": to_json(self.permissions),
            "permissions_text": self.permissions.describe(),
            "issued_at": to_iso(self.issued_at),
            "valid_until": None if self.valid_until is None else to_iso(self.valid_until),
            "valid_for_seconds": self.valid_for,
            "token_id": self.token_id,
            "description": self.description,
            "refreshable": self.refresh_token is not None,
            "issued_by": self.issued_by,
            "revoked_at": None if self.revoked_at is None else to_iso(self.revoked_at),
        }
