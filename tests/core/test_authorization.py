"""The authorize() decision for every role and selector, without gRPC."""

from __future__ import annotations

import pytest

from emulator.core.authorization import ACTIONS, Capability, Decision, authorize
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


# Written out by hand from the spec, not derived from ACTIONS: a row added, dropped or moved to
# another capability in the code fails the tests below.
READ = sorted(
    [
        "get",
        "get-batch",
        "key-exists",
        "keys-exist",
        "item-get-ttl",
        "item-get-type",
        "dictionary-fetch",
        "dictionary-get-field",
        "dictionary-get-fields",
        "dictionary-length",
        "set-fetch",
        "set-contains-element",
        "set-contains-elements",
        "set-length",
        "set-sample",
        "list-fetch",
        "list-length",
        "sorted-set-fetch-by-rank",
        "sorted-set-fetch-by-score",
        "sorted-set-get-score",
        "sorted-set-get-rank",
        "sorted-set-length",
        "sorted-set-length-by-score",
    ]
)
WRITE = sorted(
    [
        "set",
        "set-batch",
        "delete",
        "update-ttl",
        "dictionary-set-field",
        "dictionary-set-fields",
        "dictionary-remove-field",
        "dictionary-remove-fields",
        "set-add-element",
        "set-add-elements",
        "set-remove-element",
        "set-remove-elements",
        "list-remove-value",
        "list-retain",
        "sorted-set-put-element",
        "sorted-set-put-elements",
        "sorted-set-remove-element",
        "sorted-set-remove-elements",
    ]
)
CONDITIONAL_WRITE = sorted(
    [
        "set-if-not-exists",
        "set-if-absent",
        "set-if-present",
        "set-if-equal",
        "set-if-not-equal",
        "set-if-present-and-not-equal",
        "set-if-absent-or-equal",
        "increase-ttl",
        "decrease-ttl",
    ]
)
STATE_RETURNING_WRITE = sorted(
    [
        "increment",
        "dictionary-increment",
        "list-push-back",
        "list-push-front",
        "list-concatenate-back",
        "list-concatenate-front",
        "list-pop-back",
        "list-pop-front",
        "set-pop",
        "sorted-set-increment-score",
    ]
)
CONTROL_PLANE = ["create-cache", "delete-cache", "flush-cache", "list-caches"]
EXPECTED_ACTIONS: dict[str, Capability] = {
    **dict.fromkeys(READ, Capability.READ),
    **dict.fromkeys(WRITE, Capability.WRITE),
    **dict.fromkeys(CONDITIONAL_WRITE, Capability.CONDITIONAL_WRITE),
    **dict.fromkeys(STATE_RETURNING_WRITE, Capability.STATE_RETURNING_WRITE),
    "publish": Capability.PUBLISH,
    "subscribe": Capability.SUBSCRIBE,
    "invoke-function": Capability.INVOKE,
    **dict.fromkeys(CONTROL_PLANE, Capability.CONTROL_PLANE),
}
# The wire names of the data RPCs, from the capability table of the data-plane spec.
EXPECTED_WIRE_ACTIONS: dict[str, Capability] = {
    **dict.fromkeys(
        [
            "Get",
            "GetWithHash",
            "GetBatch",
            "KeysExist",
            "ItemGetTtl",
            "ItemGetType",
            "DictionaryGet",
            "DictionaryFetch",
            "DictionaryLength",
            "SetFetch",
            "SetSample",
            "SetContains",
            "SetLength",
            "ListFetch",
            "ListLength",
            "SortedSetFetch",
            "SortedSetGetScore",
            "SortedSetGetRank",
            "SortedSetLength",
            "SortedSetLengthByScore",
        ],
        Capability.READ,
    ),
    **dict.fromkeys(
        [
            "Set",
            "SetBatch",
            "Delete",
            "DictionarySet",
            "DictionaryDelete",
            "SetUnion",
            "SetDifference",
            "ListRemove",
            "ListRetain",
            "ListErase",
            "SortedSetPut",
            "SortedSetRemove",
            "UpdateTtl",
        ],
        Capability.WRITE,
    ),
    **dict.fromkeys(["SetIf", "SetIfHash", "SetIfNotExists"], Capability.CONDITIONAL_WRITE),
    **dict.fromkeys(
        [
            "Increment",
            "DictionaryIncrement",
            "ListPushFront",
            "ListPushBack",
            "ListConcatenateFront",
            "ListConcatenateBack",
            "ListPopFront",
            "ListPopBack",
            "SetPop",
            "SortedSetIncrement",
            "SortedSetUnionStore",
        ],
        Capability.STATE_RETURNING_WRITE,
    ),
    "Publish": Capability.PUBLISH,
    "Subscribe": Capability.SUBSCRIBE,
    **dict.fromkeys(["CreateCache", "DeleteCache", "ListCaches", "FlushCache"], Capability.CONTROL_PLANE),
}
EXPECTED_ACTIONS.update(EXPECTED_WIRE_ACTIONS)
# What each role allows, from the spec's role table.
EXPECTED_ROLES: dict[Role, set[Capability]] = {
    **CACHE_ROLE_TABLE,
    R.TOPIC_PUBLISH_SUBSCRIBE: {Capability.PUBLISH, Capability.SUBSCRIBE},
    R.TOPIC_PUBLISH_ONLY: {Capability.PUBLISH},
    R.TOPIC_SUBSCRIBE_ONLY: {Capability.SUBSCRIBE},
    R.FUNCTION_INVOKE: {Capability.INVOKE},
}


def test_the_action_table_is_exactly_the_expected_one() -> None:
    assert dict(ACTIONS) == EXPECTED_ACTIONS


def target_of(action: str) -> dict[str, object]:
    """The target argument ``action`` names: a topic, a function, or an item key."""
    capability = EXPECTED_ACTIONS[action]
    if capability in (Capability.PUBLISH, Capability.SUBSCRIBE):
        return {"topic": "t"}
    if capability is Capability.INVOKE:
        return {"function": "f"}
    return {"key": b"k"}


@pytest.mark.parametrize("role", list(Role))
def test_every_action_through_every_role(role: Role) -> None:
    """A role allows an action exactly when the role's capabilities hold the one the action needs."""
    wrong = []
    for action, needed in EXPECTED_ACTIONS.items():
        decision = authorize(perms(Grant(role)), action, "c", **target_of(action))  # type: ignore[arg-type]
        expected = (
            Decision(True, f"allowed by permissions[0]: {Grant(role).describe()}", Grant(role), 0)
            if needed in EXPECTED_ROLES[role]
            else Decision(False, denial(role, action))
        )
        if decision != expected:
            wrong.append((action, decision))
    assert wrong == []


def denial(role: Role, action: str) -> str:
    """Why a grant of ``role`` on every cache and target does not allow ``action``."""
    needed = EXPECTED_ACTIONS[action]
    if needed is Capability.CONTROL_PLANE:
        return f"{action} is a control-plane operation; only super-user keys may call it"
    kind = {Capability.PUBLISH: "topic", Capability.SUBSCRIBE: "topic", Capability.INVOKE: "function"}.get(
        needed, "cache"
    )
    if Role(role).value.split("-")[0] == kind:
        return f"permissions[0] ({Grant(role).describe()}) does not allow {needed.value}"
    noun, name = {"topic": ("topic", "t"), "function": ("function", "f"), "cache": ("item", "k")}[kind]
    return f"no permission covers {noun} {name!r} in cache 'c'"


def test_super_user_allows_every_action() -> None:
    for action in EXPECTED_ACTIONS:
        decision = authorize(SUPER_USER, action, "c", **target_of(action))  # type: ignore[arg-type]
        assert decision == Decision(True, "super-user permissions allow every operation"), action


@pytest.mark.parametrize(
    ("grant", "target"),
    [
        (Grant(R.CACHE_READ_WRITE, Selector("c"), Selector(b"user:", prefix=True)), {"key": b"admin:user:1"}),
        (Grant(R.CACHE_READ_WRITE, Selector("c"), Selector(b"user:", prefix=True)), {"key": b"xuser:"}),
        (Grant(R.TOPIC_PUBLISH_SUBSCRIBE, Selector("c"), Selector("news-", prefix=True)), {"topic": "old-news-eu"}),
        (Grant(R.FUNCTION_INVOKE, Selector("c"), Selector("f-", prefix=True)), {"function": "g-f-1"}),
    ],
)
def test_a_prefix_selector_matches_only_at_the_start(grant: Grant, target: dict[str, object]) -> None:
    """A prefix selector covers names that start with the prefix, not names that merely contain it."""
    action = "set" if "key" in target else "publish" if "topic" in target else "invoke-function"
    assert not authorize(perms(grant), action, "c", **target).allowed  # type: ignore[arg-type]
    assert not grant.target.matches(next(iter(target.values())))  # type: ignore[arg-type]
    name = next(iter(target.values()))
    at_start = grant.target.value + name  # type: ignore[operator]
    assert authorize(perms(grant), action, "c", **{next(iter(target)): at_start}).allowed  # type: ignore[arg-type]


def test_the_first_grant_that_covers_the_target_decides_after_skipping_the_others() -> None:
    """Grants for another cache, another key, or limited to a key when none is given are passed over, not final."""
    other_cache, other_key, wanted = (
        cache(R.CACHE_READ_ONLY, "a"),
        cache(R.CACHE_READ_ONLY, "c", b"x"),
        cache(R.CACHE_READ_ONLY, "c"),
    )
    for granted in (perms(other_cache, wanted), perms(other_key, wanted)):
        decision = authorize(granted, "get", "c", key=b"k")
        assert decision == Decision(True, f"allowed by permissions[1]: {wanted.describe()}", wanted, 1)
    assert authorize(perms(other_key, wanted), "get", "c").grant_index == 1  # no key given


def test_a_grant_limited_to_a_key_says_so_when_no_key_was_given() -> None:
    limited = cache(R.CACHE_READ_ONLY, "c", b"k")
    assert authorize(perms(limited), "get", "c") == Decision(
        False, "permissions[0] is limited to item 'k'; no key was given"
    )


@pytest.mark.parametrize(
    ("target", "reason"),
    [({}, "no permission covers cache 'b'"), ({"key": b"k"}, "no permission covers item 'k' in cache 'b'")],
)
def test_a_denial_names_what_no_grant_covers(target: dict[str, bytes], reason: str) -> None:
    assert authorize(perms(cache(R.CACHE_READ_WRITE, "a")), "get", "b", **target) == Decision(False, reason)


def test_an_unknown_action_is_refused_with_the_known_ones_listed() -> None:
    with pytest.raises(InvalidArgument) as refused:
        authorize(SUPER_USER, "frobnicate", "c", key=b"k")
    assert (
        refused.value.message == f"action: 'frobnicate' is not a known operation; known: {', '.join(sorted(ACTIONS))}"
    )


def test_a_data_action_without_a_cache_is_refused_in_exact_words() -> None:
    with pytest.raises(InvalidArgument) as refused:
        authorize(SUPER_USER, "get", "", key=b"k")
    assert refused.value.message == "cache: must not be empty"
