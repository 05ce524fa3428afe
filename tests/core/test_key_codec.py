"""The key codec signs exactly what PyJWT would, and its cache of verified keys changes nothing."""

from __future__ import annotations

import base64
import hashlib
import json

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.core.credentials import Credential, Kind
from emulator.core.errors import Unauthenticated
from emulator.core.keys import VERIFIED_KEYS_CACHED, KeyCodec, fingerprint
from emulator.core.permissions import SUPER_USER, Grant, Permissions, Role, Selector, to_json
from tests.builders import START

SECRET = bytes(range(32))
READ_WRITE = Permissions(grants=(Grant(Role.CACHE_READ_WRITE),))


def credential(
    key_id: str = "0123456789abcdef", token_id: str = "", valid_until: int | None = 1893459600
) -> Credential:
    return Credential(key_id, Kind.API_KEY, READ_WRITE, START, valid_until, 3600, token_id)


def test_an_edited_key_is_refused_even_after_the_genuine_one_was_verified() -> None:
    codec = KeyCodec(SECRET, "emulator.test")
    key = codec.encode(credential())
    assert codec.decode(key)["jti"] == "0123456789abcdef"
    header, payload, signature = key.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["perms"] = "super_user"
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated):
        codec.decode(f"{header}.{edited}.{signature}")


def test_a_key_from_another_secret_is_refused_even_when_identical_claims_were_verified() -> None:
    codec = KeyCodec(SECRET, "emulator.test")
    codec.decode(codec.encode(credential()))
    with pytest.raises(Unauthenticated):
        codec.decode(KeyCodec(b"another secret" * 3, "emulator.test").encode(credential()))


def test_decoded_claims_are_a_copy_the_caller_may_change() -> None:
    codec = KeyCodec(SECRET, "emulator.test")
    key = codec.encode(credential())
    codec.decode(key)["jti"] = "changed"
    assert codec.decode(key)["jti"] == "0123456789abcdef"


def test_keys_beyond_the_cache_still_verify_by_signature() -> None:
    codec = KeyCodec(SECRET, "emulator.test")
    first = codec.encode(Credential("first", Kind.SESSION, SUPER_USER, 0.0, None))
    for index in range(VERIFIED_KEYS_CACHED + 1):
        codec.encode(credential(key_id=f"k{index}"))
    assert codec.decode(first)["jti"] == "first"


names = st.text(min_size=1, max_size=20)  # any Unicode: JSON escapes it as PyJWT's encoder does
caches = st.one_of(st.just(Selector()), st.builds(Selector, names))
targets = st.one_of(
    st.just(Selector()),
    st.builds(Selector, st.one_of(names, st.binary(min_size=1, max_size=20)), st.booleans()),
)
permissions = st.one_of(
    st.just(SUPER_USER),
    st.builds(
        Permissions,
        grants=st.lists(st.builds(Grant, st.sampled_from(Role), caches, targets), min_size=1, max_size=3).map(tuple),
    ),
)


@given(
    kind=st.sampled_from(Kind),
    granted=permissions,
    issued_at=st.floats(min_value=0, max_value=4e9),
    valid_until=st.one_of(st.none(), st.integers(min_value=0, max_value=2**40)),
    token_id=st.one_of(st.just(""), names),
    endpoint=st.sampled_from(["127.0.0.1:1234", "[::1]:50051", "emulator.test"]),
)
def test_keys_are_byte_for_byte_what_pyjwt_signs_and_pyjwt_verifies_them(
    kind: Kind, granted: Permissions, issued_at: float, valid_until: int | None, token_id: str, endpoint: str
) -> None:
    codec = KeyCodec(SECRET, endpoint)
    issued = Credential("0123456789abcdef", kind, granted, issued_at, valid_until, None, token_id)
    key = codec.encode(issued)
    claims = {
        "jti": issued.key_id, "knd": kind.value, "iat": int(issued_at), "perms": to_json(granted),
        "c": f"cache.{endpoint}", "cp": f"control.{endpoint}",
    }  # fmt: skip
    if valid_until is not None:
        claims["exp"] = valid_until
    if token_id:
        claims["tid"] = token_id
    assert key == jwt.encode(claims, SECRET, algorithm="HS256")
    assert jwt.decode(key, SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}) == claims


def test_a_signed_key_whose_key_id_is_not_a_string_is_refused() -> None:
    """PyJWT refuses it already (a ``jti`` must be a string); the codec's own check stays as a second guard."""
    key = jwt.encode({"jti": 7, "knd": "api_key"}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated, match="^the credential is not a key this emulator issued"):
        KeyCodec(SECRET, "emulator.test").decode(key)


def test_a_fingerprint_is_the_first_12_hex_digits_of_the_sha256() -> None:
    assert fingerprint("secret") == hashlib.sha256(b"secret").hexdigest()[:12]
