"""The data plane's door: authenticate first, then authorize every key, and verified keys held."""

from __future__ import annotations

import pytest

from emulator.core.access import admit
from emulator.core.config import Settings
from emulator.core.errors import InvalidArgument, PermissionDenied, Unauthenticated
from emulator.core.permissions import Permissions, to_json
from emulator.core.snapshot import export_state, import_state
from emulator.core.state import State
from tests.builders import START, forged
from tests.core.grants import CATALOG, R, cache, perms, topic


@pytest.fixture
def state() -> State:
    return State(Settings(start_time=START, endpoint="emulator.test")).bootstrap()


def token(state: State, permissions: Permissions, ttl: int = 60) -> str:
    return state.generate_disposable_token(state.super_user_key, permissions, ttl).api_key


def test_a_missing_credential_is_unauthenticated_even_for_a_bad_request(state: State) -> None:
    with pytest.raises(Unauthenticated, match="^authorization: no credential"):
        admit(state, "", "Get", "", START, keys=[b""])


def test_a_forged_key_is_unauthenticated(state: State) -> None:
    key = token(state, perms(cache(R.CACHE_READ_WRITE)))
    with pytest.raises(Unauthenticated, match="not a key this emulator issued"):
        admit(state, forged(key), "Get", "c", START, keys=[b"k"])


def test_expiry_and_revocation_are_seen_after_the_key_was_verified(state: State) -> None:
    key = token(state, perms(cache(R.CACHE_READ_WRITE)), ttl=60)
    admit(state, key, "Get", "c", START, keys=[b"k"])
    with pytest.raises(Unauthenticated, match="expired"):
        admit(state, key, "Get", "c", START + 60, keys=[b"k"])
    other = token(state, perms(cache(R.CACHE_READ_WRITE)))
    admit(state, other, "Get", "c", START, keys=[b"k"])
    state.revoke(other)
    with pytest.raises(Unauthenticated, match="revoked"):
        admit(state, other, "Get", "c", START, keys=[b"k"])


def test_a_data_call_needs_a_cache_name(state: State) -> None:
    with pytest.raises(InvalidArgument) as refused:
        admit(state, state.super_user_key, "Get", "", START, keys=[b"k"])
    assert refused.value.message == "cache: the cache header is missing or empty"


def test_a_read_only_token_may_get_but_not_set(state: State) -> None:
    key = token(state, perms(cache(R.CACHE_READ_ONLY, "c")))
    admit(state, key, "Get", "c", START, keys=[b"k"])
    with pytest.raises(PermissionDenied, match="^Insufficient permissions: .*does not allow write"):
        admit(state, key, "Set", "c", START, keys=[b"k"])


def test_a_batch_needs_every_key_allowed(state: State) -> None:
    key = token(state, perms(cache(R.CACHE_READ_WRITE, "c", b"user-", prefix=True)))
    admit(state, key, "GetBatch", "c", START, keys=[b"user-1", b"user-2"])
    with pytest.raises(PermissionDenied, match="item 'admin'"):
        admit(state, key, "GetBatch", "c", START, keys=[b"user-1", b"admin"])


def test_a_token_scoped_to_one_cache_is_denied_another_before_any_lookup(state: State) -> None:
    key = token(state, perms(cache(R.CACHE_READ_WRITE, "a")))
    with pytest.raises(PermissionDenied, match="cache 'b'"):
        admit(state, key, "Get", "b", START, keys=[b"k"])


def test_the_control_plane_is_for_session_tokens_and_super_user_keys(state: State) -> None:
    admit(state, state.session_token, "CreateCache", "c", START)
    admit(state, state.super_user_key, "ListCaches", "", START)
    explicit = state.generate_api_key(state.session_token, perms(cache(R.CACHE_READ_WRITE)), None).api_key
    with pytest.raises(PermissionDenied, match="control-plane"):
        admit(state, explicit, "CreateCache", "c", START)


def test_conditional_and_state_returning_writes_are_not_write_only(state: State) -> None:
    key = token(state, perms(cache(R.CACHE_WRITE_ONLY)))
    admit(state, key, "Set", "c", START, keys=[b"k"])
    for action in ("SetIf", "SetIfNotExists", "SetIfHash", "Increment", "increase-ttl"):
        with pytest.raises(PermissionDenied):
            admit(state, key, action, "c", START, keys=[b"k"])


def test_a_topic_call_is_authorized_for_its_topic(state: State) -> None:
    key = token(state, perms(topic(R.TOPIC_PUBLISH_SUBSCRIBE, "c", "news")))
    admit(state, key, "Publish", "c", START, topic="news")
    with pytest.raises(PermissionDenied, match="topic 'sports'"):
        admit(state, key, "Publish", "c", START, topic="sports")


def test_a_session_token_is_a_super_user_whatever_its_record_holds(state: State) -> None:
    """Even a state document that gives the session token explicit permissions does not narrow it."""
    document = export_state(state)
    session_id = state.find(state.session_token).key_id
    for record in document["credentials"]:
        if record["key_id"] == session_id:
            record["permissions"] = to_json(perms(cache(R.CACHE_READ_ONLY, "c")))
    imported = import_state(document, Settings(start_time=START, endpoint="emulator.test"), CATALOG)
    assert not imported.find(imported.session_token).permissions.super_user
    admit(imported, imported.session_token, "CreateCache", "other", START)
    admit(imported, imported.session_token, "Set", "other", START, keys=[b"k"])
