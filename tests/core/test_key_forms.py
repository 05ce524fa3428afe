"""Every form the SDKs accept names the same credential: base64 (v1), the raw legacy JWT, and the v2 global key."""

from __future__ import annotations

import jwt
import pytest

from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import Unauthenticated
from emulator.core.keys import unwrap
from emulator.core.permissions import Grant, Permissions, Role
from emulator.core.state import State
from tests.builders import START

READ_WRITE = Permissions(grants=(Grant(Role.CACHE_READ_WRITE),))


@pytest.fixture
def state() -> State:
    return State(Settings(start_time=START, endpoint="momento.test")).bootstrap()


def claims(key: str) -> dict[str, object]:
    return jwt.decode(key, options={"verify_signature": False})  # type: ignore[no-any-return]


def test_the_legacy_form_names_the_hosts_and_the_v2_form_only_its_type(state: State) -> None:
    legacy, v2 = state.super_user_key, state.global_form(state.super_user_key)
    assert claims(legacy)["c"] == "cache.momento.test"
    assert claims(legacy)["cp"] == "control.momento.test"
    assert "t" not in claims(legacy)  # the SDKs refuse a v2 key where they expect a legacy one
    assert claims(v2)["t"] == "g"
    assert "c" not in claims(v2) and "cp" not in claims(v2)


def test_all_three_forms_authenticate_as_one_credential(state: State) -> None:
    key = state.generate_api_key(state.session_token, READ_WRITE, 3600).api_key
    now = state.clock.now()
    found = {state.authenticate(form, now).key_id for form in (key, state.wrap(key), state.global_form(key))}
    assert len(found) == 1


def test_the_v2_form_of_any_form_is_the_same_key(state: State) -> None:
    key = state.super_user_key
    assert state.global_form(key) == state.global_form(state.wrap(key)) == state.global_form(state.global_form(key))


def test_revoking_one_form_refuses_the_others(state: State) -> None:
    key = state.generate_api_key(state.session_token, READ_WRITE, 3600).api_key
    v2 = state.global_form(key)
    state.revoke(v2)
    with pytest.raises(Unauthenticated, match="revoked"):
        state.authenticate(key, state.clock.now())
    with pytest.raises(Unauthenticated, match="revoked"):
        state.authenticate(v2, state.clock.now())


def test_the_v2_form_expires_with_its_key(state: State) -> None:
    v2 = state.global_form(state.generate_api_key(state.session_token, READ_WRITE, 60).api_key)
    state.clock.advance(60)
    with pytest.raises(Unauthenticated, match="expired"):
        state.authenticate(v2, state.clock.now())


def test_a_v2_form_from_before_a_seeded_reset_finds_nothing() -> None:
    emulator = Emulator(Settings(start_time=START, seed="s", endpoint="momento.test"))
    old = emulator.state.global_form(
        emulator.state.generate_api_key(emulator.state.session_token, READ_WRITE, 60).api_key
    )
    state = emulator.reset()
    state.clock.advance(1)  # the same key id comes back, issued at another instant
    fresh = state.generate_api_key(state.session_token, READ_WRITE, 60).api_key
    assert claims(old)["jti"] == claims(fresh)["jti"]
    with pytest.raises(Unauthenticated, match="unknown"):
        state.authenticate(old, state.clock.now())


def test_an_edited_v2_form_is_refused(state: State) -> None:
    header, body, signature = state.global_form(state.super_user_key).split(".")
    tampered = jwt.utils.base64url_encode(jwt.utils.base64url_decode(body).replace(b'"g"', b'"G"')).decode()
    with pytest.raises(Unauthenticated, match="bad signature"):
        state.authenticate(f"{header}.{tampered}.{signature}", state.clock.now())


def test_a_user_supplied_super_user_key_has_a_v2_form_too() -> None:
    state = State(Settings(start_time=START, super_user_key="my-fixed-key")).bootstrap()
    v2 = state.global_form("my-fixed-key")
    assert state.authenticate(v2, state.clock.now()).key_id == state.authenticate("my-fixed-key", 0).key_id


def test_the_v2_form_survives_export_and_import() -> None:
    emulator = Emulator(Settings(start_time=START, endpoint="momento.test"))
    v2 = emulator.state.global_form(emulator.state.super_user_key)
    state = emulator.load(emulator.export())
    assert state.authenticate(v2, state.clock.now()).key_id == state.find(unwrap(state.super_user_key)).key_id


def test_the_data_plane_admits_every_form(state: State) -> None:
    from emulator.core.access import admit

    key = state.generate_api_key(state.session_token, READ_WRITE, 3600).api_key
    now = state.clock.now()
    for form in (key, state.wrap(key), state.global_form(key)):
        assert admit(state, form, "get", "orders", now, keys=(b"k",)).key_id == claims(key)["jti"]
