"""grpcio's bundled health and reflection services, with request bodies decoded the emulator's way.

grpcio's generated code registers them with a request deserializer, so a body that is not a valid
message would get UNKNOWN; here each is decoded inside the call instead, and refused with
INVALID_ARGUMENT, as by the emulator's own services.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from typing import Any, cast

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from emulator.services.rpc import DECODE_ERRORS, undecodable


def add_health_and_reflection(server: grpc.aio.Server, service_names: Sequence[str]) -> health.aio.HealthServicer:
    """Serve health checks and reflection for ``service_names`` (and themselves); returns the health servicer."""
    checks = health.aio.HealthServicer()
    guarded = _DecodeGuard(server)
    health_pb2_grpc.add_HealthServicer_to_server(checks, guarded)
    names = (*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(reflection.aio.ReflectionServicer(names), guarded)
    return checks


class _DecodeGuard:
    """Stands in for the server while grpcio's generated code registers the health and reflection handlers.

    Each handler is registered without its request deserializer and decodes the body itself, so a body
    that is not a valid message gets INVALID_ARGUMENT, as from the emulator's own services, not UNKNOWN.
    """

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers(tuple(_GuardedGeneric(handler) for handler in handlers))

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler[Any, Any]]
    ) -> None:
        self._server.add_registered_method_handlers(service, {name: _guarded(h) for name, h in handlers.items()})


class _GuardedGeneric(grpc.GenericRpcHandler):
    def __init__(self, handler: grpc.GenericRpcHandler) -> None:
        self._handler = handler

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[Any, Any] | None:
        found = self._handler.service(handler_call_details)
        return None if found is None else _guarded(found)


_HANDLER_FACTORIES = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def _guarded(handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    """``handler`` (of an aio servicer) with its request body decoded, or refused, inside the call."""
    deserialize = handler.request_deserializer
    if deserialize is None:
        return handler
    owner = getattr(deserialize, "__self__", None)  # generated code passes the request type's FromString
    name = owner.DESCRIPTOR.full_name if isinstance(owner, type) and issubclass(owner, Message) else "request"
    behaviors = (handler.unary_unary, handler.unary_stream, handler.stream_unary, handler.stream_stream)
    behavior = cast("Callable[..., Any]", next(b for b in behaviors if b is not None))

    async def decode(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return deserialize(raw)
        except DECODE_ERRORS as error:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, undecodable(name, error).message)

    async def decode_all(raws: AsyncIterable[bytes], context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        async for raw in raws:
            yield await decode(raw, context)

    async def call(arrived: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        request = decode_all(arrived, context) if handler.request_streaming else await decode(arrived, context)
        result = behavior(request, context)
        if inspect.isasyncgen(result):  # responses yielded, not written
            async for response in result:
                await context.write(response)
            return None
        return await result

    factory = _HANDLER_FACTORIES[handler.request_streaming, handler.response_streaming]
    return factory(call, response_serializer=handler.response_serializer)
