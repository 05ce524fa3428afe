"""grpcio's health and reflection services on the emulator's port: bad bodies get INVALID_ARGUMENT, good ones work."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.helpers import status_of

BAD_BODY = b"\x0a\x02\xff\xfe"  # field 1 (a string) holding invalid UTF-8
CHECK = "/grpc.health.v1.Health/Check"
WATCH = "/grpc.health.v1.Health/Watch"
REFLECT = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def test_check_with_an_undecodable_body_is_invalid_argument(channel: grpc.Channel) -> None:
    check: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
        CHECK, request_serializer=None, response_deserializer=None
    )
    code, details = status_of(lambda: check(BAD_BODY, timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("request: the body is not a valid grpc.health.v1.HealthCheckRequest message (")


def test_watch_with_an_undecodable_body_is_invalid_argument(channel: grpc.Channel) -> None:
    watch: grpc.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(
        WATCH, request_serializer=None, response_deserializer=None
    )
    code, details = status_of(lambda: list(watch(BAD_BODY, timeout=10)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("request: the body is not a valid grpc.health.v1.HealthCheckRequest message (")


def test_a_bad_message_inside_the_reflection_stream_ends_it_invalid_argument(channel: grpc.Channel) -> None:
    reflect: grpc.StreamStreamMultiCallable[bytes, bytes] = channel.stream_stream(
        REFLECT, request_serializer=None, response_deserializer=None
    )
    good = reflection_pb2.ServerReflectionRequest(list_services="").SerializeToString()
    responses = reflect(iter([good, BAD_BODY, good]), timeout=10)  # BAD_BODY: the host field, invalid UTF-8
    first = reflection_pb2.ServerReflectionResponse.FromString(next(responses))
    assert first.HasField("list_services_response")
    code, details = status_of(lambda: list(responses))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith(
        "request: the body is not a valid grpc.reflection.v1alpha.ServerReflectionRequest message ("
    )


def test_a_valid_check_is_still_serving(channel: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "auth.Auth"):
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    code, _ = status_of(lambda: stub.Check(health_pb2.HealthCheckRequest(service="no.Such"), timeout=10))
    assert code == grpc.StatusCode.NOT_FOUND


def test_a_valid_watch_still_streams_the_status(channel: grpc.Channel) -> None:
    watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service="auth.Auth"), timeout=10)
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
    watch.cancel()


def test_reflection_still_lists_the_services(channel: grpc.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (response,) = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
    names = {service.name for service in response.list_services_response.service}
    assert {"auth.Auth", "token.Token", "grpc.health.v1.Health"} <= names
