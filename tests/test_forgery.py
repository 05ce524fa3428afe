"""Forged credentials: every one is UNAUTHENTICATED, on every RPC and in every credential field.

Each test first shows the genuine credential succeeding in the same request, so a refusal of
the forgery can only come from the forgery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from momento_wire_types import auth_pb2, token_pb2

from emulator import Settings, ThreadedEmulatorServer, local_control
from emulator.core.keys import wrap
from tests.builders import START, api_key_request, disposable_request, refresh_request
from tests.hostile import GENERATE_API_TOKEN, GENERATE_DISPOSABLE_TOKEN, REFRESH_API_TOKEN, raw_call

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
BLANKS = ["", " ", "   ", "\t", "\n", "\r\n", " \t\n ", "\u00a0", "\u2003"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(key: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = key.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(payload)), signature


def jwt_encode(header: dict[str, Any], payload: dict[str, Any], signature: str) -> str:
    return ".".join((b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), signature))


def hmac_sign(header: dict[str, Any], payload: dict[str, Any], secret: bytes, digest: Any = hashlib.sha256) -> str:
    unsigned = jwt_encode(header, payload, "").rstrip(".")
    return f"{unsigned}.{b64url(hmac.new(secret, unsigned.encode(), digest).digest())}"


def one_char_changes(key: str) -> Iterator[str]:
    """Every position of ``key`` replaced by two other characters: its alphabet neighbour and a far one."""
    for index, char in enumerate(key):
        position = B64URL.find(char)
        replacements = {B64URL[(position + 1) % 64], B64URL[(position + 32) % 64]} if position >= 0 else {"A", "e"}
        for replacement in sorted(replacements - {char}):
            yield key[:index] + replacement + key[index + 1 :]


class Credentials:
    """Genuine credentials of one emulator, and the calls that present a credential."""

    def __init__(self, server: ThreadedEmulatorServer, channel: grpc.Channel) -> None:
        self.channel = channel
        self.control = local_control(server.emulator)
        bootstrap = self.control.bootstrap()
        self.session = bootstrap.raw_session_token
        self.super_user = bootstrap.raw_api_key
        self.endpoint = bootstrap.endpoint
        self.secret = base64.b64decode(self.control.export_state()["secret"])
        response = self.call(GENERATE_API_TOKEN, api_key_request(self.session), auth_pb2._GenerateApiTokenResponse)
        self.api_key, self.refresh_token = response.api_key, response.refresh_token
        self.disposable = self.call(
            GENERATE_DISPOSABLE_TOKEN, disposable_request(self.session), token_pb2._GenerateDisposableTokenResponse
        ).api_key

    def call(self, path: str, request: Any, response_type: Any) -> Any:
        call = self.channel.unary_unary(path, response_deserializer=response_type.FromString)
        return call(request.SerializeToString(), timeout=10)

    def slots(self) -> dict[str, Callable[[str], bytes]]:
        """Each credential field of each RPC, as 'put this credential there' -> request body."""
        return {
            "GenerateApiToken.auth_token": lambda key: api_key_request(key).SerializeToString(),
            "GenerateDisposableToken.auth_token": lambda key: disposable_request(key).SerializeToString(),
            "RefreshApiToken.api_key": lambda key: refresh_request(key, self.refresh_token).SerializeToString(),
        }

    def refused(self, slot: str, forgeries: dict[str, str]) -> list[str]:
        """The forgeries that were NOT refused with UNAUTHENTICATED (should be none)."""
        path = {"GenerateApiToken": GENERATE_API_TOKEN, "GenerateDisposableToken": GENERATE_DISPOSABLE_TOKEN}.get(
            slot.split(".")[0], REFRESH_API_TOKEN
        )
        build = self.slots()[slot]
        escaped = []
        for label, key in forgeries.items():
            code, details = raw_call(self.channel, path, build(key))
            if code != grpc.StatusCode.UNAUTHENTICATED:
                escaped.append(f"{label}: {code.name} {details}")
        return escaped


@pytest.fixture(scope="module")
def forge_server() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START, seed="forgery")) as running:
        yield running


@pytest.fixture
def creds(forge_server: ThreadedEmulatorServer) -> Iterator[Credentials]:
    local_control(forge_server.emulator).reset()
    with grpc.insecure_channel(forge_server.target) as channel:
        yield Credentials(forge_server, channel)


def genuine_succeeds(creds: Credentials, slot: str) -> None:
    """The genuine credential in this slot works (refresh: checked without spending the token)."""
    if slot == "RefreshApiToken.api_key":
        return  # checked at the end of each test, after every forgery was refused
    key = creds.session if slot.startswith("GenerateApiToken") else creds.super_user
    code, details = raw_call(creds.channel, _path(slot), creds.slots()[slot](key))
    assert code == grpc.StatusCode.OK, details


def _path(slot: str) -> str:
    return {
        "GenerateApiToken": GENERATE_API_TOKEN,
        "GenerateDisposableToken": GENERATE_DISPOSABLE_TOKEN,
        "RefreshApiToken": REFRESH_API_TOKEN,
    }[slot.split(".")[0]]


def refresh_still_works(creds: Credentials) -> None:
    body = refresh_request(creds.api_key, creds.refresh_token).SerializeToString()
    code, details = raw_call(creds.channel, REFRESH_API_TOKEN, body)
    assert code == grpc.StatusCode.OK, f"the genuine refresh failed after the forgeries: {details}"


SLOTS = ["GenerateApiToken.auth_token", "GenerateDisposableToken.auth_token", "RefreshApiToken.api_key"]


@pytest.mark.parametrize("slot", SLOTS)
def test_a_key_with_any_one_character_changed_is_unauthenticated(creds: Credentials, slot: str) -> None:
    """Every position of a real key, changed to two other characters, raw and in base64 JSON form."""
    genuine = creds.api_key if slot.startswith("Refresh") else creds.session
    if not slot.startswith("Refresh"):
        genuine_succeeds(creds, slot)
    forgeries = {f"raw change #{i}": key for i, key in enumerate(one_char_changes(genuine))}
    forgeries |= {f"wrapped change #{i}": wrap(key, creds.endpoint) for i, key in enumerate(one_char_changes(genuine))}
    assert len(forgeries) >= 2 * len(genuine)
    assert creds.refused(slot, forgeries) == []
    refresh_still_works(creds)


def test_changes_to_the_base64_form_never_change_the_key_presented(creds: Credentials) -> None:
    """A one-character change anywhere in a base64 JSON key is refused unless it still decodes to
    the genuine inner key (e.g. an edited endpoint, or unused padding bits): no altered credential passes."""
    wrapped = wrap(creds.session, creds.endpoint)
    alphabet = B64URL[:62] + "+/="
    mutants: dict[str, str] = {}
    for index, char in enumerate(wrapped):
        position = alphabet.find(char)
        # A dense sample: the neighbouring character (low bits), a far one (high bits), and a symbol.
        for replacement in {alphabet[(position + 1) % 65], alphabet[(position + 32) % 65], "+/="[index % 3]} - {char}:
            mutant = wrapped[:index] + replacement + wrapped[index + 1 :]
            try:
                inner = json.loads(base64.b64decode(mutant, validate=True)).get("api_key")
            except (ValueError, AttributeError):
                inner = None
            if inner != creds.session:
                mutants[f"position {index} -> {replacement!r}"] = mutant
    assert len(mutants) > 2 * len(wrapped)
    assert creds.refused("GenerateApiToken.auth_token", mutants) == []


@pytest.mark.parametrize("slot", SLOTS)
def test_keys_signed_by_another_emulator_are_unauthenticated(creds: Credentials, slot: str) -> None:
    """Credentials of an emulator with a different seed, or none, are refused, raw and wrapped."""
    forgeries: dict[str, str] = {}
    for seed in ("another seed", None):
        with (
            ThreadedEmulatorServer(Settings(start_time=START, seed=seed)) as other,
            grpc.insecure_channel(other.target) as channel,
        ):
            theirs = Credentials(other, channel)
            for name in ("session", "super_user", "api_key", "disposable"):
                forgeries[f"{seed}:{name}"] = getattr(theirs, name)
                forgeries[f"{seed}:{name} wrapped"] = wrap(getattr(theirs, name), theirs.endpoint)
    assert creds.refused(slot, forgeries) == []
    refresh_still_works(creds)


def algorithm_forgeries(key: str, secret: bytes) -> dict[str, str]:
    header, payload, signature = jwt_parts(key)
    forged: dict[str, str] = {}
    for alg in ("none", "None", "NONE", "HS512", "HS384", "RS256", "ES256", "PS256", "EdDSA", ""):
        changed = {**header, "alg": alg}
        forged[f"alg={alg!r}, original signature"] = jwt_encode(changed, payload, signature)
        forged[f"alg={alg!r}, no signature"] = jwt_encode(changed, payload, "")
    forged["no alg header"] = jwt_encode({"typ": "JWT"}, payload, signature)
    # Even the emulator's own secret does not make another algorithm acceptable.
    forged["HS512 with the real secret"] = hmac_sign({**header, "alg": "HS512"}, payload, secret, hashlib.sha512)
    forged["HS384 with the real secret"] = hmac_sign({**header, "alg": "HS384"}, payload, secret, hashlib.sha384)
    forged["two segments"] = key.rsplit(".", 1)[0]
    forged["four segments"] = key + ".x"
    forged["unencoded payload (b64=false)"] = jwt_encode({**header, "b64": False, "crit": ["b64"]}, payload, signature)
    return forged


def claim_forgeries(key: str, other_key_id: str) -> dict[str, str]:
    """Claims edited and re-encoded without the secret: original signature, or guessed secrets."""
    header, payload, signature = jwt_parts(key)
    edits = {
        "expiry pushed out": {**payload, "exp": payload.get("exp", START) + 10 * 365 * 86400},
        "expiry removed": {k: v for k, v in payload.items() if k != "exp"},
        "super-user permissions": {**payload, "perms": "super_user"},
        "wider permissions": {**payload, "perms": [{"role": "cache-read-write", "cache": None, "target": None}]},
        "kind -> session token": {**payload, "knd": "session_token"},
        "kind -> api key": {**payload, "knd": "api_key"},
        "another key id": {**payload, "jti": other_key_id},
        "issued later": {**payload, "iat": payload["iat"] + 1},
    }
    forged: dict[str, str] = {}
    for label, claims in edits.items():
        forged[f"{label}, original signature"] = jwt_encode(header, claims, signature)
        for guess in (b"", b"secret", b"momento", b"forgery"):
            forged[f"{label}, signed with {guess!r}"] = hmac_sign(header, claims, guess)
    return forged


@pytest.mark.parametrize("slot", SLOTS)
def test_algorithm_and_claim_edits_are_unauthenticated(creds: Credentials, slot: str) -> None:
    """alg none/HS512/RS256/..., and edited expiry, permissions, kind or key id: refused, raw and wrapped."""
    genuine_succeeds(creds, slot)
    forgeries: dict[str, str] = {}
    for name in ("session", "super_user", "api_key", "disposable"):
        key = getattr(creds, name)
        other = jwt_parts(creds.session)[1]["jti"] if name != "session" else jwt_parts(creds.api_key)[1]["jti"]
        for label, forged in (algorithm_forgeries(key, creds.secret) | claim_forgeries(key, other)).items():
            forgeries[f"{name}: {label}"] = forged
            forgeries[f"{name}: {label} (wrapped)"] = wrap(forged, creds.endpoint)
    assert len(forgeries) > 400
    assert creds.refused(slot, forgeries) == []
    refresh_still_works(creds)


@pytest.mark.parametrize("slot", SLOTS)
def test_empty_and_whitespace_credentials_are_unauthenticated(creds: Credentials, slot: str) -> None:
    """No credential, or only whitespace (ASCII or Unicode), raw or wrapped."""
    forgeries = {repr(blank): blank for blank in BLANKS}
    forgeries |= {f"{blank!r} wrapped": wrap(blank, creds.endpoint) for blank in BLANKS}
    assert creds.refused(slot, forgeries) == []
    refresh_still_works(creds)


def test_refresh_token_forgeries_are_unauthenticated(creds: Credentials) -> None:
    """The genuine key with a changed, foreign, blank, or disposable-token refresh token; and a
    disposable or session token presented as the key to refresh."""
    other = creds.call(
        GENERATE_API_TOKEN, api_key_request(creds.session), auth_pb2._GenerateApiTokenResponse
    ).refresh_token
    tokens = {f"change #{i}": token for i, token in enumerate(one_char_changes(creds.refresh_token))}
    tokens |= {repr(blank): blank for blank in BLANKS}
    tokens |= {
        "another key's refresh token": other,
        "a disposable token": creds.disposable,
        "the api key itself": creds.api_key,
        "the session token": creds.session,
        "padded": f" {creds.refresh_token} ",
        "upper-cased": creds.refresh_token.upper(),
        "prefix": creds.refresh_token[:-1],
        "extended": creds.refresh_token + "0",
        "non-ASCII": "\u00e9" * len(creds.refresh_token),
    }
    escaped = []
    for label, token in tokens.items():
        body = refresh_request(creds.api_key, token).SerializeToString()
        code, details = raw_call(creds.channel, REFRESH_API_TOKEN, body)
        if code != grpc.StatusCode.UNAUTHENTICATED:
            escaped.append(f"{label}: {code.name} {details}")
    for label, key in {"disposable token": creds.disposable, "session token": creds.session}.items():
        for token in (creds.refresh_token, creds.disposable):
            body = refresh_request(key, token).SerializeToString()
            code, details = raw_call(creds.channel, REFRESH_API_TOKEN, body)
            if code != grpc.StatusCode.UNAUTHENTICATED:
                escaped.append(f"{label} as api_key: {code.name} {details}")
    assert escaped == []
    refresh_still_works(creds)


def test_revoked_and_expired_keys_are_unauthenticated(creds: Credentials) -> None:
    """A revoked key, and a key past its expiry on the emulator clock, in every credential field."""
    creds.control.revoke_key(creds.super_user)
    assert creds.refused("GenerateDisposableToken.auth_token", {"revoked": creds.super_user}) == []
    creds.control.advance(3600)  # the api key was minted for 3600 s: expired from this instant on
    assert creds.refused("RefreshApiToken.api_key", {"expired": creds.api_key}) == []
