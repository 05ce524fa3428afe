"""The Auth rules on the core state: who may mint what, expiry, refresh, revocation, pruning."""

from __future__ import annotations

import jwt
import pytest

from emulator.core.config import Settings
from emulator.core.credentials import Kind
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from emulator.core.keys import unwrap, wrap
from emulator.core.permissions import ALL, SUPER_USER, Grant, Permissions, Role, Selector
from emulator.core.state import State
from tests.builders import START

READ_WRITE = Permissions(grants=(Grant(Role.CACHE_READ_WRITE),))
KEY_SCOPED = Permissions(grants=(Grant(Role.CACHE_READ_ONLY, Selector("c"), Selector(b"k")),))


@pytest.fixture
def state() -> State:
    return State(Settings(start_time=START, endpoint="emulator.test")).bootstrap()


def explicit_key(state: State, valid_for: int | None = 3600) -> str:
    return state.generate_api_key(state.session_token, READ_WRITE, valid_for).api_key


def disposable(state: State) -> str:
    return state.generate_disposable_token(state.super_user_key, KEY_SCOPED, 60).api_key


# --- the caller table ---------------------------------------------------------------------


def test_session_token_mints_super_user_and_explicit_keys_and_disposable_tokens(state: State) -> None:
    assert state.generate_api_key(state.session_token, SUPER_USER, None).api_key
    assert state.generate_api_key(state.session_token, READ_WRITE, 60).api_key
    assert state.generate_disposable_token(state.session_token, KEY_SCOPED, 60).api_key


def test_super_user_key_cannot_mint_super_user_keys(state: State) -> None:
    with pytest.raises(PermissionDenied, match="^Insufficient permissions"):
        state.generate_api_key(state.super_user_key, SUPER_USER, 60)


def test_super_user_key_mints_explicit_keys_and_disposable_tokens(state: State) -> None:
    assert state.find(state.generate_api_key(state.super_user_key, READ_WRITE, 60).api_key).kind is Kind.API_KEY
    assert (
        state.find(state.generate_disposable_token(state.super_user_key, KEY_SCOPED, 60).api_key).kind
        is Kind.DISPOSABLE
    )


@pytest.mark.parametrize("make_caller", [explicit_key, disposable])
@pytest.mark.parametrize("target", ["super_user_key", "explicit_key", "disposable"])
def test_explicit_keys_and_disposable_tokens_mint_nothing(state: State, make_caller: object, target: str) -> None:
    caller = make_caller(state)  # type: ignore[operator]
    with pytest.raises(PermissionDenied, match="Insufficient permissions"):
        if target == "super_user_key":
            state.generate_api_key(caller, SUPER_USER, 60)
        elif target == "explicit_key":
            state.generate_api_key(caller, READ_WRITE, 60)
        else:
            state.generate_disposable_token(caller, KEY_SCOPED, 60)


@pytest.mark.parametrize("bad", ["", "   ", "not-a-key", "eyJ.eyJ.sig"])
def test_missing_or_malformed_callers_are_unauthenticated(state: State, bad: str) -> None:
    with pytest.raises(Unauthenticated, match="auth_token"):
        state.generate_api_key(bad, READ_WRITE, 60)
    with pytest.raises(Unauthenticated):
        state.generate_disposable_token(bad, KEY_SCOPED, 60)


def test_a_key_from_another_emulator_is_unauthenticated(state: State) -> None:
    other = State(Settings(start_time=START, seed="other")).bootstrap()
    with pytest.raises(Unauthenticated, match="not a key this emulator issued"):
        state.generate_api_key(other.session_token, READ_WRITE, 60)


def test_the_base64_form_is_accepted_as_a_credential(state: State) -> None:
    wrapped = wrap(state.session_token, "emulator.test")
    assert state.generate_api_key(wrapped, READ_WRITE, 60).api_key


def test_validation_rules_apply_to_api_keys(state: State) -> None:
    with pytest.raises(InvalidArgument, match="item selectors are allowed only in disposable tokens"):
        state.generate_api_key(state.session_token, KEY_SCOPED, 60)
    with pytest.raises(InvalidArgument, match="expires.valid_for_seconds: must be greater than 0"):
        state.generate_api_key(state.session_token, READ_WRITE, 0)
    with pytest.raises(InvalidArgument, match="token_id: 65 characters; at most 64"):
        state.generate_api_key(state.session_token, READ_WRITE, 60, token_id="t" * 65)


def test_disposable_lifetime_is_bounded_by_the_maximum(state: State) -> None:
    assert state.generate_disposable_token(state.session_token, KEY_SCOPED, 3600).valid_until == START + 3600
    with pytest.raises(InvalidArgument, match="3601 exceeds the maximum disposable lifetime of 3600"):
        state.generate_disposable_token(state.session_token, KEY_SCOPED, 3601)
    with pytest.raises(InvalidArgument, match="must be greater than 0"):
        state.generate_disposable_token(state.session_token, KEY_SCOPED, 0)


def test_the_maximum_disposable_lifetime_is_configurable() -> None:
    state = State(Settings(start_time=START, max_disposable_ttl=60)).bootstrap()
    with pytest.raises(InvalidArgument, match="maximum disposable lifetime of 60"):
        state.generate_disposable_token(state.session_token, KEY_SCOPED, 61)


def test_disposable_tokens_keep_token_id_and_permissions(state: State) -> None:
    issued = state.generate_disposable_token(state.session_token, KEY_SCOPED, 60, token_id="publisher-7")
    credential = state.find(issued.api_key)
    assert credential.kind is Kind.DISPOSABLE
    assert credential.token_id == "publisher-7"
    assert credential.permissions == KEY_SCOPED
    assert issued.refresh_token == ""


# --- expiry -------------------------------------------------------------------------------


def test_valid_until_is_now_plus_the_lifetime_and_never_is_none(state: State) -> None:
    state.clock.advance(5)
    assert state.generate_api_key(state.session_token, READ_WRITE, 10).valid_until == START + 15
    never = state.generate_api_key(state.session_token, READ_WRITE, None)
    assert never.valid_until is None
    assert never.refresh_token == ""


def test_a_key_is_expired_from_the_instant_of_valid_until(state: State) -> None:
    key = explicit_key(state, valid_for=10)
    state.clock.advance(9)
    assert state.authenticate(key, state.clock.now()).key_id
    state.clock.advance(1)
    with pytest.raises(Unauthenticated, match="expired"):
        state.authenticate(key, state.clock.now())


def test_an_expired_caller_cannot_mint(state: State) -> None:
    caller = state.generate_api_key(state.session_token, SUPER_USER, 10).api_key
    state.clock.advance(10)
    with pytest.raises(Unauthenticated, match="expired"):
        state.generate_disposable_token(caller, KEY_SCOPED, 60)


# --- refresh ------------------------------------------------------------------------------


def test_refresh_gives_a_new_key_with_the_same_duration_counted_from_now(state: State) -> None:
    first = state.generate_api_key(state.session_token, READ_WRITE, 100, token_id="t", description="d")
    state.clock.advance(2)
    second = state.refresh_api_key(first.api_key, first.refresh_token)
    assert second.api_key != first.api_key
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.valid_until == START + 102
    renewed = state.find(second.api_key)
    assert (renewed.kind, renewed.permissions, renewed.token_id, renewed.description) == (
        Kind.API_KEY,
        READ_WRITE,
        "t",
        "d",
    )


def test_the_old_key_stays_valid_until_its_own_expiry(state: State) -> None:
    first = state.generate_api_key(state.session_token, READ_WRITE, 100)
    state.refresh_api_key(first.api_key, first.refresh_token)
    assert state.authenticate(first.api_key, state.clock.now())
    state.clock.advance(100)
    with pytest.raises(Unauthenticated, match="expired"):
        state.authenticate(first.api_key, state.clock.now())


def test_a_refresh_token_works_once(state: State) -> None:
    first = state.generate_api_key(state.session_token, READ_WRITE, 100)
    state.refresh_api_key(first.api_key, first.refresh_token)
    with pytest.raises(Unauthenticated, match="refresh_token"):
        state.refresh_api_key(first.api_key, first.refresh_token)


def test_a_refresh_token_of_another_key_is_refused(state: State) -> None:
    one = state.generate_api_key(state.session_token, READ_WRITE, 100)
    two = state.generate_api_key(state.session_token, READ_WRITE, 100)
    with pytest.raises(Unauthenticated, match="refresh_token"):
        state.refresh_api_key(one.api_key, two.refresh_token)
    assert state.refresh_api_key(two.api_key, two.refresh_token).api_key


def test_an_expired_key_cannot_be_refreshed(state: State) -> None:
    first = state.generate_api_key(state.session_token, READ_WRITE, 100)
    state.clock.advance(100)
    with pytest.raises(Unauthenticated, match="expired"):
        state.refresh_api_key(first.api_key, first.refresh_token)


@pytest.mark.parametrize("kind", ["session", "disposable"])
def test_session_and_disposable_tokens_cannot_be_refreshed(state: State, kind: str) -> None:
    key = state.session_token if kind == "session" else disposable(state)
    with pytest.raises(Unauthenticated, match="cannot be refreshed"):
        state.refresh_api_key(key, "anything")


# --- revocation, inspection, pruning --------------------------------------------------------


def test_a_revoked_key_is_refused_and_cannot_be_refreshed(state: State) -> None:
    first = state.generate_api_key(state.session_token, SUPER_USER, 100)
    assert state.revoke(first.api_key).status(state.clock.now()) == "revoked"
    with pytest.raises(Unauthenticated, match="revoked"):
        state.generate_disposable_token(first.api_key, KEY_SCOPED, 60)
    with pytest.raises(Unauthenticated, match="revoked"):
        state.refresh_api_key(first.api_key, first.refresh_token)


def test_find_accepts_key_ids_raw_keys_and_the_base64_form(state: State) -> None:
    credential = state.find(state.super_user_key)
    assert state.find(credential.key_id) is credential
    assert state.find(wrap(state.super_user_key, "x")) is credential


def test_find_of_an_unknown_key_is_not_found(state: State) -> None:
    with pytest.raises(NotFound, match="key:"):
        state.find("nope")


def test_expired_keys_stay_listable_then_are_pruned_after_the_retention(state: State) -> None:
    key = explicit_key(state, valid_for=10)
    key_id = state.find(key).key_id
    state.clock.advance(10)
    assert state.find(key_id).status(state.clock.now()) == "expired"
    state.clock.advance(state.settings.expired_retention)
    explicit_key(state)  # any write prunes
    assert key_id not in {c.key_id for c in state.credentials()}
    with pytest.raises(Unauthenticated, match="expired"):
        state.authenticate(key, state.clock.now())


def test_keys_are_signed_self_describing_jwts(state: State) -> None:
    issued = state.generate_disposable_token(state.session_token, KEY_SCOPED, 60, token_id="tid")
    claims = jwt.decode(issued.api_key, options={"verify_signature": False})
    assert claims["knd"] == "disposable_token"
    assert claims["exp"] == START + 60
    assert claims["tid"] == "tid"
    assert claims["perms"] == [{"role": "cache-read-only", "cache": "c", "target": {"bytes": "aw==", "prefix": False}}]
    assert jwt.get_unverified_header(issued.api_key)["alg"] == "HS256"


def test_login_issues_a_session_token_that_can_mint(state: State) -> None:
    issued = state.login()
    assert issued.valid_until == START + state.settings.login_ttl
    assert state.generate_api_key(issued.api_key, SUPER_USER, None).api_key


# --- bootstrap, seeds, reset ----------------------------------------------------------------


def test_a_seed_makes_every_key_deterministic() -> None:
    def run() -> list[str]:
        state = State(Settings(start_time=START, seed="ci")).bootstrap()
        minted = state.generate_api_key(state.session_token, READ_WRITE, 60)
        return [state.session_token, state.super_user_key, minted.api_key, minted.refresh_token]

    assert run() == run()


def test_without_a_seed_keys_differ_between_emulators() -> None:
    one = State(Settings(start_time=START)).bootstrap()
    two = State(Settings(start_time=START)).bootstrap()
    assert one.super_user_key != two.super_user_key


def test_a_supplied_super_user_key_is_accepted_raw_or_wrapped() -> None:
    state = State(Settings(start_time=START, super_user_key="ci-fixed-key")).bootstrap()
    assert state.super_user_key == "ci-fixed-key"
    assert state.generate_disposable_token("ci-fixed-key", KEY_SCOPED, 60).api_key
    assert state.generate_disposable_token(wrap("ci-fixed-key", "e"), KEY_SCOPED, 60).api_key
    with pytest.raises(PermissionDenied):
        state.generate_api_key("ci-fixed-key", SUPER_USER, 60)


def test_reset_builds_fresh_state_with_the_clock_at_its_start() -> None:
    emulator = Emulator(Settings(start_time=START))
    old = emulator.state
    key = explicit_key(old)
    old.clock.advance(500)
    new = emulator.reset()
    assert new is not old
    assert new.clock.now() == START
    with pytest.raises(Unauthenticated):
        new.authenticate(key, new.clock.now())


def test_reset_with_a_seed_restores_the_same_bootstrap_credentials() -> None:
    emulator = Emulator(Settings(start_time=START, seed="s"))
    before = (emulator.state.session_token, emulator.state.super_user_key)
    emulator.reset()
    assert (emulator.state.session_token, emulator.state.super_user_key) == before


def test_unwrap_leaves_raw_keys_alone_and_opens_the_base64_form() -> None:
    assert unwrap("raw") == "raw"
    assert unwrap(wrap("abc", "e")) == "abc"


def test_export_then_import_answers_identically() -> None:
    emulator = Emulator(Settings(start_time=START))
    minted = emulator.state.generate_api_key(emulator.state.session_token, READ_WRITE, 100)
    emulator.state.clock.advance(5)
    document = emulator.export()
    restored = Emulator(Settings(start_time=START))
    state = restored.load(document)
    assert state.clock.now() == START + 5
    assert state.refresh_api_key(minted.api_key, minted.refresh_token).valid_until == START + 105
    assert state.generate_disposable_token(emulator.state.super_user_key, KEY_SCOPED, 60).api_key


def test_all_grants_default_to_every_target() -> None:
    assert Grant(Role.CACHE_READ_ONLY).target is ALL


def test_after_a_seeded_reset_an_earlier_key_is_refused_even_when_its_id_is_reused() -> None:
    """Same seed, same key ids: the old key must not pass for the new credential that now has its id."""
    emulator = Emulator(Settings(start_time=START, seed="s"))
    before = emulator.state.generate_api_key(emulator.state.session_token, READ_WRITE, 100)
    before_id = emulator.state.find(before.api_key).key_id
    state = emulator.reset()
    after = state.generate_disposable_token(state.session_token, KEY_SCOPED, 60)
    assert state.find(after.api_key).key_id == before_id
    with pytest.raises(Unauthenticated, match="unknown to this emulator"):
        state.authenticate(before.api_key, state.clock.now())
    with pytest.raises(NotFound):
        state.find(before.api_key)


def test_a_credential_with_a_non_ascii_signature_matches_no_key_instead_of_failing(state: State) -> None:
    key = explicit_key(state)
    state.find(key).signature = "\x80"  # e.g. from an edited state document
    with pytest.raises(Unauthenticated, match="unknown to this emulator"):
        state.authenticate(key, START)


def test_a_blank_fixed_super_user_key_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="super_user_key: must not be blank"):
        State(Settings(start_time=START, super_user_key=" \t ")).bootstrap()


def test_an_unknown_key_is_never_echoed_whole_in_an_error(state: State) -> None:
    for secret in ("ci-secret-0042", "a-rather-longer-secret-value-of-forty-chars"):
        with pytest.raises(NotFound) as raised:
            state.find(secret)
        assert secret not in raised.value.message
    with pytest.raises(NotFound, match="0123456789abcdef"):
        state.find("0123456789abcdef")  # a key id is not a secret: shown whole
