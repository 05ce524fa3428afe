"""Momento's Auth and Token services: parse the request, call the core once, build the response.

Each handler is one row of the RPC registry (``emulator.services.registry``).
"""

from __future__ import annotations

from momento_wire_types import auth_pb2, token_pb2

from emulator.core.errors import InvalidArgument
from emulator.services.call import Call
from emulator.services.convert import permissions_from_proto


def generate_api_token(call: Call, request: auth_pb2._GenerateApiTokenRequest) -> auth_pb2._GenerateApiTokenResponse:
    state = call.state
    expiry = request.WhichOneof("expiry")
    if expiry is None:
        raise InvalidArgument("expiry", "set one of never or expires")
    issued = state.generate_api_key(
        request.auth_token,
        permissions_from_proto(request.permissions, request.HasField("permissions")),
        None if expiry == "never" else request.expires.valid_for_seconds,
        token_id=request.token_id,
        description=request.description,
    )
    return auth_pb2._GenerateApiTokenResponse(
        api_key=issued.api_key,
        refresh_token=issued.refresh_token,
        endpoint=state.settings.endpoint,
        valid_until=issued.valid_until or 0,
    )


def refresh_api_token(call: Call, request: auth_pb2._RefreshApiTokenRequest) -> auth_pb2._RefreshApiTokenResponse:
    state = call.state
    issued = state.refresh_api_key(request.api_key, request.refresh_token)
    return auth_pb2._RefreshApiTokenResponse(
        api_key=issued.api_key,
        refresh_token=issued.refresh_token,
        endpoint=state.settings.endpoint,
        valid_until=issued.valid_until or 0,
    )


def login(call: Call, request: auth_pb2._LoginRequest) -> list[auth_pb2._LoginResponse]:
    state = call.state
    issued = state.login()
    logged_in = auth_pb2._LoginResponse.LoggedIn(
        session_token=issued.api_key, valid_for_seconds=state.settings.login_ttl
    )
    return [
        auth_pb2._LoginResponse(message=auth_pb2._LoginResponse.Message(text="momento-auth-emulator: logged in")),
        auth_pb2._LoginResponse(logged_in=logged_in),
    ]


def generate_disposable_token(
    call: Call, request: token_pb2._GenerateDisposableTokenRequest
) -> token_pb2._GenerateDisposableTokenResponse:
    state = call.state
    if not request.HasField("expires"):
        raise InvalidArgument("expires", "required for disposable tokens")
    issued = state.generate_disposable_token(
        request.auth_token,
        permissions_from_proto(request.permissions, request.HasField("permissions")),
        request.expires.valid_for_seconds,
        token_id=request.token_id,
    )
    return token_pb2._GenerateDisposableTokenResponse(
        api_key=issued.api_key, endpoint=state.settings.endpoint, valid_until=issued.valid_until or 0
    )
