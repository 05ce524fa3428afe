"""The Momento services through a real gRPC channel: success paths, statuses and details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import jwt
import pytest
from momento_wire_types import auth_pb2, auth_pb2_grpc, token_pb2, token_pb2_grpc
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import Control
from tests import builders
from tests.builders import PT, START, cache_grant, explicit, refresh_request, topic_grant
from tests.helpers import Factory, status_of

ALL = PT.All()


def function_grant(role: int = pm.FunctionInvoke, **selector: Any) -> PT:
    target = selector or {"all_functions": ALL}
    return PT(function_permissions=PT.FunctionPermissions(role=role, all_caches=ALL, **target))


SUPER = builders.SUPER_USER


def api_key_request(token: str, permissions: pm.Permissions | None = SUPER, seconds: int | None = 60, **extra: Any):
    """The shared builder's request with these ``permissions`` (``None``: the field left unset)."""
    request = builders.api_key_request(token, ttl=seconds, permissions=permissions or pm.Permissions(), **extra)
    if permissions is None:
        request.ClearField("permissions")
    return request


def disposable_request(token: str, permissions: pm.Permissions | None, seconds: int = 60, **extra: Any):
    """The shared builder's request with these ``permissions`` (``None``: the field left unset)."""
    request = builders.disposable_request(token, ttl=seconds, **extra)
    request.ClearField("permissions")
    if permissions is not None:
        request.permissions.CopyFrom(permissions)
    return request


def test_generate_api_token_from_the_session_token(auth_stub: auth_pb2_grpc.AuthStub, control: Control) -> None:
    session = control.bootstrap().raw_session_token
    response = auth_stub.GenerateApiToken(api_key_request(session, seconds=60))
    assert response.api_key and response.refresh_token
    assert response.endpoint == control.bootstrap().endpoint
    assert response.valid_until == START + 60


def test_never_expiring_keys_have_valid_until_zero_and_no_refresh_token(
    auth_stub: auth_pb2_grpc.AuthStub, control: Control
) -> None:
    response = auth_stub.GenerateApiToken(api_key_request(control.bootstrap().raw_session_token, seconds=None))
    assert (response.valid_until, response.refresh_token) == (0, "")


def test_super_user_flag_zero_is_still_a_super_user_request(
    auth_stub: auth_pb2_grpc.AuthStub, control: Control
) -> None:
    # super_user=SuperUser (0) is on the wire as 08 00; the server must see the oneof, not a falsy value.
    code, details = status_of(lambda: auth_stub.GenerateApiToken(api_key_request(control.bootstrap().raw_api_key)))
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert details.startswith("Insufficient permissions")


def test_refresh_through_the_wire(auth_stub: auth_pb2_grpc.AuthStub, control: Control) -> None:
    first = auth_stub.GenerateApiToken(api_key_request(control.bootstrap().raw_session_token, explicit(cache_grant())))
    control.advance(2)
    second = auth_stub.RefreshApiToken(refresh_request(first.api_key, first.refresh_token))
    assert second.api_key != first.api_key
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.endpoint == first.endpoint == control.bootstrap().endpoint != ""
    assert second.valid_until == first.valid_until + 2 == START + 62
    code, _ = status_of(lambda: auth_stub.RefreshApiToken(refresh_request(first.api_key, first.refresh_token)))
    assert code is grpc.StatusCode.UNAUTHENTICATED
    third = auth_stub.RefreshApiToken(refresh_request(second.api_key, second.refresh_token))
    assert third.valid_until == START + 62


def test_login_streams_a_message_then_a_session_token(auth_stub: auth_pb2_grpc.AuthStub) -> None:
    responses = list(auth_stub.Login(auth_pb2._LoginRequest()))
    assert [r.WhichOneof("state") for r in responses] == ["message", "logged_in"]
    assert responses[0].message.text == "momento-auth-emulator: logged in"
    assert responses[-1].logged_in.valid_for_seconds == 86400  # the default login_ttl: a day
    session = responses[-1].logged_in.session_token
    assert auth_stub.GenerateApiToken(api_key_request(session, seconds=None)).api_key


def test_login_lasts_the_configured_login_ttl(make_server: Factory) -> None:
    with grpc.insecure_channel(make_server(login_ttl=90).target) as channel:
        auth = auth_pb2_grpc.AuthStub(channel)
        logged_in = list(auth.Login(auth_pb2._LoginRequest(), timeout=10))[-1].logged_in
    assert logged_in.valid_for_seconds == 90
    assert jwt.decode(logged_in.session_token, options={"verify_signature": False})["exp"] == START + 90


def test_disposable_token_with_token_id(token_stub: token_pb2_grpc.TokenStub, control: Control) -> None:
    response = token_stub.GenerateDisposableToken(
        disposable_request(control.bootstrap().raw_api_key, explicit(cache_grant(key=b"k")), token_id="pub-1")
    )
    assert response.valid_until == START + 60
    assert control.describe_key(response.api_key).token_id == "pub-1"


def test_the_body_credential_wins_over_the_authorization_header(
    token_stub: token_pb2_grpc.TokenStub, control: Control
) -> None:
    request = disposable_request(control.bootstrap().raw_api_key, explicit(cache_grant()))
    response = token_stub.GenerateDisposableToken(request, metadata=(("authorization", "forged"),))
    assert response.api_key


MALFORMED: list[tuple[str, Callable[[str, str], Any], str]] = [
    ("no permissions", lambda s, k: api_key_request(s, None), "permissions: required"),
    ("kind unset", lambda s, k: api_key_request(s, pm.Permissions()), "permissions: set one of super_user or explicit"),
    ("empty list", lambda s, k: api_key_request(s, explicit()), "permissions.explicit.permissions: must not be empty"),
    ("no expiry", lambda s, k: auth_pb2._GenerateApiTokenRequest(auth_token=s, permissions=SUPER), "expiry: set one"),
    (
        "permission kind unset",
        lambda s, k: api_key_request(s, explicit(PT())),
        "permissions[0]: set one of cache_permissions",
    ),
    (
        "cache oneof unset",
        lambda s, k: api_key_request(s, explicit(PT(cache_permissions=PT.CachePermissions(role=pm.CacheReadOnly)))),
        "permissions[0].cache_permissions: set one of all_caches or cache_selector",
    ),
    (
        "cache selector empty",
        lambda s, k: api_key_request(
            s, explicit(PT(cache_permissions=PT.CachePermissions(role=1, cache_selector=PT.CacheSelector())))
        ),
        "cache_permissions.cache_selector: set cache_name",
    ),
    (
        "empty cache name",
        lambda s, k: api_key_request(s, explicit(cache_grant(cache=""))),
        "cache_selector.cache_name: must not be empty",
    ),
    (
        "permit none",
        lambda s, k: api_key_request(s, explicit(cache_grant(role=pm.CachePermitNone))),
        "role: CachePermitNone is not supported",
    ),
    (
        "unknown enum",
        lambda s, k: api_key_request(s, explicit(cache_grant(role=42))),
        "role: unknown value 42 is not supported",
    ),
    (
        "topic unset",
        lambda s, k: api_key_request(s, explicit(PT(topic_permissions=PT.TopicPermissions(role=1, all_caches=ALL)))),
        "topic_permissions: set one of all_topics or topic_selector",
    ),
    (
        "empty topic",
        lambda s, k: api_key_request(s, explicit(topic_grant(cache="c", topic=""))),
        "topic_name: must not be empty",
    ),
    (
        "eleven permissions",
        lambda s, k: api_key_request(s, explicit(*[cache_grant(cache=f"c{i}") for i in range(11)])),
        "11 permission objects; at most 10",
    ),
    (
        "duplicate",
        lambda s, k: api_key_request(s, explicit(cache_grant(pm.CacheReadOnly), cache_grant(pm.CacheReadWrite))),
        "duplicate or conflicting",
    ),
    (
        "item selector in an api key",
        lambda s, k: api_key_request(s, explicit(cache_grant(key=b"k"))),
        "item selectors are allowed only in disposable tokens",
    ),
    (
        "huge cache name",
        lambda s, k: api_key_request(s, explicit(cache_grant(cache="c" * 100_000))),
        "cache_name: 100000 long",
    ),
    ("huge token id", lambda s, k: api_key_request(s, explicit(cache_grant()), token_id="t" * 100_000), "token_id:"),
    (
        "disposable without expiry",
        lambda s, k: token_pb2._GenerateDisposableTokenRequest(auth_token=k, permissions=explicit(cache_grant())),
        "expires: required",
    ),
    (
        "disposable zero lifetime",
        lambda s, k: disposable_request(k, explicit(cache_grant()), seconds=0),
        "must be greater than 0",
    ),
    (
        "disposable over the maximum",
        lambda s, k: disposable_request(k, explicit(cache_grant()), seconds=3601),
        "exceeds the maximum",
    ),
    ("disposable super user", lambda s, k: disposable_request(k, SUPER), "explicit permissions only"),
    (
        "empty key selector",
        lambda s, k: disposable_request(k, explicit(cache_grant(key=b""))),
        "item_selector.key: must not be empty",
    ),
    (
        "item selector kind unset",
        lambda s, k: disposable_request(
            k, explicit(PT(cache_permissions=PT.CachePermissions(role=1, all_caches=ALL, item_selector={})))
        ),
        "cache_permissions.item_selector: set one of key or key_prefix",
    ),
    ("disposable without permissions", lambda s, k: disposable_request(k, None), "permissions: required"),
    (
        "disposable token id over 64",
        lambda s, k: disposable_request(k, explicit(cache_grant()), token_id="t" * 65),
        "token_id: 65 characters; at most 64",
    ),
    (
        "topic permit none",
        lambda s, k: api_key_request(s, explicit(topic_grant(pm.TopicPermitNone, "c", "t"))),
        "topic_permissions.role: TopicPermitNone is not supported",
    ),
    (
        "unknown topic role",
        lambda s, k: api_key_request(s, explicit(topic_grant(9, "c", "t"))),
        "topic_permissions.role: unknown value 9",
    ),
    (
        "topic selector kind unset",
        lambda s, k: api_key_request(
            s, explicit(PT(topic_permissions=PT.TopicPermissions(role=1, all_caches=ALL, topic_selector={})))
        ),
        "topic_permissions.topic_selector: set one of topic_name or topic_name_prefix",
    ),
    (
        "function permit none",
        lambda s, k: api_key_request(s, explicit(function_grant(role=pm.FunctionPermitNone))),
        "function_permissions.role: FunctionPermitNone is not supported",
    ),
    (
        "unknown function role",
        lambda s, k: api_key_request(s, explicit(function_grant(role=5))),
        "function_permissions.role: unknown value 5",
    ),
    (
        "function oneof unset",
        lambda s, k: api_key_request(
            s, explicit(PT(function_permissions=PT.FunctionPermissions(role=pm.FunctionInvoke, all_caches=ALL)))
        ),
        "function_permissions: set one of all_functions or function_selector",
    ),
    (
        "function selector kind unset",
        lambda s, k: api_key_request(s, explicit(function_grant(function_selector=PT.FunctionSelector()))),
        "function_permissions.function_selector: set one of function_name or function_name_prefix",
    ),
    (
        "empty function name",
        lambda s, k: api_key_request(s, explicit(function_grant(function_selector={"function_name": ""}))),
        "function_selector.function_name: must not be empty",
    ),
    (
        "unknown super user value",
        lambda s, k: api_key_request(s, pm.Permissions(super_user=7)),
        "permissions.super_user: unknown value 7",
    ),
]


@pytest.mark.parametrize(("build", "detail"), [(b, d) for _, b, d in MALFORMED], ids=[n for n, _, _ in MALFORMED])
def test_malformed_requests_get_invalid_argument_naming_the_field(
    channel: grpc.Channel, control: Control, build: Callable[[str, str], Any], detail: str
) -> None:
    boot = control.bootstrap()
    request = build(boot.raw_session_token, boot.raw_api_key)
    stub: Any = (
        token_pb2_grpc.TokenStub(channel).GenerateDisposableToken
        if isinstance(request, token_pb2._GenerateDisposableTokenRequest)
        else auth_pb2_grpc.AuthStub(channel).GenerateApiToken
    )
    code, details = status_of(lambda: stub(request))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert detail in details
    # The server keeps serving after every refusal.
    assert auth_pb2_grpc.AuthStub(channel).GenerateApiToken(api_key_request(boot.raw_session_token)).api_key


@pytest.mark.parametrize(
    "path",
    ["/auth.Auth/GenerateApiToken", "/auth.Auth/RefreshApiToken", "/token.Token/GenerateDisposableToken"],
)
def test_a_body_that_does_not_decode_is_invalid_argument_not_unknown(channel: grpc.Channel, path: str) -> None:
    raw = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
    code, details = status_of(lambda: raw(b"\xff\xff\xff\xff"))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "request: the body is not a valid" in details


@pytest.mark.parametrize("credential", ["", "  ", "garbage", "eyJhbGciOiJub25lIn0.e30."])
def test_missing_or_malformed_credentials_are_unauthenticated(
    auth_stub: auth_pb2_grpc.AuthStub, token_stub: token_pb2_grpc.TokenStub, credential: str
) -> None:
    for call in (
        lambda: auth_stub.GenerateApiToken(api_key_request(credential, explicit(cache_grant()))),
        lambda: token_stub.GenerateDisposableToken(disposable_request(credential, explicit(cache_grant()))),
        lambda: auth_stub.RefreshApiToken(auth_pb2._RefreshApiTokenRequest(api_key=credential, refresh_token="x")),
    ):
        assert status_of(call)[0] is grpc.StatusCode.UNAUTHENTICATED


def test_an_explicit_key_may_not_mint(
    auth_stub: auth_pb2_grpc.AuthStub, token_stub: token_pb2_grpc.TokenStub, control: Control
) -> None:
    key = auth_stub.GenerateApiToken(
        api_key_request(control.bootstrap().raw_session_token, explicit(cache_grant()))
    ).api_key
    code, details = status_of(
        lambda: token_stub.GenerateDisposableToken(disposable_request(key, explicit(cache_grant())))
    )
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert details == "Insufficient permissions: an API key with explicit permissions cannot mint a disposable token"


def test_oversized_messages_are_resource_exhausted(auth_stub: auth_pb2_grpc.AuthStub) -> None:
    request = api_key_request("x" * (2 * 1024 * 1024))
    assert status_of(lambda: auth_stub.GenerateApiToken(request))[0] is grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_credential_only_in_the_authorization_header_is_not_read(
    token_stub: token_pb2_grpc.TokenStub, control: Control
) -> None:
    request = disposable_request("", explicit(cache_grant()))
    metadata = (("authorization", control.bootstrap().raw_api_key),)
    code, details = status_of(lambda: token_stub.GenerateDisposableToken(request, metadata=metadata))
    assert code is grpc.StatusCode.UNAUTHENTICATED
    assert "auth_token: no credential was given" in details


def test_topic_name_prefixes_are_accepted_over_the_wire(auth_stub: auth_pb2_grpc.AuthStub, control: Control) -> None:
    grant = PT(
        topic_permissions=PT.TopicPermissions(
            role=pm.TopicWriteOnly,
            cache_selector=PT.CacheSelector(cache_name="c"),
            topic_selector=PT.TopicSelector(topic_name_prefix="news-"),
        )
    )
    key = auth_stub.GenerateApiToken(api_key_request(control.bootstrap().raw_session_token, explicit(grant))).api_key
    assert control.authorize(key, "publish", "c", topic="news-today").allowed
    assert not control.authorize(key, "publish", "c", topic="sports").allowed
    assert not control.authorize(key, "subscribe", "c", topic="news-today").allowed


def test_a_never_expiring_key_cannot_be_refreshed_and_says_so(
    auth_stub: auth_pb2_grpc.AuthStub, control: Control
) -> None:
    key = auth_stub.GenerateApiToken(api_key_request(control.bootstrap().raw_session_token, seconds=None)).api_key
    request = auth_pb2._RefreshApiTokenRequest(api_key=key, refresh_token="anything")
    code, details = status_of(lambda: auth_stub.RefreshApiToken(request))
    assert code is grpc.StatusCode.UNAUTHENTICATED
    assert details.endswith("api_key: a key that never expires has no refresh token and cannot be refreshed")


FORGED = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("caller", "permissions", "expected"),
    [
        # The message structure comes first: a role the model does not know is refused before the credential.
        ("forged", explicit(cache_grant(role=pm.CachePermitNone)), grpc.StatusCode.INVALID_ARGUMENT),
        ("forged", None, grpc.StatusCode.INVALID_ARGUMENT),
        # Then the credential, before the request's rules.
        ("forged", explicit(cache_grant(cache="")), grpc.StatusCode.UNAUTHENTICATED),
        # Then the request's rules, before the caller's right to mint.
        ("explicit key", explicit(cache_grant(cache="")), grpc.StatusCode.INVALID_ARGUMENT),
        ("explicit key", explicit(cache_grant(cache="c")), grpc.StatusCode.PERMISSION_DENIED),
    ],
)
def test_checks_run_in_the_documented_order(
    auth_stub: auth_pb2_grpc.AuthStub,
    control: Control,
    caller: str,
    permissions: pm.Permissions | None,
    expected: grpc.StatusCode,
) -> None:
    session = control.bootstrap().raw_session_token
    key = (
        FORGED
        if caller == "forged"
        else auth_stub.GenerateApiToken(api_key_request(session, explicit(cache_grant()))).api_key
    )
    assert status_of(lambda: auth_stub.GenerateApiToken(api_key_request(key, permissions)))[0] is expected
