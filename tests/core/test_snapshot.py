"""State export and import without gRPC: the document's shape, a lossless round trip, and each refusal."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from emulator.core.clock import ClockMode
from emulator.core.config import Settings
from emulator.core.errors import InvalidArgument
from emulator.core.faults import rule_from_json
from emulator.core.permissions import Grant, Permissions, Role, Selector
from emulator.core.snapshot import export_state, import_state
from emulator.core.state import State
from tests.builders import START
from tests.core.grants import CATALOG

READ_WRITE = Permissions(grants=(Grant(Role.CACHE_READ_WRITE),))
KEY_SCOPED = Permissions(grants=(Grant(Role.CACHE_READ_ONLY, Selector("c"), Selector(b"\xffk", prefix=True)),))
SETTINGS = Settings(start_time=START, super_user_key="my-fixed-key")


def busy_state() -> State:
    """A state holding one of everything a document carries."""
    state = State(SETTINGS).bootstrap()
    state.generate_api_key(state.session_token, READ_WRITE, 600, token_id="svc", description="the service")
    state.generate_disposable_token(state.session_token, KEY_SCOPED, 60, token_id="pub")
    state.revoke(state.generate_api_key(state.session_token, READ_WRITE, None).api_key)
    state.clock.advance(1.5)
    state.faults.add(rule_from_json({"methods": ["Login"], "code": "UNAVAILABLE", "count": 2, "key_id": "k"}, CATALOG))
    return state


def test_the_document_has_exactly_these_fields() -> None:
    state = busy_state()
    document = export_state(state)
    assert set(document) == {
        "format", "version", "clock", "secret", "session_token", "super_user_key", "static_keys", "credentials",
        "faults", "caches",
    }  # fmt: skip
    assert (document["format"], document["version"]) == ("momento-auth-emulator/state", 2)
    assert document["clock"] == {"mode": "manual", "now": "2030-01-01T00:00:01.500000Z"}
    assert base64.b64decode(document["secret"]) == state.codec.secret
    assert (document["session_token"], document["super_user_key"]) == (state.session_token, "my-fixed-key")
    assert document["static_keys"] == {"my-fixed-key": state.find("my-fixed-key").key_id}
    assert {c["key_id"] for c in document["credentials"]} == {c.key_id for c in state.credentials()}
    assert set(document["credentials"][2]) == {
        "key_id", "kind", "permissions", "issued_at", "valid_until", "valid_for", "token_id", "description",
        "refresh_token", "issued_by", "revoked_at", "signature",
    }  # fmt: skip
    assert document["faults"] == [rule.to_json() for rule in state.faults.rules()]


def test_an_import_restores_every_record_exactly() -> None:
    original = busy_state()
    restored = import_state(export_state(original), SETTINGS, CATALOG)
    assert restored.credentials() == original.credentials()
    assert restored.faults.rules() == original.faults.rules()
    assert (restored.clock.mode, restored.clock.now()) == (ClockMode.MANUAL, START + 1.5)
    assert (restored.session_token, restored.super_user_key) == (original.session_token, "my-fixed-key")
    assert restored.static_keys() == original.static_keys()
    assert export_state(restored) == export_state(original)
    # The restored state answers alike: the same keys authenticate, and refresh tokens still work.
    key = next(c for c in original.credentials() if c.token_id == "svc")
    assert key.refresh_token is not None
    issued = restored.generate_api_key(restored.super_user_key, READ_WRITE, 60)
    assert restored.find(issued.api_key).issued_by == original.find("my-fixed-key").key_id


def test_optional_fields_may_be_left_out() -> None:
    document = export_state(busy_state())
    for name in ("static_keys", "faults"):
        document.pop(name)
    for credential in document["credentials"]:
        for name in ("token_id", "description", "issued_by", "refresh_token", "revoked_at", "valid_until"):
            credential.pop(name)
    document["super_user_key"] = document["session_token"]  # the fixed key is no longer known
    restored = import_state(document, Settings(start_time=START), CATALOG)
    assert all((c.token_id, c.description, c.issued_by) == ("", "", "") for c in restored.credentials())
    assert all((c.refresh_token, c.revoked_at, c.valid_until) == (None, None, None) for c in restored.credentials())
    assert restored.faults.rules() == [] and restored.static_keys() == {}


def test_a_seeded_import_mints_ids_no_imported_credential_has() -> None:
    settings = Settings(start_time=START, seed="s")
    document = export_state(State(settings).bootstrap())
    restored = import_state(document, settings, CATALOG)
    assert restored.settings.seed is not None and restored.settings.seed.startswith("s/import/")
    issued = restored.generate_api_key(restored.session_token, READ_WRITE, 60)
    assert restored.find(issued.api_key).key_id not in {c["key_id"] for c in document["credentials"]}
    assert import_state(document, Settings(start_time=START), CATALOG).settings.seed is None


@pytest.mark.filterwarnings("ignore:The HMAC key is 16 bytes long")
def test_a_secret_of_16_bytes_is_enough() -> None:
    document = export_state(State(SETTINGS).bootstrap())
    document["secret"] = base64.b64encode(b"s" * 16).decode()
    document["static_keys"], document["super_user_key"] = {}, document["session_token"]
    document["credentials"] = [c for c in document["credentials"] if c["kind"] == "session_token"]
    document["credentials"][0]["signature"] = ""
    with pytest.raises(InvalidArgument, match="^session_token: "):
        import_state(document, SETTINGS, CATALOG)  # signed under another secret: its key no longer names it
    document["secret"] = base64.b64encode(b"s" * 15).decode()
    with pytest.raises(InvalidArgument) as refused:
        import_state(document, SETTINGS, CATALOG)
    assert refused.value.message == "secret: a signing secret of at least 16 bytes is required"


DELETE = object()


def item(**fields: object) -> dict[str, object]:
    """Cache "c" holding one scalar item, with ``fields`` changed."""
    return {"name": "c", "items": [{"key": "ZA==", "value": "dg==", "expires_ms": 1, **fields}]}


REFUSALS: list[tuple[tuple[Any, ...], Any, str]] = [
    (("format",), "x", "format: 'x' is not 'momento-auth-emulator/state'"),
    (("version",), "1", "version: '1' is not supported (expected 1 or 2)"),
    (("version",), 3, "version: 3 is not supported (expected 1 or 2)"),
    (("clock",), DELETE, "clock: missing 'clock'"),
    (("clock",), [], "clock: expected an object, got list"),
    (("clock", "now"), "yesterday", "clock.now: 'yesterday' is not an ISO 8601 instant"),
    (("clock", "now"), 5, "clock.now: expected a string, got int"),
    (("secret",), "AAAA", "secret: a signing secret of at least 16 bytes is required"),
    (("secret",), 5, "secret: expected a string, got int"),
    (("secret",), "****" + "A" * 24, "secret: Only base64 data is allowed"),
    (("credentials",), {}, "credentials: expected a list, got dict"),
    (("credentials", 0), [], "credentials[0]: expected an object, got list"),
    (("credentials", 0, "key_id"), 5, "credentials[0]: expected a string, got int"),
    (("credentials", 0, "issued_at"), None, "credentials[0]: issued_at: expected a number from 0 to 249107333503"),
    (("credentials", 0, "issued_at"), DELETE, "credentials[0]: missing 'issued_at'"),
    (
        ("credentials", 0, "valid_until"),
        -1,
        "credentials[0]: valid_until: expected a number from 0 to 253402300799 or null",
    ),
    (
        ("credentials", 0, "valid_for"),
        True,
        "credentials[0]: valid_for: expected a number from 0 to 4294967296 or null",
    ),
    (
        ("credentials", 0, "revoked_at"),
        "x",
        "credentials[0]: revoked_at: expected a number from 0 to 249107333503 or null",
    ),
    (("credentials", 0, "signature"), DELETE, "credentials[0]: missing 'signature'"),
    (("credentials", 0, "description"), 7, "credentials[0]: expected a string, got int"),
    (("credentials", 0, "issued_by"), 7, "credentials[0]: expected a string, got int"),
    (("static_keys",), {"v": 5}, "static_keys: expected a string, got int"),
    (
        ("static_keys",),
        {"v": "0123456789abcdef"},
        "static_keys: key: '0123456789abcdef' is neither a key id nor a key this emulator issued",
    ),
    (
        ("session_token",),
        "nope",
        "session_token: key: 'nope… (4 characters)' is neither a key id nor a key this emulator issued",
    ),
    (("super_user_key",), 5, "super_user_key: expected a string, got int"),
    (
        ("caches",),
        [{"name": "has space", "items": []}],
        "caches[0]: cache_name: 'has space' may hold only printable ASCII characters without spaces",
    ),
    (("caches",), [item(type=[])], "caches[0].items[0]: type: [] is not an item type this build reads"),
    (
        ("caches",),
        [item(expires_ms=-1)],
        "caches[0].items[0]: expires_ms: -1 is not a whole number from 0 to 253402300799000",
    ),
    (("caches",), [item(key="ZA=*")], "caches[0].items[0]: Only base64 data is allowed"),
    (("caches",), [item(value="ZA=*")], "caches[0].items[0]: Only base64 data is allowed"),
    (("faults",), {}, "faults: expected a list, got dict"),
    (("faults",), [5], "faults[0]: expected an object, got int"),
    (("faults",), [{"code": "NOPE"}], "faults[0]: code: 'NOPE' is not a gRPC status name"),
]


@pytest.mark.parametrize(("path", "value", "message"), REFUSALS, ids=[m.split(":")[0] for _, _, m in REFUSALS])
def test_each_bad_field_is_refused_by_name(path: tuple[Any, ...], value: Any, message: str) -> None:
    document = copy.deepcopy(export_state(State(Settings(start_time=START)).bootstrap()))
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    with pytest.raises(InvalidArgument) as refused:
        import_state(document, Settings(start_time=START), CATALOG)
    assert refused.value.message == message


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidArgument) as refused:
        import_state([], Settings(start_time=START), CATALOG)
    assert refused.value.message == "document: must be a JSON object"


def test_each_bound_of_an_imported_number_is_inclusive() -> None:
    document = export_state(busy_state())
    credential = document["credentials"][0]
    credential["revoked_at"], credential["valid_for"] = 0, 2**32
    document["caches"] = [item(expires_ms=0)]
    restored = import_state(document, SETTINGS, CATALOG)
    record = restored.find(credential["key_id"])
    assert (record.revoked_at, record.valid_for) == (0, 2**32)
    assert restored.caches.names() == ["c"] and restored.items.listing("c") == []  # expired at import


def test_an_import_keeps_every_item_live_at_the_documents_instant_however_early() -> None:
    document = export_state(State(SETTINGS).bootstrap())
    document["clock"]["now"] = "1970-01-01T00:00:00Z"
    document["caches"] = [
        {
            "name": "c",
            "items": [
                {"key": "YQ==", "value": "MQ==", "expires_ms": 1},
                {"key": "Yg==", "value": "Mg==", "expires_ms": 2},
            ],
        }
    ]
    restored = import_state(document, SETTINGS, CATALOG)
    assert restored.items.get_batch("c", [b"a", b"b"]) == [b"1", b"2"]


def test_a_seeded_import_restarts_from_the_documents_content_whatever_its_key_order() -> None:
    settings = Settings(start_time=START, seed="s")
    document = export_state(State(settings).bootstrap())
    reordered = dict(reversed(list(document.items())))
    other = export_state(State(Settings(start_time=START, seed="t")).bootstrap())
    seeds = [import_state(d, settings, CATALOG).settings.seed for d in (document, reordered, other)]
    assert seeds[0] == seeds[1] != seeds[2]
