"""Settings an emulator is built from; reset rebuilds the state from the same settings."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.core.clock import ClockMode, check_instant
from emulator.core.errors import InvalidArgument
from emulator.core.values import clock_mode, finite_number, whole_number

DEFAULT_MAX_DISPOSABLE_TTL = 3600  # our rule: one hour, as Momento documents
DEFAULT_LOGIN_TTL = 86400  # our rule: a session token from Login lasts a day
DEFAULT_EXPIRED_RETENTION = 3600  # our rule: expired keys stay listable for an hour of emulator time
DEFAULT_JOURNAL_SIZE = 10_000
# Data-plane limits, all our rules: an item (key plus value) fits in a Momento request, items
# live at most a day, and an account holds at most 100 caches.
DEFAULT_MAX_ITEM_BYTES = 1024 * 1024
DEFAULT_MAX_ITEM_TTL = 86400
DEFAULT_MAX_CACHES = 100
DEFAULT_TOPIC_HISTORY = 100  # our rule: messages each topic keeps for subscribers that resume
DEFAULT_MAX_SUBSCRIPTIONS = 100  # our rule: open subscriptions per cache
DEFAULT_HEARTBEAT_SECONDS = 5.0  # our rule: wall-clock seconds of silence before a subscription's heartbeat
MAX_HEARTBEAT_SECONDS = 3600.0


@dataclass(frozen=True)
class Settings:
    """Everything that shapes a fresh state. Times are epoch seconds."""

    endpoint: str = ""  # "" : the server's own host:port ("localhost" without a server)
    seed: str | None = None
    start_time: float | None = None  # None: manual: the host's time in whole seconds at build; system: the host's
    clock_mode: ClockMode = ClockMode.MANUAL
    max_disposable_ttl: int = DEFAULT_MAX_DISPOSABLE_TTL
    login_ttl: int = DEFAULT_LOGIN_TTL
    expired_retention: int = DEFAULT_EXPIRED_RETENTION
    journal_size: int = DEFAULT_JOURNAL_SIZE
    super_user_key: str = ""  # a fixed super-user key value (raw or base64), e.g. for CI configs
    max_item_bytes: int = DEFAULT_MAX_ITEM_BYTES  # key plus value of one item
    max_item_ttl: int = DEFAULT_MAX_ITEM_TTL  # seconds
    max_caches: int = DEFAULT_MAX_CACHES
    topic_history: int = DEFAULT_TOPIC_HISTORY
    max_subscriptions_per_cache: int = DEFAULT_MAX_SUBSCRIPTIONS
    heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS

    def __post_init__(self) -> None:
        for name, (least, most) in _RANGES.items():
            whole_number(getattr(self, name), name, least, most)
        beat = finite_number(self.heartbeat_seconds, "heartbeat_seconds")
        if not 0.001 <= beat <= MAX_HEARTBEAT_SECONDS:
            raise InvalidArgument("heartbeat_seconds", f"{beat!r} is not a number of seconds from 0.001 to 3600")
        start = self.start_time
        if start is not None and (isinstance(start, bool) or not isinstance(start, int | float)):
            raise InvalidArgument("start_time", f"{start!r} is not epoch seconds (a number) or None")
        if start is not None:
            check_instant(start, "start_time")
        object.__setattr__(self, "clock_mode", clock_mode(self.clock_mode))
        for name in ("endpoint", "super_user_key"):
            if not isinstance(getattr(self, name), str):
                raise InvalidArgument(name, f"{getattr(self, name)!r} is not a string")
        if self.super_user_key and not self.super_user_key.strip():
            raise InvalidArgument("super_user_key", "must not be blank")
        if self.seed is not None and not isinstance(self.seed, str):
            raise InvalidArgument("seed", f"{self.seed!r} is not a string or None")


# The range of each whole-number setting: lifetimes travel as 32-bit seconds.
_RANGES = {
    "max_disposable_ttl": (1, 2**32 - 1),
    "login_ttl": (1, 2**32 - 1),
    "expired_retention": (0, 2**32 - 1),
    "journal_size": (1, 10_000_000),
    "max_item_bytes": (1, 1024 * 1024),
    "max_item_ttl": (1, 2**32 - 1),
    "max_caches": (1, 1_000_000),
    "topic_history": (0, 1_000_000),
    "max_subscriptions_per_cache": (1, 1_000_000),
}
