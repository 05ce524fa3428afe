"""The key codec's cache of verified keys changes nothing: only genuine keys verify."""

from __future__ import annotations

import base64
import json

import pytest

from emulator.core.credentials import Credential, Kind
from emulator.core.errors import Unauthenticated
from emulator.core.keys import VERIFIED_KEYS_CACHED, KeyCodec
from emulator.core.permissions import SUPER_USER, Grant, Permissions, Role

SECRET = bytes(range(32))
READ_WRITE = Permissions(grants=(Grant(Role.CACHE_READ_WRITE),))


def credential(
    key_id: str = "0123456789abcdef", token_id: str = "", valid_until: int | None = 1893459600
) -> Credential:
    return Credential(key_id, Kind.API_KEY, READ_WRITE, 1893456000.0, valid_until, 3600, token_id)


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
