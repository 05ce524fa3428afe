"""Permission validation rules and the JSON form of permissions, without gRPC."""

from __future__ import annotations

import pytest

from emulator.core.errors import InvalidArgument
from emulator.core.permissions import (
    MAX_GRANTS,
    SUPER_USER,
    Grant,
    Selector,
    from_json,
    to_json,
    validate,
)
from tests.core.grants import R, cache, perms, topic

# --- validation ---------------------------------------------------------------------------


def test_super_user_is_valid_for_api_keys() -> None:
    validate(SUPER_USER, disposable=False)


def test_super_user_is_refused_for_disposable_tokens() -> None:
    with pytest.raises(InvalidArgument, match="permissions.super_user"):
        validate(SUPER_USER, disposable=True)


def test_an_empty_explicit_list_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"permissions.explicit.permissions: must not be empty"):
        validate(perms(), disposable=False)


def test_ten_permissions_are_allowed_eleven_are_not() -> None:
    ten = [cache(R.CACHE_READ_ONLY, f"c{i}") for i in range(MAX_GRANTS)]
    validate(perms(*ten), disposable=False)
    with pytest.raises(InvalidArgument, match="11 permission objects; at most 10"):
        validate(perms(*ten, cache(R.CACHE_READ_ONLY, "c10")), disposable=False)


@pytest.mark.parametrize(
    ("grant", "field"),
    [
        (cache(R.CACHE_READ_ONLY, ""), "cache_permissions.cache_selector.cache_name: must not be empty"),
        (topic(R.TOPIC_PUBLISH_ONLY, "c", ""), "topic_permissions.topic_selector.topic_name: must not be empty"),
        (
            topic(R.TOPIC_PUBLISH_ONLY, "c", "", prefix=True),
            "topic_permissions.topic_selector.topic_name_prefix: must not be empty",
        ),
        (cache(R.CACHE_READ_ONLY, "c", b""), "item_selector.key: must not be empty"),
        (cache(R.CACHE_READ_ONLY, "c", b"", prefix=True), "item_selector.key_prefix: must not be empty"),
        (cache(R.CACHE_READ_ONLY, "x" * 256), "cache_name: 256 long; at most 255"),
        (cache(R.CACHE_READ_ONLY, "c", b"k" * 4097), "item_selector.key: 4097 long; at most 4096"),
    ],
)
def test_empty_and_oversized_names_are_refused_naming_the_field(grant: Grant, field: str) -> None:
    with pytest.raises(InvalidArgument, match=f"permissions\\[0\\].*{field}"):
        validate(perms(grant), disposable=True)


def test_item_selectors_are_allowed_only_in_disposable_tokens() -> None:
    narrowed = perms(cache(R.CACHE_READ_WRITE, "c", b"k"))
    validate(narrowed, disposable=True)
    with pytest.raises(InvalidArgument, match="item selectors are allowed only in disposable tokens"):
        validate(narrowed, disposable=False)


@pytest.mark.parametrize(
    "pair",
    [
        (cache(R.CACHE_READ_ONLY), cache(R.CACHE_READ_WRITE)),  # duplicate target, different roles
        (cache(R.CACHE_READ_ONLY, "c"), cache(R.CACHE_READ_ONLY, "c")),  # exact duplicate
        (cache(R.CACHE_READ_ONLY, "c", b"k"), cache(R.CACHE_WRITE_ONLY, "c", b"k")),  # same cache and key
        (topic(R.TOPIC_PUBLISH_ONLY, "c", "t"), topic(R.TOPIC_SUBSCRIBE_ONLY, "c", "t")),  # same cache + topic
    ],
)
def test_duplicate_or_conflicting_entries_for_one_target_are_refused(pair: tuple[Grant, Grant]) -> None:
    with pytest.raises(InvalidArgument, match=r"permissions\[1\]: duplicate or conflicting .* permissions\[0\]"):
        validate(perms(*pair), disposable=True)


def test_different_targets_on_one_cache_are_not_conflicts() -> None:
    validate(
        perms(
            cache(R.CACHE_READ_ONLY, "c"),
            cache(R.CACHE_READ_WRITE, "c", b"k"),
            cache(R.CACHE_READ_WRITE, "c", b"k", prefix=True),
            topic(R.TOPIC_PUBLISH_ONLY, "c", "t"),
            topic(R.TOPIC_PUBLISH_ONLY, "c", "u"),
            Grant(R.FUNCTION_INVOKE),
        ),
        disposable=True,
    )


# --- JSON form ----------------------------------------------------------------------------


def test_json_round_trip_keeps_every_selector_kind() -> None:
    original = perms(
        cache(R.CACHE_READ_WRITE, "c", b"\xff\x00bin", prefix=True),
        topic(R.TOPIC_SUBSCRIBE_ONLY, None, "t"),
        Grant(R.FUNCTION_INVOKE, Selector("c"), Selector("f", prefix=True)),
    )
    assert from_json(to_json(original)) == original
    assert from_json(to_json(SUPER_USER)) == SUPER_USER


@pytest.mark.parametrize(
    "document",
    [
        {},
        [{"role": "bogus"}],
        [{"role": "cache-read-only"}],
        "admin",
        [{"role": "cache-read-only", "cache": 7, "target": None}],
        [{"role": "cache-read-only", "cache": "c", "target": {"value": "items are bytes", "prefix": True}}],
        [{"role": "topic-subscribe-only", "cache": "c", "target": {"bytes": "dA==", "prefix": False}}],
        [{"role": "function-invoke", "cache": "c", "target": {"value": 7, "prefix": False}}],
        [{"role": "topic-subscribe-only", "cache": "c", "target": {"value": "t", "prefix": "yes"}}],
        [{"role": "cache-read-only", "cache": "c", "target": {"bytes": 7, "prefix": False}}],
        # base64 only when characters outside the alphabet are skipped, which they are not
        [{"role": "cache-read-only", "cache": "c", "target": {"bytes": "dA*==", "prefix": False}}],
        ["cache-read-only"],
    ],
)
def test_malformed_json_permissions_are_refused(document: object) -> None:
    with pytest.raises(InvalidArgument, match="permissions: malformed"):
        from_json(document)
