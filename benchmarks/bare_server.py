"""The ceiling: a bare ``grpc.aio`` server whose one handler sends the request bytes back.

Started the way the emulator's CLI is (``--port 0 --ready-file F``, same server options, a health
service set to SERVING before the ready file is written, SIGTERM stops it), so that the only
difference the benchmarks see is the emulator's own work.

``--work-us N`` makes the handler busy for N microseconds of Python before it answers: a
calibration, showing what a handler with a fixed amount of work costs on this stack.
``--answer-get`` serves ``cache_client.Scs/Get`` as a stand-in that does only what any server of
that call must: read its headers, decode the request, answer a 1 KiB hit through a serializer. It
shows what the shape of a data call (headers, sizes, protobuf) costs on this stack, apart from the
emulator's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from momento_wire_types import cacheclient_pb2

from emulator.server import SERVER_OPTIONS


async def echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


def busy_echo(seconds: float) -> grpc.RpcMethodHandler[bytes, bytes]:
    async def echo_after_work(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            pass
        return request

    return grpc.unary_unary_rpc_method_handler(echo_after_work)


def get_stand_in() -> grpc.GenericRpcHandler:
    """``cache_client.Scs/Get`` answering a 1 KiB hit, with none of the emulator's own work."""
    hit = cacheclient_pb2._GetResponse(result=cacheclient_pb2.Hit, cache_body=b"v" * 1024)

    async def get(request: bytes, context: grpc.aio.ServicerContext[bytes, cacheclient_pb2._GetResponse]) -> object:
        headers = dict(context.invocation_metadata() or ())
        if "authorization" not in headers or not cacheclient_pb2._GetRequest.FromString(request).cache_key:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "not a Get as the benchmark sends it")
        return hit

    handler = grpc.unary_unary_rpc_method_handler(
        get, response_serializer=cacheclient_pb2._GetResponse.SerializeToString
    )
    return grpc.method_handlers_generic_handler("cache_client.Scs", {"Get": handler})


async def serve(host: str, port: int, ready_file: Path | None, work_us: float, answer_get: bool) -> None:
    server = grpc.aio.server(options=list(SERVER_OPTIONS))  # the emulator's own, so both stacks are alike
    port = server.add_insecure_port(f"{host}:{port}")
    # bytes in, bytes out: no (de)serializer
    handler = busy_echo(work_us / 1e6) if work_us > 0 else grpc.unary_unary_rpc_method_handler(echo)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler}),))
    if answer_get:
        server.add_generic_rpc_handlers((get_stand_in(),))
    checks = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    await server.start()
    await checks.set("", health_pb2.HealthCheckResponse.SERVING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if ready_file is not None:
        ready = {"host": host, "port": port, "target": f"{host}:{port}", "pid": os.getpid()}
        partial = ready_file.with_name(f".{ready_file.name}.partial")
        partial.write_text(json.dumps(ready))
        os.replace(partial, ready_file)
    await stop.wait()
    await server.stop(5.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--work-us", type=float, default=0.0, help="busy microseconds per call (calibration)")
    parser.add_argument("--answer-get", action="store_true", help="also serve a stand-in Get (calibration)")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.ready_file, args.work_us, args.answer_get))


if __name__ == "__main__":
    main()
