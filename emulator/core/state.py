"""All of an emulator's mutable state, and the Auth rules that act on it.

One :class:`State` owns the clock, the signing secret, every issued credential, the caches
and their items, the topics, the fault rules and the journal. Reset builds a new one. Every
RPC's method reads the clock once, and expiry is checked lazily when a credential is used; expired records are pruned on
later writes, after a grace period during which they stay listable.
"""

from __future__ import annotations

import heapq
import hmac
import threading
from dataclasses import dataclass

from emulator.core.authorization import Decision, authorize
from emulator.core.caches import Caches
from emulator.core.clock import Clock
from emulator.core.collection_items import CollectionItems
from emulator.core.config import Settings
from emulator.core.credentials import Credential, Kind
from emulator.core.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from emulator.core.faults import FaultRule, Faults
from emulator.core.items import Items
from emulator.core.journal import Journal
from emulator.core.keys import Entropy, KeyCodec, bound_signature, unwrap, wrap
from emulator.core.permissions import SUPER_USER, Permissions, validate
from emulator.core.topics import Topics

KEY_ID_LENGTH = 16  # hex digits
MAX_TOKEN_ID_LENGTH = 64  # our rule
MAX_DESCRIPTION_LENGTH = 1024  # our rule
AUTHENTICATED_KEYS_HELD = 4096


@dataclass(frozen=True, slots=True)
class Issued:
    """What a mint or a refresh hands back."""

    api_key: str
    valid_until: int | None
    refresh_token: str = ""


class State:
    """The emulator's state; thread-safe, so tests may drive it from any thread."""

    def __init__(self, settings: Settings, *, secret: bytes | None = None, clock: Clock | None = None) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._entropy = Entropy(settings.seed)
        self.clock = clock or Clock(settings.clock_mode, settings.start_time)
        self.codec = KeyCodec(secret or self._entropy.secret(), settings.endpoint)
        self.faults = Faults()
        self.journal = Journal(settings.journal_size)
        self.caches = Caches(settings, on_delete=self._drop_topics)
        self.topics = Topics(self.caches, settings.topic_history, settings.max_subscriptions_per_cache)
        self.items = Items(self.caches, self.clock)
        self.collections = CollectionItems(self.items, self.caches, self._entropy.generator("collections"))
        self._credentials: dict[str, Credential] = {}
        self._expiries: list[tuple[int, str]] = []  # heap of (valid_until, key_id)
        self._static: dict[str, str] = {}  # user-supplied key value -> key id
        # Key text as presented -> its credential, once verified: every data-plane call presents a
        # key, and a verified one then costs a dictionary lookup, not a signature check. Revocation
        # and expiry are read from the credential itself, so a held entry never outlives them.
        self._authenticated: dict[str, Credential] = {}
        self.session_token = ""
        self.super_user_key = ""

    def bootstrap(self) -> State:
        """Issue the never-expiring session token and super-user key every emulator starts with."""
        session = self._new(Kind.SESSION, SUPER_USER, self.clock.now(), None, issued_by="bootstrap")
        self.session_token = self._sign(session)
        supplied = self.settings.super_user_key
        key = self._new(Kind.API_KEY, SUPER_USER, self.clock.now(), None, issued_by="bootstrap")
        if supplied:
            self._static[unwrap(supplied)] = key.key_id
            self.super_user_key = unwrap(supplied)
        else:
            self.super_user_key = self._sign(key)
        return self

    # --- authentication -------------------------------------------------------------------

    def authenticate(self, key: str, now: float, field: str = "auth_token") -> Credential:
        """The live credential behind ``key``, or ``Unauthenticated`` saying why not."""
        credential = self._authenticated.get(key)
        if credential is None:
            credential = self._verify(key, now, field)
        problem = credential.unusable_because(now)
        if problem:
            raise Unauthenticated(f"{field}: {problem}")
        return credential

    def _verify(self, key: str, now: float, field: str) -> Credential:
        """The credential behind a key not seen before: its signature checked, then remembered."""
        if not key.strip():
            raise Unauthenticated(f"{field}: no credential was given")
        try:
            credential, _, expiry = self._lookup(key)
        except Unauthenticated as error:
            raise Unauthenticated(f"{field}: {error.message}") from None
        if credential is None:
            if expiry is not None and now >= expiry:
                raise Unauthenticated(f"{field}: the credential expired")
            raise Unauthenticated(f"{field}: the credential is unknown to this emulator (reset or revoked?)")
        if len(self._authenticated) >= AUTHENTICATED_KEYS_HELD:
            self._authenticated.clear()
        self._authenticated[key] = credential
        return credential

    def identify(self, key: str) -> Credential | None:
        """Best-effort lookup of a caller for journals and fault matching; never raises."""
        known = self._authenticated.get(key)
        if known is not None:
            return known
        try:
            return self._lookup(key)[0]
        except Unauthenticated:
            return None

    def _lookup(self, key: str) -> tuple[Credential | None, str, int | None]:
        """The credential a key (raw or wrapped) names, its key id and signed expiry.

        Raises ``Unauthenticated`` for a key this emulator did not sign. A genuine key whose id
        now names another credential (issued after a reset with the same seed) finds nothing.
        """
        raw = unwrap(key)
        static = self._static.get(raw)
        if static is not None:
            return self._credentials.get(static), static, None
        claims = self.codec.decode(raw)
        key_id, expiry = claims["jti"], claims.get("exp")
        credential = self._credentials.get(key_id)
        signature = bound_signature(raw, claims).encode()  # bytes: compare_digest refuses non-ASCII str
        if credential is not None and not hmac.compare_digest(credential.signature.encode(), signature):
            credential = None
        return credential, key_id, expiry if isinstance(expiry, int) else None

    def _sign(self, credential: Credential) -> str:
        key = self.codec.encode(credential)
        credential.signature = key.rpartition(".")[2]
        return key

    # --- the Auth RPCs ----------------------------------------------------------------------

    def login(self) -> Issued:
        with self._lock:
            now = self.clock.now()
            ttl = self.settings.login_ttl
            credential = self._new(Kind.SESSION, SUPER_USER, now, ttl, issued_by="login")
            return Issued(self._sign(credential), credential.valid_until)

    def generate_api_key(
        self,
        auth_token: str,
        permissions: Permissions,
        valid_for: int | None,
        *,
        token_id: str = "",
        description: str = "",
    ) -> Issued:
        """Mint a v1 API key; ``valid_for=None`` never expires and has no refresh token."""
        with self._lock:
            now = self.clock.now()
            caller = self.authenticate(auth_token, now)
            if valid_for is not None and valid_for <= 0:
                raise InvalidArgument("expires.valid_for_seconds", "must be greater than 0")
            _check_text(token_id, "token_id", MAX_TOKEN_ID_LENGTH)
            _check_text(description, "description", MAX_DESCRIPTION_LENGTH)
            validate(permissions, disposable=False)
            _may_mint(caller, permissions, "an API key")
            credential = self._new(
                Kind.API_KEY, permissions, now, valid_for,
                token_id=token_id, description=description, issued_by=caller.key_id,
            )  # fmt: skip
            return self._issue(credential)

    def refresh_api_key(self, api_key: str, refresh_token: str) -> Issued:
        """A new key with the same permissions and duration, counted from now."""
        with self._lock:
            now = self.clock.now()
            old = self.authenticate(api_key, now, field="api_key")
            if old.kind is not Kind.API_KEY:
                raise Unauthenticated(f"api_key: a {old.kind.value.replace('_', ' ')} cannot be refreshed")
            if old.valid_until is None:
                raise Unauthenticated("api_key: a key that never expires has no refresh token and cannot be refreshed")
            expected = old.refresh_token
            given = refresh_token.encode()  # bytes: compare_digest refuses non-ASCII str
            if not refresh_token.strip() or expected is None or not hmac.compare_digest(expected.encode(), given):
                # Our rule: a spent, foreign or wrong refresh token is an authentication failure.
                raise Unauthenticated("refresh_token: not the current refresh token of this api_key")
            old.refresh_token = None  # single use
            credential = self._new(
                Kind.API_KEY, old.permissions, now, old.valid_for,
                token_id=old.token_id, description=old.description, issued_by=old.key_id,
            )  # fmt: skip
            return self._issue(credential)

    def generate_disposable_token(
        self, auth_token: str, permissions: Permissions, valid_for: int, *, token_id: str = ""
    ) -> Issued:
        with self._lock:
            now = self.clock.now()
            caller = self.authenticate(auth_token, now)
            maximum = self.settings.max_disposable_ttl
            if valid_for <= 0:
                raise InvalidArgument("expires.valid_for_seconds", "must be greater than 0")
            if valid_for > maximum:
                raise InvalidArgument(
                    "expires.valid_for_seconds", f"{valid_for} exceeds the maximum disposable lifetime of {maximum} s"
                )
            _check_text(token_id, "token_id", MAX_TOKEN_ID_LENGTH)
            validate(permissions, disposable=True)
            _may_mint(caller, permissions, "a disposable token")
            credential = self._new(
                Kind.DISPOSABLE, permissions, now, valid_for, token_id=token_id, issued_by=caller.key_id
            )
            return Issued(self._sign(credential), credential.valid_until)

    # --- inspection and control -------------------------------------------------------------

    def credentials(self) -> list[Credential]:
        with self._lock:
            return list(self._credentials.values())

    def find(self, key_or_id: str) -> Credential:
        """Look a credential up by key id, raw key or base64 key (admin use: no expiry check)."""
        text = key_or_id.strip()
        with self._lock:
            if text in self._credentials:
                return self._credentials[text]
            try:
                credential, key_id, _ = self._lookup(text)
            except Unauthenticated:
                raise NotFound(
                    f"key: {_abbreviate(text)!r} is neither a key id nor a key this emulator issued"
                ) from None
            if credential is None:
                raise NotFound(f"key: {key_id} is no longer held (expired and pruned, or from before a reset)")
            return credential

    def add_fault(self, rule: FaultRule) -> FaultRule:
        """Add a fault rule; one for a caller key must name a key this emulator holds, or it could never fire."""
        if rule.key_id:
            with self._lock:
                if rule.key_id not in self._credentials:
                    raise NotFound(f"key_id: {_abbreviate(rule.key_id)!r} is not the key id of a credential held here")
        return self.faults.add(rule)

    def revoke(self, key_or_id: str) -> Credential:
        with self._lock:
            credential = self.find(key_or_id)
            if credential.revoked_at is None:
                credential.revoked_at = self.clock.now()
                credential.refresh_token = None
            return credential

    def authorize(
        self,
        key: str,
        action: str,
        cache: str,
        *,
        item: bytes | None = None,
        topic: str | None = None,
        function: str | None = None,
    ) -> tuple[Credential, Decision]:
        """What the data plane would decide for ``key`` (a key id, or a key raw or base64).

        A revoked or expired credential is a denial, not an error; one not held is ``NotFound``.
        """
        with self._lock:
            credential = self.find(key)
            problem = credential.unusable_because(self.clock.now())
            if problem:
                return credential, Decision(False, f"key: {problem}")
            # A session token may do anything a super-user key may.
            permissions = SUPER_USER if credential.kind is Kind.SESSION else credential.permissions
            return credential, authorize(permissions, action, cache, key=item, topic=topic, function=function)

    def wrap(self, key: str) -> str:
        return wrap(key, self.settings.endpoint)

    def global_form(self, key: str) -> str:
        """The v2 ("global") form of a held key (given in any form): the SDKs send it with ``MOMENTO_ENDPOINT``."""
        with self._lock:
            return self.codec.encode_global(self.find(key))

    # --- internals --------------------------------------------------------------------------

    def _drop_topics(self, cache: str) -> None:
        """A deleted cache takes its topics with it; their subscribers hear NOT_FOUND."""
        self.topics.drop_cache(cache, NotFound(f"cache_name: cache {cache!r} was deleted"))

    def _new(
        self,
        kind: Kind,
        permissions: Permissions,
        now: float,
        valid_for: int | None,
        *,
        token_id: str = "",
        description: str = "",
        issued_by: str = "",
    ) -> Credential:
        self._prune(now)
        key_id = self._entropy.token(KEY_ID_LENGTH // 2)
        valid_until = None if valid_for is None else int(now) + valid_for
        credential = Credential(
            key_id, kind, permissions, issued_at=now, valid_until=valid_until, valid_for=valid_for,
            token_id=token_id, description=description, issued_by=issued_by,
        )  # fmt: skip
        self.add(credential)
        return credential

    def add(self, credential: Credential) -> None:
        """Hold ``credential`` (used by issuance and by state import)."""
        self._credentials[credential.key_id] = credential
        if credential.valid_until is not None:
            heapq.heappush(self._expiries, (credential.valid_until, credential.key_id))

    def add_static(self, key: str, key_id: str) -> None:
        self._static[key] = key_id

    def static_keys(self) -> dict[str, str]:
        return dict(self._static)

    def _issue(self, credential: Credential) -> Issued:
        if credential.valid_until is not None:
            credential.refresh_token = self._entropy.token(24)
        return Issued(self._sign(credential), credential.valid_until, credential.refresh_token or "")

    def _prune(self, now: float) -> None:
        horizon = now - self.settings.expired_retention
        heap = self._expiries
        while heap and heap[0][0] <= horizon:
            _, key_id = heapq.heappop(heap)
            self._credentials.pop(key_id, None)


def _may_mint(caller: Credential, permissions: Permissions, what: str) -> None:
    """The caller table of the spec (section 5)."""
    if caller.kind is Kind.SESSION:
        return
    if caller.kind is Kind.API_KEY and caller.permissions.super_user:
        if permissions.super_user:
            raise PermissionDenied("a super-user API key cannot mint super-user keys; use a session token")
        return
    who = "an API key" if caller.kind is Kind.API_KEY else "a disposable token"
    raise PermissionDenied(f"{who} with explicit permissions cannot mint {what}")


def _check_text(value: str, field: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidArgument(field, f"{len(value)} characters; at most {limit} allowed")


def _abbreviate(text: str) -> str:
    """How an unknown key or id is shown in an error: it may be a secret, so only a key id is shown whole."""
    if len(text) == KEY_ID_LENGTH and all(c in "0123456789abcdef" for c in text):
        return text
    return f"{text[:4]}… ({len(text)} characters)" if len(text) <= 24 else f"{text[:8]}…{text[-4:]}"
