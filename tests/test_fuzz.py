"""Fuzzing the wire: whatever arrives, every answer is a deliberate status, never INTERNAL or UNKNOWN.

One emulator serves a whole module; each property is bounded (``max_examples``) so the file runs
in seconds. Admin examples can move the clock, import state or add faults, so each one is
followed by a sweep (read-only calls must still answer deliberately, and a freshly logged-in
session must still mint a key) and a reset.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from momento_wire_types import auth_pb2, token_pb2
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import Settings, ThreadedEmulatorServer, local_control, remote_control
from emulator._generated import admin_pb2, admin_pb2_grpc
from emulator.core.authorization import ACTIONS
from emulator.core.clock import to_iso
from emulator.services.rpc import MAX_JOURNALED_REQUEST_BYTES, MAX_MOMENTO_REQUEST_BYTES
from tests.builders import PT, START, api_key_request, disposable_request, refresh_request
from tests.hostile import (
    ADMIN_REQUESTS,
    DELIBERATE,
    GENERATE_API_TOKEN,
    GENERATE_DISPOSABLE_TOKEN,
    LOGIN,
    MOMENTO_REQUESTS,
    REFRESH_API_TOKEN,
    raw_call,
)

ADMIN = "/momento_emulator.admin.v1.Admin/"
ALL_PATHS = sorted({**MOMENTO_REQUESTS, **ADMIN_REQUESTS})
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HUGE = "\u00e9" * 300_000 + "x" * 200_000  # ~800 KB of UTF-8: under the 1 MiB limit, far over every field limit


class Fuzz:
    """One emulator, a channel onto it, and credentials it holds (replaced by each ``reset``)."""

    def __init__(self, server: ThreadedEmulatorServer, channel: grpc.Channel) -> None:
        self.server = server
        self.channel = channel
        self.control = local_control(server.emulator)
        self.credentials: dict[str, str] = {}

    def reset(self) -> None:
        """Fresh state, and fresh credentials for the strategies."""
        bootstrap = self.control.reset()
        key = self.ok(
            GENERATE_API_TOKEN, api_key_request(bootstrap.raw_session_token), auth_pb2._GenerateApiTokenResponse
        )
        token = self.ok(
            GENERATE_DISPOSABLE_TOKEN,
            disposable_request(bootstrap.raw_session_token),
            token_pb2._GenerateDisposableTokenResponse,
        )
        self.credentials = {
            "session": bootstrap.raw_session_token,
            "session_b64": bootstrap.session_token,
            "super_user": bootstrap.raw_api_key,
            "explicit": key.api_key,
            "refresh": key.refresh_token,
            "disposable": token.api_key,
        }

    def texts(self) -> st.SearchStrategy[str]:
        """Strings for any string field: odd ones, huge ones, and credentials the emulator holds.

        The credentials are looked up when drawn (``.map``), so they are those of the latest ``reset``.
        """
        credentials = st.sampled_from(sorted(self.credentials)).map(lambda name: self.credentials[name])
        return st.one_of(
            st.text(max_size=40),
            st.sampled_from(["", " ", "\t\n", "\x00", "super_user", "*", "\U0001f600", "a" * 65, "a" * 256, HUGE]),
            credentials,
            credentials.map(lambda key: key[:-1]),  # a truncated, hence forged, credential
        )

    def valid_bodies(self) -> dict[str, bytes]:
        """One well-formed request per Momento RPC, to mutate."""
        return {
            GENERATE_API_TOKEN: api_key_request(self.credentials["session"]).SerializeToString(),
            REFRESH_API_TOKEN: refresh_request(
                self.credentials["explicit"], self.credentials["refresh"]
            ).SerializeToString(),
            LOGIN: b"",
            GENERATE_DISPOSABLE_TOKEN: disposable_request(self.credentials["session"]).SerializeToString(),
        }

    def ok(self, path: str, request: Message, response_type: Any) -> Any:
        call = self.channel.unary_unary(path, response_deserializer=response_type.FromString)
        return call(request.SerializeToString(), timeout=10)

    def mint(self, path: str, request: Message) -> tuple[grpc.StatusCode, str, Any]:
        """Send a mint request; its status, details and (when OK) decoded response."""
        call = self.channel.unary_unary(path, response_deserializer=MINTS[path].FromString)
        try:
            return grpc.StatusCode.OK, "", call(request.SerializeToString(), timeout=10)
        except grpc.RpcError as error:
            assert error.code() in DELIBERATE, f"{path} answered {error.code().name}: {error.details()}"
            return error.code(), error.details() or "", None

    def send(self, path: str, body: bytes) -> tuple[grpc.StatusCode, str]:
        code, details = raw_call(self.channel, path, body)
        assert code in DELIBERATE, f"{path} answered {code.name}: {details}"
        return code, details

    def login(self) -> str:
        """A session token from Login, which needs no credential."""
        call = self.channel.unary_stream(LOGIN, response_deserializer=auth_pb2._LoginResponse.FromString)
        [logged_in] = [r.logged_in for r in call(b"", timeout=10) if r.HasField("logged_in")]
        return str(logged_in.session_token)

    def sweep(self) -> None:
        """Everything read-only still answers deliberately, and so does a mint by the session token
        from before; then a Momento call works: a fresh login's session token mints a key."""
        for name in ("ListKeys", "ExportState", "GetJournal", "ListFaults", "GetClock", "GetBootstrap"):
            request = admin_pb2.ListKeysRequest(include_inactive=True) if name == "ListKeys" else b""
            body = request if isinstance(request, bytes) else request.SerializeToString()
            self.send(ADMIN + name, body)
        # Injected faults are deliberate, but not the fuzzer's subject.
        assert self.send(ADMIN + "ClearFaults", b"")[0] == grpc.StatusCode.OK
        # The old session token may be revoked or imported away by now: any deliberate answer will do.
        self.send(GENERATE_API_TOKEN, api_key_request(self.credentials["session"]).SerializeToString())
        code, details = self.send(GENERATE_API_TOKEN, api_key_request(self.login()).SerializeToString())
        assert code == grpc.StatusCode.OK, f"after the sweep a fresh session could not mint: {details}"

    def assert_alive(self) -> None:
        """The server answers a health check and a valid call."""
        health = health_pb2_grpc.HealthStub(self.channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        self.reset()
        self.ok(
            GENERATE_DISPOSABLE_TOKEN,
            disposable_request(self.credentials["session"]),
            token_pb2._GenerateDisposableTokenResponse,
        )


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START)) as running:
        yield running


@pytest.fixture
def fuzz(fuzz_server: ThreadedEmulatorServer) -> Iterator[Fuzz]:
    with grpc.insecure_channel(fuzz_server.target) as channel:
        harness = Fuzz(fuzz_server, channel)
        harness.reset()
        yield harness
        harness.assert_alive()


# Our limits on the mint requests' free-text fields (emulator/core/state.py).
FIELD_LIMITS = {"token_id": 64, "description": 1024}
MINTS = {
    GENERATE_API_TOKEN: auth_pb2._GenerateApiTokenResponse,
    GENERATE_DISPOSABLE_TOKEN: token_pb2._GenerateDisposableTokenResponse,
}


def assert_described_as_minted(fuzz: Fuzz, request: Any, response: Any) -> None:
    """The admin API's description of a freshly minted key matches the request and the response."""
    info = admin_pb2_grpc.AdminStub(fuzz.channel).DescribeKey(admin_pb2.KeyRequest(key=response.api_key), timeout=10)
    never = request.WhichOneof("expiry") == "never" if hasattr(request, "never") else False
    assert info.kind == (
        "disposable_token" if isinstance(request, token_pb2._GenerateDisposableTokenRequest) else "api_key"
    )
    assert (info.status, info.token_id) == ("active", request.token_id)
    assert info.description == getattr(request, "description", "")
    assert info.valid_for_seconds == (0 if never else request.expires.valid_for_seconds)
    assert info.valid_until == ("" if never else to_iso(response.valid_until))
    assert response.valid_until == (0 if never else START + request.expires.valid_for_seconds)
    assert info.refreshable is bool(getattr(response, "refresh_token", "")) is (info.kind == "api_key" and not never)


# --- strategies -----------------------------------------------------------------------------

enum_ints = st.one_of(st.integers(0, 4), st.integers(-(2**31), 2**31 - 1))
_INTS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}


def scalar(fd: FieldDescriptor, texts: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    if fd.type == FieldDescriptor.TYPE_STRING:
        if fd.name == "action":
            return st.one_of(st.sampled_from(sorted(ACTIONS)), texts)
        return texts
    if fd.type == FieldDescriptor.TYPE_BYTES:
        return st.one_of(st.binary(max_size=64), st.just(b"\x00" * 5000))
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return enum_ints
    if fd.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        small = st.floats(-1e6, 1e6) if fd.type == FieldDescriptor.TYPE_DOUBLE else st.floats(-1e6, 1e6, width=32)
        return st.one_of(small, st.floats(allow_nan=True, allow_infinity=True, width=64 if fd.type == 1 else 32))
    low, high = _INTS[fd.type]
    return st.one_of(st.integers(low, high), st.integers(0, 100_000))


def messages(cls: Any, texts: st.SearchStrategy[str], depth: int = 0) -> st.SearchStrategy[Message]:
    """Any message of type ``cls``: random subsets of fields, random values (strings from ``texts``),
    nested up to 4 deep."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for fd in cls.DESCRIPTOR.fields:
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            if depth >= 4:
                continue
            value: st.SearchStrategy[Any] = st.deferred(
                lambda fd=fd: messages(fd.message_type._concrete_class, texts, depth + 1)
            )
        else:
            value = scalar(fd, texts)
        is_repeated = fd.is_repeated
        fields[fd.name] = st.lists(value, max_size=12 if fd.name == "permissions" else 3) if is_repeated else value

    def build(chosen: dict[str, Any]) -> Message:
        message = cls()
        for name, value in chosen.items():
            target = getattr(message, name, None)
            if isinstance(value, list):
                target.extend(value)
            elif isinstance(value, Message):
                target.CopyFrom(value)
            else:
                setattr(message, name, value)
        return message

    return st.fixed_dictionaries({}, optional=fields).map(build)


def mutate(body: bytes, data: st.DataObject) -> bytes:
    """Flip, insert, delete or truncate bytes of a valid encoding."""
    out = bytearray(body)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate", "varint"]))
        where = data.draw(st.integers(0, max(len(out) - 1, 0)))
        if op == "flip" and out:
            out[where] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "insert":
            out[where:where] = data.draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and out:
            del out[where : where + data.draw(st.integers(1, 8))]
        elif op == "truncate":
            del out[where:]
        else:  # an over-long length or tag varint
            out[where:where] = b"\xff\xff\xff\xff\x0f"
    return bytes(out)


# --- Momento RPCs ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(MOMENTO_REQUESTS))
@BOUNDED
@given(data=st.data())
def test_generated_momento_requests_get_deliberate_statuses(fuzz: Fuzz, path: str, data: st.DataObject) -> None:
    """Random field values, unknown enum values and wide permission lists never escape as INTERNAL;
    an oversized field is never accepted, and an accepted mint is exactly what the admin API describes."""
    request = data.draw(messages(MOMENTO_REQUESTS[path], fuzz.texts()))
    if path not in MINTS:
        fuzz.send(path, request.SerializeToString())
        return
    code, details, response = fuzz.mint(path, request)
    oversized = [name for name, limit in FIELD_LIMITS.items() if len(getattr(request, name, "")) > limit]
    assert not (oversized and code == grpc.StatusCode.OK), f"{path} accepted oversized {oversized}"
    if code == grpc.StatusCode.OK:
        assert_described_as_minted(fuzz, request, response)


@BOUNDED
@given(
    disposable=st.booleans(),
    caller=st.sampled_from(["session", "super_user"]),
    token_id=st.one_of(st.text(max_size=70), st.sampled_from(["t" * 64, "t" * 65, "\u00e9" * 65])),
    description=st.one_of(st.text(max_size=20), st.sampled_from(["d" * 1024, "d" * 1025])),
    ttl=st.one_of(st.none(), st.integers(1, 4000), st.sampled_from([3600, 3601])),
)
def test_mints_near_their_limits_are_refused_or_described_exactly(
    fuzz: Fuzz, disposable: bool, caller: str, token_id: str, description: str, ttl: int | None
) -> None:
    """Valid mints with fields around their limits: an oversized field is never OK (and is named), and
    an OK mint is exactly what the admin API describes."""
    auth_token = fuzz.credentials[caller]
    if disposable:
        path, request = GENERATE_DISPOSABLE_TOKEN, disposable_request(auth_token, ttl=ttl or 60, token_id=token_id)
    else:
        path = GENERATE_API_TOKEN
        request = api_key_request(auth_token, ttl=ttl, token_id=token_id, description=description)
    code, details, response = fuzz.mint(path, request)
    refused = [name for name, limit in FIELD_LIMITS.items() if len(getattr(request, name, "")) > limit]
    if disposable and (ttl or 60) > 3600:
        refused.append("expires.valid_for_seconds")
    if refused:  # never OK, and the refusal names one of the fields out of bounds
        assert code == grpc.StatusCode.INVALID_ARGUMENT and details.split(":")[0] in refused, details
    else:
        assert code == grpc.StatusCode.OK, details
        assert_described_as_minted(fuzz, request, response)


@pytest.mark.parametrize("path", sorted(MOMENTO_REQUESTS))
@BOUNDED
@given(data=st.data())
def test_mutated_momento_requests_get_deliberate_statuses(fuzz: Fuzz, path: str, data: st.DataObject) -> None:
    """Bit flips, insertions, deletions and truncations of a valid request are answered deliberately."""
    fuzz.send(path, mutate(fuzz.valid_bodies()[path], data))


@BOUNDED
@given(path=st.sampled_from(ALL_PATHS), body=st.binary(max_size=512))
def test_random_bytes_get_deliberate_statuses(fuzz: Fuzz, path: str, body: bytes) -> None:
    """Arbitrary bytes as the body of any RPC, Momento or admin."""
    fuzz.send(path, body)
    if path.startswith(ADMIN):
        fuzz.sweep()
        fuzz.reset()


def test_bodies_that_do_not_decode_are_invalid_argument(fuzz: Fuzz) -> None:
    """A truncated varint, invalid UTF-8 in a string, or a wrong wire type: INVALID_ARGUMENT, not UNKNOWN."""
    for path in sorted(MOMENTO_REQUESTS):
        for body in (b"\x08", b"\x0a\x02\xff\xfe", b"\x1a\x05ab", b"\x0f"):
            if path == LOGIN and body == b"\x0a\x02\xff\xfe":
                continue  # _LoginRequest has no fields: field 1 is an unknown field, which is fine
            code, _ = fuzz.send(path, body)
            assert code == grpc.StatusCode.INVALID_ARGUMENT, (path, body)


def test_wide_and_deep_messages_are_refused_without_a_crash(fuzz: Fuzz) -> None:
    """50,000 permission objects, and groups nested 10,000 deep, are refused deliberately."""
    wide = api_key_request(fuzz.credentials["session"])
    grant = PT(cache_permissions=PT.CachePermissions(role=pm.CacheReadOnly, all_caches=PT.All()))
    wide.permissions.explicit.permissions.extend([grant] * 50_000)
    assert len(wide.SerializeToString()) < MAX_MOMENTO_REQUEST_BYTES
    code, details = fuzz.send(GENERATE_API_TOKEN, wide.SerializeToString())
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "at most 10" in details

    deep = b"\x7b" * 10_000 + b"\x7c" * 10_000  # unknown field 15 as groups nested 10,000 deep
    for path in sorted(MOMENTO_REQUESTS):
        fuzz.send(path, deep)


@pytest.mark.parametrize("path", ALL_PATHS)
def test_oversized_messages_are_refused_with_resource_exhausted(fuzz: Fuzz, path: str) -> None:
    """A body over the 1 MiB limit is refused by the server, which keeps serving."""
    body = b"\x1a\x80\x80\x50" + b"x" * (MAX_MOMENTO_REQUEST_BYTES + 100)
    code, details = fuzz.send(path, body)
    assert code in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INVALID_ARGUMENT), details


def test_huge_strings_in_every_string_field_are_refused_deliberately(fuzz: Fuzz) -> None:
    """~800 KB strings in each string field of each request; error details stay small enough to deliver."""
    for path, cls in sorted({**MOMENTO_REQUESTS, **ADMIN_REQUESTS}.items()):
        for fd in cls.DESCRIPTOR.fields:
            if fd.type != FieldDescriptor.TYPE_STRING or fd.is_repeated:
                continue
            base = fuzz.valid_bodies().get(path, b"")
            request = cls.FromString(base)
            setattr(request, fd.name, HUGE)
            code, details = fuzz.send(path, request.SerializeToString())
            # RESOURCE_EXHAUSTED here would mean details too large for a header, not a refused request.
            assert code != grpc.StatusCode.RESOURCE_EXHAUSTED, (path, fd.name, details[:200])
            if path in MOMENTO_REQUESTS:  # every Momento string field has a limit far below 800 KB
                assert code != grpc.StatusCode.OK, (path, fd.name)
            assert len(details) < 4096
            if path.startswith(ADMIN):
                fuzz.sweep()
                fuzz.reset()


def test_deeply_nested_json_in_a_credential_is_unauthenticated(fuzz: Fuzz) -> None:
    """A 'base64 JSON' credential nested 100,000 deep is a bad credential, not a crash."""
    import base64

    for document in (b"[" * 100_000, b'{"api_key":' * 50_000):
        key = base64.b64encode(document).decode()
        code, _ = fuzz.send(GENERATE_API_TOKEN, api_key_request(key).SerializeToString())
        assert code == grpc.StatusCode.UNAUTHENTICATED
        code, _ = fuzz.send(ADMIN + "DescribeKey", admin_pb2.KeyRequest(key=key).SerializeToString())
        assert code == grpc.StatusCode.NOT_FOUND


def test_non_ascii_refresh_token_is_unauthenticated(fuzz: Fuzz) -> None:
    """A refresh token with non-ASCII characters is a wrong refresh token (it crashed compare_digest)."""
    request = refresh_request(fuzz.credentials["explicit"], "\u00e9" * 48)
    code, _ = fuzz.send(REFRESH_API_TOKEN, request.SerializeToString())
    assert code == grpc.StatusCode.UNAUTHENTICATED


# --- admin RPCs -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(ADMIN_REQUESTS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_admin_requests_get_deliberate_statuses(fuzz: Fuzz, path: str, data: st.DataObject) -> None:
    """Every admin RPC with random fields; afterwards every read-only admin call still answers."""
    request = data.draw(messages(ADMIN_REQUESTS[path], fuzz.texts()))
    try:
        fuzz.send(path, request.SerializeToString())
        fuzz.sweep()
    finally:
        fuzz.reset()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**400, -1, 2**63, 0, 1e308, -1e308])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["super_user", "api_key", "session_token", "disposable_token", "manual", "system"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_state_documents_import_or_are_refused(fuzz: Fuzz, data: st.DataObject) -> None:
    """A real export with one value replaced or removed: imported or INVALID_ARGUMENT, and never a
    state that later breaks ListKeys, ExportState or a Momento call."""
    fuzz.reset()  # the same document shape in every example
    key_id = fuzz.control.keys()[0].key_id
    fuzz.control.add_fault("GenerateApiToken", "UNAVAILABLE", count=1, key_id=key_id)
    document = fuzz.control.export_state()
    path = data.draw(st.sampled_from([p for p in _paths(document) if p]))
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(json_values)
    try:
        code, _ = fuzz.send(
            ADMIN + "ImportState", admin_pb2.StateDocument(json=json.dumps(document)).SerializeToString()
        )
        if code == grpc.StatusCode.OK:
            assert_round_trips(fuzz, document)
        fuzz.sweep()
        for key in list(fuzz.credentials.values()):
            fuzz.send(ADMIN + "DescribeKey", admin_pb2.KeyRequest(key=key).SerializeToString())
            request = admin_pb2.AuthorizeRequest(key=key, action="get", cache="c", item=b"k")
            fuzz.send(ADMIN + "Authorize", request.SerializeToString())
            fuzz.send(GENERATE_DISPOSABLE_TOKEN, disposable_request(key).SerializeToString())
    finally:
        fuzz.reset()


def assert_round_trips(fuzz: Fuzz, imported: dict[str, Any]) -> None:
    """What was imported exports again with the same credentials, and that export imports to itself."""
    admin = admin_pb2_grpc.AdminStub(fuzz.channel)
    exported = json.loads(admin.ExportState(admin_pb2.ExportStateRequest(), timeout=10).json)
    assert [c["key_id"] for c in exported["credentials"]] == [c["key_id"] for c in imported["credentials"]]
    for name in ("secret", "session_token", "super_user_key"):
        assert exported[name] == imported[name], name
    admin.ImportState(admin_pb2.StateDocument(json=json.dumps(exported)), timeout=10)
    again = json.loads(admin.ExportState(admin_pb2.ExportStateRequest(), timeout=10).json)
    if exported["clock"]["mode"] == "system":  # a running clock moves between the two exports
        del exported["clock"]["now"], again["clock"]["now"]
    assert again == exported


def test_an_unmutated_export_round_trips(fuzz: Fuzz) -> None:
    """The oracle of the property above holds for the document as exported, faults and revocations included."""
    fuzz.control.add_fault("GenerateApiToken", "UNAVAILABLE", count=1, key_id=fuzz.control.keys()[0].key_id)
    fuzz.control.revoke_key(fuzz.credentials["explicit"])
    document = fuzz.control.export_state()
    code, _ = fuzz.send(ADMIN + "ImportState", admin_pb2.StateDocument(json=json.dumps(document)).SerializeToString())
    assert code is grpc.StatusCode.OK
    assert_round_trips(fuzz, document)


def test_deeply_nested_state_document_is_invalid_argument(fuzz: Fuzz) -> None:
    """ImportState of JSON nested 100,000 deep is refused, not a RecursionError escaping as INTERNAL."""
    code, _ = fuzz.send(ADMIN + "ImportState", admin_pb2.StateDocument(json="[" * 100_000).SerializeToString())
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_out_of_range_clock_instants_are_invalid_argument(fuzz: Fuzz) -> None:
    """Instants before 1970 or beyond the supported range are refused, including in ISO text."""
    requests = [
        admin_pb2.SetClockRequest(time="0001-01-01T00:00:00+01:00"),
        admin_pb2.SetClockRequest(time="9999-12-31T23:59:59-23:59"),
        admin_pb2.SetClockRequest(epoch_seconds=-1e300),
        admin_pb2.SetClockRequest(epoch_seconds=1e300),
    ]
    for request in requests:
        code, _ = fuzz.send(ADMIN + "SetClock", request.SerializeToString())
        assert code == grpc.StatusCode.INVALID_ARGUMENT, request
    code, _ = fuzz.send(ADMIN + "AdvanceClock", admin_pb2.AdvanceClockRequest(seconds=1e300).SerializeToString())
    assert code == grpc.StatusCode.INVALID_ARGUMENT


# --- the journal stays readable -----------------------------------------------------------


def test_huge_requests_do_not_make_the_journal_unreadable(fuzz: Fuzz) -> None:
    """Huge requests are journaled as their size and long fields are shortened, so `journal` stays usable."""
    fuzz.control.clear_journal()
    request = disposable_request(fuzz.credentials["session"])
    request.token_id = "x" * 800_000
    for _ in range(6):
        code, _ = fuzz.send(GENERATE_DISPOSABLE_TOKEN, request.SerializeToString())
        assert code == grpc.StatusCode.INVALID_ARGUMENT
    request.token_id = "y" * 3_000  # small enough to be kept, long enough to be shortened
    assert fuzz.send(GENERATE_DISPOSABLE_TOKEN, request.SerializeToString())[0] == grpc.StatusCode.INVALID_ARGUMENT
    with remote_control(fuzz.server.target) as control:
        entries = control.journal()
    assert len(entries) == 7
    assert all(len(json.dumps(entry.to_json())) < 4096 for entry in entries)
    omitted = entries[0].request["omitted"]
    assert omitted.endswith(f"-byte request; requests over {MAX_JOURNALED_REQUEST_BYTES} bytes are not kept")
    assert entries[-1].request["token_id"].endswith("[3000 chars]")


def test_a_body_that_does_not_decode_is_journaled_without_a_request(fuzz: Fuzz) -> None:
    """Its refusal is journaled with an empty request, beside a call whose request is shown."""
    fuzz.control.clear_journal()
    assert fuzz.send(GENERATE_DISPOSABLE_TOKEN, b"\xff\xff\xff")[0] == grpc.StatusCode.INVALID_ARGUMENT
    decodable = disposable_request(fuzz.credentials["session"], token_id="probe")
    assert fuzz.send(GENERATE_DISPOSABLE_TOKEN, decodable.SerializeToString())[0] == grpc.StatusCode.OK
    with remote_control(fuzz.server.target) as control:
        entries = control.journal()
    assert [(entry.code, entry.request.get("token_id")) for entry in entries] == [
        ("INVALID_ARGUMENT", None),
        ("OK", "probe"),
    ]
    assert entries[0].request == {}


def test_a_full_journal_of_wide_requests_is_readable_over_the_admin_api(fuzz: Fuzz) -> None:
    """10,000 journaled requests with ten permissions each (over grpc's default 4 MiB) come back whole."""
    grants = [
        PT(
            cache_permissions=PT.CachePermissions(
                role=pm.CacheReadOnly, cache_selector=PT.CacheSelector(cache_name=name)
            )
        )
        for name in (f"cache-{i}" for i in range(10))
    ]
    request = api_key_request(fuzz.credentials["session"])
    del request.permissions.explicit.permissions[:]
    request.permissions.explicit.permissions.extend(grants)
    journal = fuzz.server.emulator.state.journal
    journal.clear()
    for _ in range(10_000):
        journal.record(
            method=GENERATE_API_TOKEN, emulator_time=START, wall_time=START, caller_kind="session_token",
            key_id="0123456789abcdef", code="OK", details="", latency_ms=0.1, request=request,
        )  # fmt: skip
    with remote_control(fuzz.server.target, timeout=120) as control:  # not a speed test
        entries = control.journal()
    assert len(entries) == 10_000
    assert len(json.dumps([entry.to_json() for entry in entries])) > 4 * 1024 * 1024
