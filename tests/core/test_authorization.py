"""The authorize() decision for every role and selector, without gRPC."""

from __future__ import annotations

import pytest

from emulator.core.authorization import ACTIONS, Capability, authorize
from emulator.core.errors import InvalidArgument
from emulator.core.permissions import ALL, SUPER_USER, Grant, Role, Selector
from tests.core.grants import R, cache, perms, topic

CACHE_ROLE_TABLE = {
    R.CACHE_READ_WRITE: {
        Capability.READ,
        Capability.WRITE,
        Capability.CONDITIONAL_WRITE,
        Capability.STATE_RETURNING_WRITE,
    },
    R.CACHE_READ_ONLY: {Capability.READ},
    R.CACHE_WRITE_ONLY: {Capability.WRITE},
}
CACHE_ACTIONS = {"get": Capability.READ, "set": Capability.WRITE, "delete": Capability.WRITE,
                 "set-if-not-exists": Capability.CONDITIONAL_WRITE, "increase-ttl": Capability.CONDITIONAL_WRITE,
                 "list-push-back": Capability.STATE_RETURNING_WRITE, "increment": Capability.STATE_RETURNING_WRITE,
                 "dictionary-get-field": Capability.READ}  # fmt: skip


@pytest.mark.parametrize("role", list(CACHE_ROLE_TABLE))
@pytest.mark.parametrize("action", list(CACHE_ACTIONS))
def test_cache_roles_allow_exactly_their_capabilities(role: Role, action: str) -> None:
    decision = authorize(perms(cache(role)), action, "c", key=b"k")
    assert decision.allowed is (CACHE_ACTIONS[action] in CACHE_ROLE_TABLE[role])
    assert ("allowed by permissions[0]" in decision.reason) is decision.allowed


@pytest.mark.parametrize(
    ("role", "publish", "subscribe"),
    [
        (R.TOPIC_PUBLISH_SUBSCRIBE, True, True),
        (R.TOPIC_PUBLISH_ONLY, True, False),
        (R.TOPIC_SUBSCRIBE_ONLY, False, True),
    ],
)
def test_topic_roles(role: Role, publish: bool, subscribe: bool) -> None:
    granted = perms(topic(role, "c"))
    assert authorize(granted, "publish", "c", topic="t").allowed is publish
    assert authorize(granted, "subscribe", "c", topic="t").allowed is subscribe


@pytest.mark.parametrize(
    ("selector", "cache_name", "allowed"),
    [(Selector(None), "any", True), (Selector("c"), "c", True), (Selector("c"), "d", False)],
)
def test_cache_selectors(selector: Selector, cache_name: str, allowed: bool) -> None:
    granted = perms(Grant(R.CACHE_READ_ONLY, selector))
    assert authorize(granted, "get", cache_name, key=b"k").allowed is allowed


@pytest.mark.parametrize(
    ("item", "key", "allowed"),
    [
        (Selector(b"user:1"), b"user:1", True),
        (Selector(b"user:1"), b"user:12", False),
        (Selector(b"user:", prefix=True), b"user:12", True),
        (Selector(b"user:", prefix=True), b"admin:1", False),
        (ALL, b"anything", True),
    ],
)
def test_item_selectors_narrow_to_a_key_or_a_prefix(item: Selector, key: bytes, allowed: bool) -> None:
    granted = perms(Grant(R.CACHE_READ_WRITE, Selector("c"), item))
    assert authorize(granted, "set", "c", key=key).allowed is allowed


def test_a_key_narrowed_permission_needs_a_key_to_decide() -> None:
    decision = authorize(perms(cache(R.CACHE_READ_WRITE, "c", b"k")), "get", "c")
    assert not decision.allowed
    assert "no key was given" in decision.reason


@pytest.mark.parametrize(
    ("selector", "name", "allowed"),
    [
        (Selector("t"), "t", True),
        (Selector("t"), "tt", False),
        (Selector("news-", prefix=True), "news-eu", True),
        (Selector("news-", prefix=True), "sport", False),
        (ALL, "x", True),
    ],
)
def test_topic_selectors(selector: Selector, name: str, allowed: bool) -> None:
    granted = perms(Grant(R.TOPIC_PUBLISH_SUBSCRIBE, Selector("c"), selector))
    assert authorize(granted, "publish", "c", topic=name).allowed is allowed


def test_topic_permissions_apply_only_to_topics_in_the_selected_cache() -> None:
    granted = perms(topic(R.TOPIC_PUBLISH_SUBSCRIBE, "c"))
    assert not authorize(granted, "publish", "other", topic="t").allowed
    assert not authorize(granted, "get", "c", key=b"k").allowed


def test_any_matching_permission_grants_the_union() -> None:
    granted = perms(cache(R.CACHE_READ_ONLY), cache(R.CACHE_WRITE_ONLY, "c"))
    assert authorize(granted, "get", "c", key=b"k").allowed
    set_decision = authorize(granted, "set", "c", key=b"k")
    assert set_decision.allowed and set_decision.grant_index == 1
    assert not authorize(granted, "set", "d", key=b"k").allowed


def test_super_user_allows_data_and_control_plane() -> None:
    assert authorize(SUPER_USER, "set-if-not-exists", "c", key=b"k").allowed
    assert authorize(SUPER_USER, "create-cache", "c").allowed


def test_explicit_permissions_never_grant_the_control_plane() -> None:
    decision = authorize(perms(cache(R.CACHE_READ_WRITE)), "delete-cache", "c")
    assert not decision.allowed
    assert "control-plane" in decision.reason


def test_function_invoke() -> None:
    granted = perms(Grant(R.FUNCTION_INVOKE, Selector("c"), Selector("f-", prefix=True)))
    assert authorize(granted, "invoke-function", "c", function="f-1").allowed
    assert not authorize(granted, "invoke-function", "c", function="g").allowed


def test_unknown_actions_are_refused_with_the_known_list() -> None:
    with pytest.raises(InvalidArgument, match="action: 'fly' is not a known operation"):
        authorize(SUPER_USER, "fly", "c")


def test_topic_actions_need_a_topic_name() -> None:
    with pytest.raises(InvalidArgument, match="topic: publish needs a topic name"):
        authorize(perms(topic(R.TOPIC_PUBLISH_ONLY)), "publish", "c")


def test_every_action_maps_to_a_capability() -> None:
    assert all(isinstance(capability, Capability) for capability in ACTIONS.values())


def test_a_denial_names_the_item_it_could_not_cover() -> None:
    decision = authorize(perms(cache(R.CACHE_READ_WRITE, "c", b"k1")), "get", "c", key=b"k2")
    assert decision.reason == "no permission covers item 'k2' in cache 'c'"
