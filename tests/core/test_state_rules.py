"""The state's rules at their boundaries, the records it keeps and the exact words of its refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulator.core.authorization import Decision
from emulator.core.config import Settings
from emulator.core.credentials import Credential, Kind
from emulator.core.errors import EmulatorError, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from emulator.core.faults import Catalog, FaultRule
from emulator.core.keys import wrap
from emulator.core.permissions import SUPER_USER, Grant, Permissions, Role, Selector, to_json
from emulator.core.snapshot import export_state, import_state
from emulator.core.state import MAX_DESCRIPTION_LENGTH, MAX_TOKEN_ID_LENGTH, State
from tests.builders import START, forged

READ_WRITE = Permissions(grants=(Grant(Role.CACHE_READ_WRITE),))
KEY_SCOPED = Permissions(grants=(Grant(Role.CACHE_READ_ONLY, Selector("c"), Selector(b"k")),))


@pytest.fixture
def state() -> State:
    return State(Settings(start_time=START, endpoint="emulator.test")).bootstrap()


def test_the_limits_are_the_documented_ones() -> None:
    assert (MAX_TOKEN_ID_LENGTH, MAX_DESCRIPTION_LENGTH) == (64, 1024)


def test_a_description_of_1024_characters_is_kept_and_1025_is_refused(state: State) -> None:
    kept = state.generate_api_key(state.session_token, READ_WRITE, 60, description="d" * 1024)
    assert state.find(kept.api_key).description == "d" * 1024
    with pytest.raises(InvalidArgument) as refused:
        state.generate_api_key(state.session_token, READ_WRITE, 60, description="d" * 1025)
    assert refused.value.message == "description: 1025 characters; at most 1024 allowed"


@pytest.mark.parametrize("kind", ["api key", "disposable token"])
def test_a_token_id_of_64_characters_is_kept_and_65_is_refused(state: State, kind: str) -> None:
    def mint(token_id: str) -> Credential:
        if kind == "api key":
            return state.find(state.generate_api_key(state.session_token, READ_WRITE, 60, token_id=token_id).api_key)
        return state.find(
            state.generate_disposable_token(state.session_token, KEY_SCOPED, 60, token_id=token_id).api_key
        )

    kept = mint("t" * 64)
    assert kept.token_id == "t" * 64
    with pytest.raises(InvalidArgument) as refused:
        mint("t" * 65)
    assert refused.value.message == "token_id: 65 characters; at most 64 allowed"


@pytest.mark.parametrize("ttl", [1, 2])
def test_the_shortest_lifetimes_are_allowed(state: State, ttl: int) -> None:
    assert state.generate_api_key(state.session_token, READ_WRITE, ttl).valid_until == START + ttl
    assert state.generate_disposable_token(state.session_token, KEY_SCOPED, ttl).valid_until == START + ttl


def test_every_record_says_who_issued_it(state: State) -> None:
    session = state.find(state.session_token)
    boot = state.find(state.super_user_key)
    assert (session.kind, session.issued_by, boot.kind, boot.issued_by) == (
        Kind.SESSION, "bootstrap", Kind.API_KEY, "bootstrap",
    )  # fmt: skip
    login = state.login()
    session_record = state.find(login.api_key)
    assert session_record.issued_by == "login"
    assert session_record.valid_until == START + 86400 and login.valid_until == START + 86400
    key = state.find(state.generate_api_key(login.api_key, READ_WRITE, 60, token_id="t", description="d").api_key)
    assert key == Credential(
        key.key_id, Kind.API_KEY, READ_WRITE, START, int(START) + 60, 60,
        token_id="t", description="d", refresh_token=key.refresh_token, issued_by=session_record.key_id,
        signature=key.signature,
    )  # fmt: skip
    assert len(key.key_id) == 16 and len(key.refresh_token or "") == 48
    token = state.find(state.generate_disposable_token(state.super_user_key, KEY_SCOPED, 60, token_id="p").api_key)
    assert token.issued_by == boot.key_id and token.token_id == "p"
    issued = state.generate_api_key(state.session_token, READ_WRITE, 60)
    renewed = state.find(state.refresh_api_key(issued.api_key, issued.refresh_token).api_key)
    assert renewed.issued_by == state.find(issued.api_key).key_id


def test_a_spent_or_revoked_refresh_token_is_gone_from_the_record(state: State) -> None:
    first = state.generate_api_key(state.session_token, READ_WRITE, 60)
    state.refresh_api_key(first.api_key, first.refresh_token)
    assert state.find(first.api_key).refresh_token is None
    second = state.generate_api_key(state.session_token, READ_WRITE, 60)
    revoked = state.revoke(second.api_key)
    assert revoked.refresh_token is None and revoked.revoked_at == START


def test_a_revoked_key_stays_revoked_at_its_first_revocation(state: State) -> None:
    issued = state.generate_api_key(state.session_token, READ_WRITE, 600)
    state.revoke(issued.api_key)
    state.clock.advance(10)
    assert state.revoke(issued.api_key).revoked_at == START


def test_a_key_expires_at_the_instant_its_signature_says(state: State) -> None:
    issued = state.generate_api_key(state.session_token, READ_WRITE, 60)
    state.clock.advance(60 + 3600 + 1)
    state.generate_api_key(state.session_token, READ_WRITE, 60)  # prunes the expired record
    with pytest.raises(Unauthenticated) as refused:
        state.generate_api_key(issued.api_key, READ_WRITE, 60)
    assert refused.value.message == "auth_token: the credential expired"


def test_a_record_pruned_exactly_at_its_expiry_is_still_called_expired() -> None:
    state = State(Settings(start_time=START, expired_retention=0)).bootstrap()
    issued = state.generate_api_key(state.session_token, READ_WRITE, 60)
    state.clock.advance(60)
    state.generate_api_key(state.session_token, READ_WRITE, 60)  # prunes it: retention 0
    with pytest.raises(Unauthenticated) as refused:
        state.refresh_api_key(issued.api_key, issued.refresh_token)
    assert refused.value.message == "api_key: the credential expired"
    with pytest.raises(NotFound) as missing:
        state.find(issued.api_key)
    key_id = state.codec.decode(issued.api_key)["jti"]
    assert missing.value.message == (f"key: {key_id} is no longer held (expired and pruned, or from before a reset)")


def test_the_endpoint_of_the_settings_is_signed_into_keys() -> None:
    state = State(Settings(start_time=START, endpoint="e.test")).bootstrap()
    claims = state.codec.decode(state.super_user_key)
    assert (claims["c"], claims["cp"]) == ("cache.e.test", "control.e.test")
    assert state.wrap("k") == wrap("k", "e.test")


def test_a_fresh_state_holds_no_credentials_and_no_journal_until_bootstrap() -> None:
    state = State(Settings(start_time=START))
    assert (state.session_token, state.super_user_key, state.credentials()) == ("", "", [])
    assert state.journal.entries() == []
    assert state.settings.journal_size == 10_000


Call = Callable[[State], object]
REFUSALS: list[tuple[str, Call, type[EmulatorError], str]] = [
    (
        "super-user mints super-user",
        lambda s: s.generate_api_key(s.super_user_key, SUPER_USER, 60),
        PermissionDenied,
        "Insufficient permissions: a super-user API key cannot mint super-user keys; use a session token",
    ),
    (
        "explicit key mints a key",
        lambda s: s.generate_api_key(s.generate_api_key(s.session_token, READ_WRITE, 60).api_key, READ_WRITE, 60),
        PermissionDenied,
        "Insufficient permissions: an API key with explicit permissions cannot mint an API key",
    ),
    (
        "explicit key mints a token",
        lambda s: s.generate_disposable_token(
            s.generate_api_key(s.session_token, READ_WRITE, 60).api_key, KEY_SCOPED, 60
        ),
        PermissionDenied,
        "Insufficient permissions: an API key with explicit permissions cannot mint a disposable token",
    ),
    (
        "disposable token mints a key",
        lambda s: s.generate_api_key(
            s.generate_disposable_token(s.session_token, KEY_SCOPED, 60).api_key, READ_WRITE, 60
        ),
        PermissionDenied,
        "Insufficient permissions: a disposable token with explicit permissions cannot mint an API key",
    ),
    (
        "zero lifetime",
        lambda s: s.generate_api_key(s.session_token, READ_WRITE, 0),
        InvalidArgument,
        "expires.valid_for_seconds: must be greater than 0",
    ),
    (
        "zero disposable lifetime",
        lambda s: s.generate_disposable_token(s.session_token, KEY_SCOPED, 0),
        InvalidArgument,
        "expires.valid_for_seconds: must be greater than 0",
    ),
    (
        "refresh a never-expiring key",
        lambda s: s.refresh_api_key(s.super_user_key, "x"),
        Unauthenticated,
        "api_key: a key that never expires has no refresh token and cannot be refreshed",
    ),
    (
        "refresh a session token",
        lambda s: s.refresh_api_key(s.session_token, "x"),
        Unauthenticated,
        "api_key: a session token cannot be refreshed",
    ),
    (
        "refresh a disposable token",
        lambda s: s.refresh_api_key(s.generate_disposable_token(s.session_token, KEY_SCOPED, 60).api_key, "x"),
        Unauthenticated,
        "api_key: a disposable token cannot be refreshed",
    ),
    (
        "refresh with a wrong token",
        lambda s: s.refresh_api_key(s.generate_api_key(s.session_token, READ_WRITE, 60).api_key, "x"),
        Unauthenticated,
        "refresh_token: not the current refresh token of this api_key",
    ),
    (
        "refresh with a blank token",
        lambda s: s.refresh_api_key(s.generate_api_key(s.session_token, READ_WRITE, 60).api_key, " "),
        Unauthenticated,
        "refresh_token: not the current refresh token of this api_key",
    ),
    (
        "refresh nothing",
        lambda s: s.refresh_api_key("", "x"),
        Unauthenticated,
        "api_key: no credential was given",
    ),
    (
        "mint with a foreign key",
        lambda s: s.generate_api_key("not-a-key", READ_WRITE, 60),
        Unauthenticated,
        "auth_token: the credential is not a key this emulator issued (bad signature or format)",
    ),
    (
        "find a 16-hex id never issued",
        lambda s: s.find("0123456789abcdef"),
        NotFound,
        "key: '0123456789abcdef' is neither a key id nor a key this emulator issued",
    ),
    (
        "find a short unknown text",
        lambda s: s.find("secret-ish"),
        NotFound,
        "key: 'secr… (10 characters)' is neither a key id nor a key this emulator issued",
    ),
    (
        "find 24 unknown characters",
        lambda s: s.find("abcdefghijklmnopqrstuvwx"),
        NotFound,
        "key: 'abcd… (24 characters)' is neither a key id nor a key this emulator issued",
    ),
    (
        "find 25 unknown characters",
        lambda s: s.find("abcdefghijklmnopqrstuvwxy"),
        NotFound,
        "key: 'abcdefgh…vwxy' is neither a key id nor a key this emulator issued",
    ),
    (
        "find 16 characters that are not hex",
        lambda s: s.find("0123456789abcdeg"),
        NotFound,
        "key: '0123… (16 characters)' is neither a key id nor a key this emulator issued",
    ),
    (
        "find 17 hex digits",
        lambda s: s.find("0123456789abcdef0"),
        NotFound,
        "key: '0123… (17 characters)' is neither a key id nor a key this emulator issued",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_each_refusal_in_its_exact_words(state: State, call: Call, error: type[EmulatorError], message: str) -> None:
    with pytest.raises(error) as refused:
        call(state)
    assert refused.value.message == message


def test_a_key_minted_without_a_token_id_or_description_has_empty_ones(state: State) -> None:
    minted = [
        state.generate_api_key(state.session_token, READ_WRITE, 60),
        state.generate_disposable_token(state.session_token, KEY_SCOPED, 60),
    ]
    for credential in [*map(state.find, (m.api_key for m in minted)), *state.credentials()]:
        assert (credential.token_id, credential.description) == ("", ""), credential.kind
    assert state.find(state.super_user_key).issued_by == "bootstrap"


def test_an_unused_key_is_identified_without_having_authenticated(state: State) -> None:
    """identify() (journal, faults) finds a genuine key presented for the first time, and nothing for a forgery."""
    issued = state.generate_api_key(state.session_token, READ_WRITE, 60)
    assert state.identify(issued.api_key) is state.find(issued.api_key)
    assert state.identify(wrap(issued.api_key, "emulator.test")) is state.find(issued.api_key)
    assert state.identify(forged(issued.api_key)) is None


def test_an_unknown_key_is_shown_abbreviated_unless_it_has_the_shape_of_a_key_id(state: State) -> None:
    for text, shown in [
        ("0123456789abcdef", "'0123456789abcdef'"),
        ("X" * 16, "'XXXX… (16 characters)'"),
        ("0123456789ABCDEF", "'0123… (16 characters)'"),
    ]:
        with pytest.raises(NotFound) as missing:
            state.find(text)
        assert missing.value.message.startswith(f"key: {shown} is neither"), text


# --- what Authorize (the admin API) decides for a held key ---------------------------------------


def test_authorize_answers_for_a_key_by_its_id_raw_or_wrapped(state: State) -> None:
    issued = state.generate_disposable_token(state.session_token, KEY_SCOPED, 60)
    record, grant = state.find(issued.api_key), KEY_SCOPED.grants[0]
    for key in (record.key_id, issued.api_key, wrap(issued.api_key, "emulator.test")):
        credential, decision = state.authorize(key, "get", "c", item=b"k")
        assert credential is record
        assert decision == Decision(True, f"allowed by permissions[0]: {grant.describe()}", grant, 0)
    assert state.authorize(record.key_id, "get", "c", item=b"other")[1] == Decision(
        False, "no permission covers item 'other' in cache 'c'"
    )
    with pytest.raises(NotFound):
        state.authorize("0" * 16, "get", "c", item=b"k")


def test_authorize_passes_the_topic_and_the_function_on() -> None:
    state = State(Settings(start_time=START, endpoint="emulator.test")).bootstrap()
    grants = (
        Grant(Role.TOPIC_PUBLISH_ONLY, Selector("c"), Selector("news")),
        Grant(Role.FUNCTION_INVOKE, Selector("c"), Selector("f")),
    )
    key = state.generate_disposable_token(state.session_token, Permissions(grants=grants), 60).api_key
    assert state.authorize(key, "publish", "c", topic="news")[1].grant_index == 0
    assert not state.authorize(key, "publish", "c", topic="sports")[1].allowed
    assert state.authorize(key, "invoke-function", "c", function="f")[1].grant_index == 1
    assert not state.authorize(key, "invoke-function", "c", function="g")[1].allowed


def test_authorize_denies_a_revoked_or_expired_key_instead_of_failing(state: State) -> None:
    revoked = state.generate_api_key(state.session_token, READ_WRITE, 60).api_key
    state.revoke(revoked)
    assert state.authorize(revoked, "get", "c", item=b"k")[1] == Decision(False, "key: the credential was revoked")
    expiring = state.generate_api_key(state.session_token, READ_WRITE, 60).api_key
    state.clock.advance(60)
    assert state.authorize(expiring, "get", "c", item=b"k")[1] == Decision(False, "key: the credential expired")


def test_authorize_treats_a_session_token_as_a_super_user(state: State) -> None:
    for action in ("create-cache", "set"):
        decision = state.authorize(state.session_token, action, "c", item=b"k")[1]
        assert decision == Decision(True, "super-user permissions allow every operation"), action
    explicit = state.generate_api_key(state.session_token, READ_WRITE, 60).api_key
    assert not state.authorize(explicit, "create-cache", "c")[1].allowed
    document = export_state(state)  # even one whose record was narrowed by hand
    for record in document["credentials"]:
        if record["kind"] == "session_token":
            record["permissions"] = to_json(READ_WRITE)
    narrowed = import_state(document, state.settings, Catalog())
    decision = narrowed.authorize(narrowed.session_token, "create-cache", "c")[1]
    assert decision == Decision(True, "super-user permissions allow every operation")


def test_a_fault_rule_for_a_caller_must_name_a_held_key(state: State) -> None:
    held = state.find(state.super_user_key).key_id
    added = state.add_fault(FaultRule(methods=("/auth.Auth/Login",), key_id=held))
    assert state.faults.rules() == [added] and added.key_id == held
    with pytest.raises(NotFound) as refused:
        state.add_fault(FaultRule(methods=("/auth.Auth/Login",), key_id="0" * 16))
    assert refused.value.message == "key_id: '0000000000000000' is not the key id of a credential held here"
    assert state.faults.rules() == [added]


@pytest.mark.parametrize(
    ("refuse", "message"),
    [
        (lambda s: s.clock.advance(-1), "seconds: -1 is negative; the clock never goes backwards"),
        (
            lambda s: s.clock.set(START - 1),
            "time: 2029-12-31T23:59:59Z is before the emulator's now 2030-01-01T00:00:00Z; "
            "the clock never goes backwards",
        ),
        (
            lambda s: s.generate_api_key(s.session_token, Permissions(grants=(Grant(Role.CACHE_READ_WRITE),) * 11), 60),
            "permissions.explicit.permissions: 11 permission objects; at most 10 are allowed",
        ),
        (lambda s: s.caches.create(""), "cache_name: must not be empty"),
        (
            lambda s: s.generate_disposable_token(s.session_token, KEY_SCOPED, 3601),
            "expires.valid_for_seconds: 3601 exceeds the maximum disposable lifetime of 3600 s",
        ),
        (
            lambda s: s.generate_api_key(s.session_token, KEY_SCOPED, 60),
            "permissions.explicit.permissions[0].cache_permissions.item_selector: "
            "item selectors are allowed only in disposable tokens",
        ),
        (
            lambda s: s.generate_api_key(s.session_token, Permissions(), 60),
            "permissions.explicit.permissions: must not be empty",
        ),
    ],
)
def test_refusals_name_their_field_then_the_problem(
    state: State, refuse: Callable[[State], object], message: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        refuse(state)
    assert refused.value.message == message
