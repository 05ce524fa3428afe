"""Settings an emulator is built from; reset rebuilds the state from the same settings."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.core.clock import ClockMode
from emulator.core.errors import InvalidArgument

DEFAULT_MAX_DISPOSABLE_TTL = 3600  # our rule: one hour, as Momento documents
DEFAULT_LOGIN_TTL = 86400  # our rule: a session token from Login lasts a day
DEFAULT_EXPIRED_RETENTION = 3600  # our rule: expired keys stay listable for an hour of emulator time
DEFAULT_JOURNAL_SIZE = 10_000


@dataclass(frozen=True)
class Settings:
    """Everything that shapes a fresh state. Times are epoch seconds."""

    endpoint: str = ""  # "" : the server's own host:port ("localhost" without a server)
    seed: str | None = None
    start_time: float | None = None  # None: the host's time, whole seconds, when the emulator is built
    clock_mode: ClockMode = ClockMode.MANUAL
    max_disposable_ttl: int = DEFAULT_MAX_DISPOSABLE_TTL
    login_ttl: int = DEFAULT_LOGIN_TTL
    expired_retention: int = DEFAULT_EXPIRED_RETENTION
    journal_size: int = DEFAULT_JOURNAL_SIZE
    super_user_key: str = ""  # a fixed super-user key value (raw or base64), e.g. for CI configs

    def __post_init__(self) -> None:
        for name, least in _LEAST.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise InvalidArgument(f"{name}: {value!r} is not a whole number of at least {least}")


# The smallest value each whole-number setting may take.
_LEAST = {"max_disposable_ttl": 1, "login_ttl": 1, "expired_retention": 0, "journal_size": 1}
