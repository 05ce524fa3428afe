"""Key material: signed, self-describing key strings and the randomness behind them.

A key is a JWT signed with HMAC-SHA256 under a per-emulator secret, so it is unguessable,
a forged or edited key fails verification, and ``jwt.io`` (or ``keys describe``) can show
what it holds. Expiry is checked against the emulator clock, never by the JWT library.

Signing is the standard library's ``hmac`` over the JWS compact form, byte for byte what
``jwt.encode`` produces (a test holds it to that); it is on every minting RPC, and PyJWT's
general-purpose ``encode`` costs several times more. Verification, where the pitfalls are
(algorithm confusion, malformed segments), is PyJWT's ``decode``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import secrets
import threading
from collections import OrderedDict
from typing import Any

from emulator.core.credentials import Credential
from emulator.core.errors import Unauthenticated
from emulator.core.permissions import to_json

ALGORITHM = "HS256"
COMPACT = (",", ":")  # JSON separators of a JWS segment, as PyJWT writes them
_DECODE_OPTIONS: Any = {
    "verify_signature": True,
    "verify_exp": False,  # the emulator clock decides, not the host clock
    "verify_iat": False,
    "verify_nbf": False,
    "verify_aud": False,
    "require": ["jti", "knd"],
}
# Keys this codec signed or verified lately. Verifying a signature with PyJWT costs tens of
# microseconds and every RPC presents a key (often the same one), so this is the hot path.
VERIFIED_KEYS_CACHED = 1024
# A v2 ("global") key: the SDKs look for "t": "g"; GLOBAL_OF holds the signature of the key it is a form of.
GLOBAL_TYPE_CLAIM, GLOBAL_TYPE, GLOBAL_OF = "t", "g", "of"


class Entropy:
    """Random bytes; reproducible when seeded, from ``secrets`` otherwise."""

    def __init__(self, seed: str | None) -> None:
        self._seed = seed
        self._rng = random.Random(f"momento-auth-emulator:{seed}") if seed is not None else None

    def generator(self, purpose: str) -> random.Random:
        """A generator of its own for ``purpose``: reproducible when seeded, so one purpose's draws
        never shift another's; seeded from the operating system otherwise."""
        if self._seed is None:
            return random.Random()
        return random.Random(f"momento-auth-emulator:{self._seed}:{purpose}")

    def token(self, nbytes: int) -> str:
        raw = self._rng.randbytes(nbytes) if self._rng is not None else secrets.token_bytes(nbytes)
        return raw.hex()

    def secret(self) -> bytes:
        return bytes.fromhex(self.token(32))


class KeyCodec:
    """Signs credentials into key strings and verifies key strings back into claims."""

    def __init__(self, secret: bytes, endpoint: str) -> None:
        self.secret = secret
        self._header = _segment(json.dumps({"alg": ALGORITHM, "typ": "JWT"}, separators=COMPACT).encode())
        # The SDKs read these from a raw key to find the service.
        self._hosts = {"c": f"cache.{endpoint}", "cp": f"control.{endpoint}"}
        # Made once rather than per key: what json.dumps(claims, separators=COMPACT) writes, without the
        # set-up of a new encoder each time (claims are built here, so never circular).
        self._json = json.JSONEncoder(separators=COMPACT, check_circular=False)
        # The HMAC keyed once; each signature continues a copy of it (the same bytes as hmac.digest).
        self._mac = hmac.new(secret, digestmod=hashlib.sha256)
        # Key string -> claims, least recently used first. Only a string identical to one signed
        # here, or already verified here, can hit: a forged or edited key is always verified.
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, credential: Credential) -> str:
        """The key string of ``credential``: a JWT whose ``c`` / ``cp`` claims name the cache and control hosts.

        The SDKs accept it as it is (their legacy auth-token form) or inside the base64 form (:func:`wrap`).
        """
        return self._signed(self._claims(credential, self._hosts))

    def encode_global(self, credential: Credential) -> str:
        """The v2 ("global") form of the key :meth:`encode` made for ``credential``.

        The SDKs tell it by the claim ``"t": "g"`` and take the endpoint from ``MOMENTO_ENDPOINT``, so it names
        no host. It is bound to that one key string by the key's signature (claim ``GLOBAL_OF``): a key id
        reused after a seeded reset finds nothing, exactly as for the key itself.
        """
        return self._signed(self._claims(credential, {GLOBAL_TYPE_CLAIM: GLOBAL_TYPE, GLOBAL_OF: credential.signature}))

    @staticmethod
    def _claims(credential: Credential, form: dict[str, str]) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "jti": credential.key_id,
            "knd": str(credential.kind),  # a StrEnum: its value, without an enum property read
            "iat": int(credential.issued_at),
            "perms": to_json(credential.permissions),
            **form,  # here, so that keys stay byte for byte what earlier versions issued for a seed
        }
        if credential.valid_until is not None:
            claims["exp"] = credential.valid_until
        if credential.token_id:
            claims["tid"] = credential.token_id
        return claims

    def _signed(self, claims: dict[str, Any]) -> str:
        signing_input = self._header + b"." + _segment(self._json.encode(claims).encode())
        mac = self._mac.copy()
        mac.update(signing_input)
        signature = _segment(mac.digest())
        key = (signing_input + b"." + signature).decode("ascii")
        self._remember(key, claims)
        return key

    def decode(self, key: str) -> dict[str, Any]:
        """Verify the signature and return the claims, or raise ``Unauthenticated``."""
        with self._lock:
            known = self._verified.get(key)
            if known is not None:
                self._verified.move_to_end(key)
                return dict(known)
        import jwt  # imported on first use: it is a sizeable share of the CLI's start-up

        try:
            claims: dict[str, Any] = jwt.decode(key, self.secret, algorithms=[ALGORITHM], options=_DECODE_OPTIONS)
        except jwt.InvalidTokenError:
            raise Unauthenticated(
                "the credential is not a key this emulator issued (bad signature or format)"
            ) from None
        if not isinstance(claims.get("jti"), str):
            raise Unauthenticated("the credential has no key id")
        self._remember(key, claims)
        return dict(claims)

    def _remember(self, key: str, claims: dict[str, Any]) -> None:
        with self._lock:
            self._verified[key] = claims
            if len(self._verified) > VERIFIED_KEYS_CACHED:
                self._verified.popitem(last=False)


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _segment(data: bytes) -> bytes:
    """base64url without padding, as JWS segments are written (what ``base64.urlsafe_b64encode`` does, in one step)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


def wrap(api_key: str, endpoint: str) -> str:
    """The base64 JSON form users hold (``MOMENTO_API_KEY``), as the SDKs build it."""
    document = json.dumps({"endpoint": endpoint, "api_key": api_key})
    return base64.b64encode(document.encode()).decode("ascii")


def bound_signature(raw: str, claims: dict[str, Any]) -> str:
    """The signature of the key string that ``raw`` (verified, with ``claims``) stands for.

    A key stands for itself; its v2 form stands for the key whose signature it carries.
    """
    if claims.get(GLOBAL_TYPE_CLAIM) == GLOBAL_TYPE:
        bound = claims.get(GLOBAL_OF)
        return bound if isinstance(bound, str) else ""
    return raw.rpartition(".")[2]


def unwrap(key: str) -> str:
    """Accept a key raw or in its base64 JSON form and return the raw key."""
    key = key.strip()
    if key.startswith("ey") and key.count(".") == 2:
        return key  # a JWT, already raw
    try:
        document = json.loads(base64.b64decode(key, validate=True))
    except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
        return key
    if isinstance(document, dict) and isinstance(document.get("api_key"), str):
        return str(document["api_key"])
    return key


def fingerprint(secret_value: str) -> str:
    """A short, non-reversible label for logs (never the secret itself)."""
    return hashlib.sha256(secret_value.encode()).hexdigest()[:12]
