"""The RPC registry is the single source: what is served, reflected, faulted, journaled and named by the CLI."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from emulator import Control, ControlError, ThreadedEmulatorServer
from emulator.cli import METHOD_HELP, momento_method
from emulator.core import faults
from emulator.core.authorization import ACTIONS
from emulator.services.registry import CATALOG, RPCS, SERVICE_NAMES, Access, Streaming
from tests.helpers import status_of

MOMENTO = [rpc for rpc in RPCS if rpc.access.momento]


def raw_call(channel: grpc.Channel, path: str, streaming: bool) -> object:
    """Call ``path`` with an empty body (a valid, all-default message of any type)."""
    if streaming:
        stream: grpc.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(path)
        return list(stream(b"", timeout=10))
    unary: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(path)
    return unary(b"", timeout=10)


def test_every_row_matches_its_proto_method() -> None:
    """Path, request and response types and streaming kind agree with the service's descriptor."""
    assert len({rpc.path for rpc in RPCS}) == len(RPCS)
    for rpc in RPCS:
        assert rpc.path == f"/{rpc.service}/{rpc.name}"
        method = rpc.request.DESCRIPTOR.file.pool.FindServiceByName(rpc.service).methods_by_name[rpc.name]
        assert method.input_type.full_name == rpc.request.DESCRIPTOR.full_name, rpc.path
        assert method.output_type.full_name == rpc.response.DESCRIPTOR.full_name, rpc.path
        assert method.server_streaming == (rpc.streaming is Streaming.SERVER), rpc.path
        assert not method.client_streaming, rpc.path
        assert rpc.journaled == rpc.access.momento, rpc.path  # Momento calls are journaled, admin calls are not
        if rpc.access is Access.DATA and isinstance(rpc.action, str):
            assert rpc.action in ACTIONS, rpc.path


def test_the_core_names_no_rpc_and_no_grpc_status() -> None:
    core = Path(faults.__file__).parent
    for source in core.glob("*.py"):
        text = source.read_text()
        for rpc in RPCS:
            assert rpc.path not in text, (source.name, rpc.path)
        assert "UNAUTHENTICATED" not in text, source.name
    assert CATALOG.codes == tuple(code.name for code in grpc.StatusCode)
    assert CATALOG.methods == tuple(rpc.path for rpc in MOMENTO)


def test_every_registry_service_is_served_healthy_and_reflected(channel: grpc.Channel) -> None:
    assert set(SERVICE_NAMES) == {rpc.service for rpc in RPCS}
    reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
    [answer] = reflect.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    listed = {service.name for service in answer.list_services_response.service}
    assert listed == {*SERVICE_NAMES, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}
    health = health_pb2_grpc.HealthStub(channel)
    for name in SERVICE_NAMES:
        check = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=10)
        assert check.status == health_pb2.HealthCheckResponse.SERVING, name


def test_every_registry_path_is_served(channel: grpc.Channel) -> None:
    for rpc in RPCS:
        try:
            raw_call(channel, rpc.path, rpc.streaming is Streaming.SERVER)
        except grpc.RpcError as error:
            assert error.code() != grpc.StatusCode.UNIMPLEMENTED, rpc.path  # refusing the empty body is fine
    assert status_of(lambda: raw_call(channel, "/auth.Auth/Unknown", False))[0] == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize("spelling", ["name", "path", "path without the slash"])
def test_a_fault_on_any_momento_method_resolves_and_fires(
    channel: grpc.Channel, control: Control, server: ThreadedEmulatorServer, spelling: str
) -> None:
    for rpc in MOMENTO:
        name = {"name": rpc.name, "path": rpc.path, "path without the slash": rpc.path[1:]}[spelling]
        rule = control.add_fault(name, "ABORTED", count=1, message=f"down: {rpc.name}")
        assert rule.methods == (rpc.path,)
        code, details = status_of(lambda rpc=rpc: raw_call(channel, rpc.path, rpc.streaming is Streaming.SERVER))
        assert (code, details) == (grpc.StatusCode.ABORTED, f"down: {rpc.name}")
    journaled = [(entry.method, entry.code) for entry in control.journal()]
    assert journaled == [(rpc.path, "ABORTED") for rpc in MOMENTO]
    assert control.faults() == []


def test_an_unknown_method_is_refused_listing_every_known_one(control: Control) -> None:
    for refused in (lambda: control.add_fault("Nope"), lambda: control.journal("Nope"), lambda: momento_method("Nope")):
        with pytest.raises(ControlError) as raised:
            refused()
        assert raised.value.code == "INVALID_ARGUMENT"
        assert raised.value.message == (
            "method: 'Nope' is not a Momento method; known: " + ", ".join(rpc.name for rpc in MOMENTO)
        )


def test_the_cli_method_choices_are_the_registry() -> None:
    for rpc in MOMENTO:
        assert rpc.name in METHOD_HELP
        assert momento_method(rpc.name) == momento_method(rpc.path) == rpc.path
    for rpc in RPCS:
        if not rpc.access.momento:
            assert rpc.name not in METHOD_HELP  # admin calls take no faults and are not journaled
