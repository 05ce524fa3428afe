"""The core's value rules at their boundaries, and the exact words they use: permissions, keys, clock."""

from __future__ import annotations

import base64
import json

import pytest

from emulator.core.clock import MAX_INSTANT, Clock, ClockMode, check_instant, epoch_of, parse_instant, to_iso
from emulator.core.credentials import Credential, Kind
from emulator.core.errors import InvalidArgument, Unauthenticated
from emulator.core.keys import VERIFIED_KEYS_CACHED, Entropy, KeyCodec, unwrap, wrap
from emulator.core.permissions import SUPER_USER, Grant, Permissions, Role, Selector, from_json, validate
from tests.builders import START
from tests.core.grants import R, cache, perms, topic

# --- permissions ---------------------------------------------------------------------------


def test_names_and_keys_at_their_limits_are_allowed() -> None:
    validate(perms(cache(R.CACHE_READ_ONLY, "c" * 255, b"k" * 4096)), disposable=True)
    validate(perms(topic(R.TOPIC_PUBLISH_ONLY, "c", "t" * 255, prefix=True)), disposable=True)


@pytest.mark.parametrize(
    ("permissions", "disposable", "message"),
    [
        (SUPER_USER, True, "permissions.super_user: disposable tokens take explicit permissions only"),
        (perms(), False, "permissions.explicit.permissions: must not be empty"),
        (
            perms(Grant(R.CACHE_READ_ONLY, Selector("c", prefix=True))),
            True,
            "permissions.explicit.permissions[0].cache_permissions.cache_selector: cache prefixes are not supported",
        ),
        (
            perms(topic(R.TOPIC_PUBLISH_ONLY, "c", "t" * 256)),
            True,
            "permissions.explicit.permissions[0].topic_permissions.topic_selector.topic_name: 256 long; at most 255 "
            "allowed",
        ),
        (
            perms(Grant(R.FUNCTION_INVOKE, Selector("c"), Selector("", prefix=True))),
            True,
            "permissions.explicit.permissions[0].function_permissions.function_selector.function_name_prefix: "
            "must not be empty",
        ),
    ],
)
def test_refusals_in_their_exact_words(permissions: Permissions, disposable: bool, message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate(permissions, disposable=disposable)
    assert refused.value.message == message


ITEMS, TOPICS = "cache-read-only", "topic-subscribe-only"
SELECTOR_VALUE = "a topic or function selector's 'value' is a string"


@pytest.mark.parametrize(
    ("document", "why"),
    [
        ({}, "expected a list of grants or 'super_user'"),
        ([7], "a grant is an object"),
        ([{"role": "cache-read-only", "cache": 7, "target": None}], "a cache name is a string or null"),
        ([{"role": ITEMS, "cache": "c", "target": 5}], "a selector is null or an object with a boolean 'prefix'"),
        ([{"role": ITEMS, "cache": "c", "target": {"prefix": True}}], "an item selector's 'bytes' is a base64 string"),
        ([{"role": TOPICS, "cache": "c", "target": {"prefix": True}}], SELECTOR_VALUE),
    ],
)  # fmt: skip
def test_malformed_permission_documents_say_why(document: object, why: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        from_json(document)
    assert refused.value.message == f"permissions: malformed permission document (TypeError({why!r}))"


def test_item_bytes_in_a_document_must_be_strict_base64() -> None:
    with pytest.raises(InvalidArgument, match="malformed"):
        from_json([{"role": "cache-read-only", "cache": "c", "target": {"bytes": "a*b=", "prefix": False}}])


def test_descriptions_show_bytes_escaped_and_name_prefixes() -> None:
    assert Selector(b"\xffk").describe("item") == "item '\\\\xffk'"
    assert Selector("news-", prefix=True).describe("topic") == "topics with prefix 'news-'"
    assert Selector().describe("cache") == "all caches"
    grant = Grant(Role.TOPIC_SUBSCRIBE_ONLY, Selector("c"), Selector("t"))
    assert grant.describe() == "topic-subscribe-only on cache 'c', topic 't'"
    assert Permissions(grants=(grant, Grant(Role.FUNCTION_INVOKE))).describe() == (
        "topic-subscribe-only on cache 'c', topic 't'; function-invoke on all caches, all functions"
    )
    assert SUPER_USER.describe() == "super-user"


# --- keys ----------------------------------------------------------------------------------


def credential(key_id: str) -> Credential:
    return Credential(key_id, Kind.API_KEY, SUPER_USER, START, None)


def test_a_random_secret_is_32_bytes_and_ids_have_the_asked_length() -> None:
    assert len(Entropy(None).secret()) == 32 and len(Entropy("s").secret()) == 32
    assert len(Entropy(None).token(8)) == 16
    assert Entropy("s").token(8) == Entropy("s").token(8) != Entropy("t").token(8)


def test_the_verified_key_cache_holds_exactly_its_size_and_evicts_the_oldest() -> None:
    codec = KeyCodec(b"s" * 32, "e.test")
    keys = [codec.encode(credential(f"{i:016x}")) for i in range(VERIFIED_KEYS_CACHED + 1)]
    remembered = codec._verified
    assert len(remembered) == VERIFIED_KEYS_CACHED
    assert keys[0] not in remembered and keys[1] in remembered and keys[-1] in remembered
    assert codec.decode(keys[1])["jti"] == f"{1:016x}"
    assert next(reversed(remembered)) == keys[1]  # a hit is the most recently used


def test_a_signed_token_whose_key_id_is_not_a_string_is_refused() -> None:
    import jwt

    forged = jwt.encode({"jti": 5, "knd": "api_key"}, b"s" * 32, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        KeyCodec(b"s" * 32, "e.test").decode(forged)


def test_wrap_and_unwrap() -> None:
    wrapped = wrap("eyA.B.C", "e.test")
    assert json.loads(base64.b64decode(wrapped)) == {"endpoint": "e.test", "api_key": "eyA.B.C"}
    assert unwrap(wrapped) == "eyA.B.C"
    assert unwrap("eyA.B.C.D") == "eyA.B.C.D"  # not a JWT and not base64: left alone
    not_strict = base64.b64encode(json.dumps({"api_key": "x"}).encode()).decode() + "!"
    assert unwrap(not_strict) == not_strict
    for document in ([1], {"api_key": 5}, "text"):
        encoded = base64.b64encode(json.dumps(document).encode()).decode()
        assert unwrap(encoded) == encoded


# --- clock ---------------------------------------------------------------------------------


def test_the_range_of_instants_is_inclusive_at_both_ends() -> None:
    check_instant(0)
    check_instant(MAX_INSTANT)
    with pytest.raises(InvalidArgument) as refused:
        check_instant(-0.5)
    assert refused.value.message == (
        f"time: -0.5 is outside the range the emulator supports (1970 to {to_iso(MAX_INSTANT)})"
    )


def test_iso_text_shows_microseconds_only_when_there_are_some() -> None:
    assert to_iso(START) == "2030-01-01T00:00:00Z"
    assert to_iso(START + 0.25) == "2030-01-01T00:00:00.250000Z"


def test_parse_instant_takes_a_lower_case_z_and_names_its_default_field() -> None:
    assert parse_instant("2030-01-01t00:00:00z") == START
    with pytest.raises(InvalidArgument) as refused:
        parse_instant("soon")
    assert refused.value.message == "time: 'soon' is not an ISO 8601 instant"


def test_a_naive_datetime_is_utc() -> None:
    from datetime import datetime

    assert epoch_of(datetime(2030, 1, 1)) == START


def test_setting_the_clock_to_now_is_allowed_and_a_start_of_none_is_the_host_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(ClockMode.MANUAL, START)
    assert clock.set(START) == START == clock.now()
    monkeypatch.setattr("emulator.core.clock.wall_time", lambda: START + 0.75)
    assert Clock(ClockMode.MANUAL).now() == START
    assert Clock(ClockMode.SYSTEM).now() == START + 0.75  # the host's clock exactly


# --- settings and credentials -----------------------------------------------------------------


def test_whole_number_settings_are_allowed_at_both_ends_of_their_range() -> None:
    from emulator.core.config import Settings

    low = Settings(max_disposable_ttl=1, login_ttl=1, expired_retention=0, journal_size=1)
    high = Settings(max_disposable_ttl=2**32 - 1, login_ttl=2**32 - 1, expired_retention=2**32 - 1, journal_size=10**7)
    assert (low.journal_size, high.journal_size) == (1, 10**7)


def test_settings_refusals_in_their_exact_words() -> None:
    from emulator.core.config import Settings

    with pytest.raises(InvalidArgument) as refused:
        Settings(super_user_key=" ")
    assert refused.value.message == "super_user_key: must not be blank"
    with pytest.raises(InvalidArgument) as refused:
        Settings(clock_mode="fast")  # type: ignore[arg-type]
    assert refused.value.message == "clock_mode: 'fast' is not one of manual, system"


def test_a_credential_says_what_it_is_and_why_it_cannot_be_used() -> None:
    live = Credential("k", Kind.API_KEY, SUPER_USER, START, int(START) + 60)
    assert (live.status(START), live.unusable_because(START)) == ("active", "")
    assert (live.status(START + 60), live.unusable_because(START + 60)) == ("expired", "the credential expired")
    live.revoked_at = START
    assert (live.status(START), live.unusable_because(START)) == ("revoked", "the credential was revoked")


def test_a_grant_that_does_not_apply_is_skipped_and_a_later_one_decides() -> None:
    from emulator.core.authorization import authorize

    skipped = [
        topic(R.TOPIC_PUBLISH_SUBSCRIBE),  # another resource
        cache(R.CACHE_READ_WRITE, "other"),  # another cache
        cache(R.CACHE_READ_WRITE, "c", b"k"),  # narrowed to a key, none given
    ]
    for first in skipped:
        decision = authorize(perms(first, cache(R.CACHE_READ_ONLY, "c")), "get", "c")
        assert decision.allowed and decision.grant_index == 1, first
    denied = authorize(perms(cache(R.CACHE_READ_WRITE, "c", b"k")), "get", "c")
    assert denied.reason == "permissions[0] is limited to item 'k'; no key was given"
    assert authorize(perms(cache(R.CACHE_READ_ONLY)), "create-cache", "").reason == (
        "create-cache is a control-plane operation; only super-user keys may call it"
    )
    with pytest.raises(InvalidArgument) as refused:
        authorize(SUPER_USER, "get", "")
    assert refused.value.message == "cache: must not be empty"
    assert authorize(perms(topic(R.TOPIC_PUBLISH_ONLY, "c")), "get", "c").reason == "no permission covers cache 'c'"
