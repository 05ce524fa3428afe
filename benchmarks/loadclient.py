"""The load client: one process, one ``grpc.aio`` channel per measurement, N concurrent callers.

It reads one JSON job per line on stdin and answers one JSON result per line on stdout, so the
same client process (and the same warm interpreter) measures the ceiling and the emulator alike.
Requests are sent pre-serialized and responses are not decoded (except by the RefreshApiToken
chain, which needs the next key), so the client's own cost is the same for every server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import struct
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import grpc
from momento_wire_types import auth_pb2, cacheclient_pb2, cachepubsub_pb2, controlclient_pb2

from emulator.web import Mode, frame
from tests.builders import api_key_request, disposable_request, refresh_request

ECHO_PATH = "/bench.Echo/Echo"
PATHS = {
    "Echo": ECHO_PATH,
    "GenerateDisposableToken": "/token.Token/GenerateDisposableToken",
    "GenerateApiToken": "/auth.Auth/GenerateApiToken",
    "RefreshApiToken": "/auth.Auth/RefreshApiToken",
    "Get": "/cache_client.Scs/Get",
    "Set": "/cache_client.Scs/Set",
    "DictionarySet": "/cache_client.Scs/DictionarySet",
    "Publish": "/cache_client.pubsub.Pubsub/Publish",
}
DATA_RPCS = ("Get", "Set", "DictionarySet", "Publish")
# The same Get, sent to the bare server's stand-in (``--answer-get``), with a key as long as the emulator's.
STAND_IN_GET = "Get (stand-in)"
STAND_IN_KEY = "k" * 270
TEXT_MODE = Mode(text=True)
WEB_GET = "Get (gRPC-Web)"  # the same Get, in text mode over HTTP/1.1 as @gomomento/sdk-web sends it
CREATE_CACHE = "/control_client.ScsControl/CreateCache"
BENCH_CACHE = "bench"
BENCH_KEY = b"bench-key"
BENCH_VALUE = b"v" * 1024  # a 1 KiB item, as in the memory figures
CALL_TIMEOUT = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

Call = Callable[[bytes], Awaitable[bytes]]


def api_token_request(session_token: str) -> bytes:
    return api_key_request(session_token, ttl=3600).SerializeToString()


def disposable_token_request(super_user_key: str) -> bytes:
    return disposable_request(super_user_key, ttl=60).SerializeToString()


@dataclass
class Tally:
    """Completions inside the timed window ``[start, end)``."""

    start: float
    end: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def record(self, began: float, finished: float, ok: bool) -> bool:
        """Count one call that finished inside the window; ``True`` once the window has closed."""
        if self.start <= finished < self.end:
            if ok:
                self.latencies.append(finished - began)
            else:
                self.errors += 1
        return finished >= self.end


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (all its threads), from ``/proc``; ``None`` elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def fixed_caller(call: Call, payload: bytes, tally: Tally) -> None:
    """Send the same request until the window closes."""
    while True:
        began = time.perf_counter()
        try:
            await call(payload)
            ok = True
        except (grpc.aio.AioRpcError, WebCallFailed, aiohttp.ClientError):
            ok = False
        if tally.record(began, time.perf_counter(), ok):
            return


async def refresh_caller(generate: Call, refresh: Call, session_token: str, tally: Tally) -> None:
    """Chain refreshes: each one spends the refresh token and hands back the next pair."""
    seed = api_token_request(session_token)
    pair = auth_pb2._GenerateApiTokenResponse.FromString(await generate(seed))
    api_key, refresh_token = pair.api_key, pair.refresh_token
    while True:
        payload = refresh_request(api_key, refresh_token).SerializeToString()
        began = time.perf_counter()
        try:
            answer = auth_pb2._RefreshApiTokenResponse.FromString(await refresh(payload))
            api_key, refresh_token, ok = answer.api_key, answer.refresh_token, True
        except grpc.aio.AioRpcError:
            pair = auth_pb2._GenerateApiTokenResponse.FromString(await generate(seed))
            api_key, refresh_token, ok = pair.api_key, pair.refresh_token, False
        if tally.record(began, time.perf_counter(), ok):
            return


def data_request(rpc: str) -> bytes:
    """The request every caller sends: Get and Set the same 1 KiB item (which Get then hits), DictionarySet
    the same 1 KiB field of one dictionary, refreshing its TTL, Publish the same 1 KiB message."""
    if rpc == "Publish":
        value = cachepubsub_pb2._TopicValue(binary=BENCH_VALUE)
        return cachepubsub_pb2._PublishRequest(cache_name=BENCH_CACHE, topic="bench", value=value).SerializeToString()
    if rpc == "Get":
        return cacheclient_pb2._GetRequest(cache_key=BENCH_KEY).SerializeToString()
    if rpc == "DictionarySet":
        field = cacheclient_pb2._DictionaryFieldValuePair(field=b"field", value=BENCH_VALUE)
        dictionary = cacheclient_pb2._DictionarySetRequest(
            dictionary_name=BENCH_KEY + b"-dictionary", items=[field], ttl_milliseconds=600_000, refresh_ttl=True
        )
        return dictionary.SerializeToString()
    request = cacheclient_pb2._SetRequest(cache_key=BENCH_KEY, cache_body=BENCH_VALUE, ttl_milliseconds=600_000)
    return request.SerializeToString()


class WebCallFailed(Exception):
    """A gRPC-Web call answered with an error status (in its headers: errors are trailers-only)."""


def web_stub(session: aiohttp.ClientSession, web_url: str, key: str) -> Call:
    """Get over gRPC-Web text mode, as the browser SDK sends it: base64 of one frame, one POST per call."""
    url = web_url + PATHS["Get"]
    headers = {"content-type": "application/grpc-web-text", "x-grpc-web": "1", "authorization": key}
    headers["cache"] = BENCH_CACHE

    async def call(payload: bytes) -> bytes:
        body = TEXT_MODE.encode(frame(payload))
        async with session.post(url, data=body, headers=headers) as response:
            answer = await response.read()
            if response.status != 200 or "grpc-status" in response.headers:
                raise WebCallFailed(response.headers.get("grpc-message", str(response.status)))
        return answer

    return call


def web_hit(answer: bytes) -> bytes:
    """The value of a text-mode Get answer: its first frame, decoded as the emulator's gateway decodes bodies."""
    data = TEXT_MODE.decode(answer)
    length = struct.unpack_from(">I", data, 1)[0]
    reply = cacheclient_pb2._GetResponse.FromString(data[5 : 5 + length])
    if reply.result != cacheclient_pb2.Hit:
        raise WebCallFailed(f"expected a hit, got {reply}")
    return reply.cache_body


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def measure(job: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement: connect, warm up, count completions for ``duration`` seconds."""
    rpc = str(job["rpc"])
    concurrency = int(job["concurrency"])
    web = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) if rpc == WEB_GET else None
    async with contextlib.AsyncExitStack() as stack:
        channel = await stack.enter_async_context(grpc.aio.insecure_channel(str(job["target"])))
        if web is not None:
            await stack.enter_async_context(web)
        await asyncio.wait_for(channel.channel_ready(), 10)

        def stub(path: str, metadata: tuple[tuple[str, str], ...] = ()) -> Call:
            method: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(path)

            async def call(payload: bytes) -> bytes:
                return await method(payload, timeout=CALL_TIMEOUT, metadata=metadata)

            return call

        now = time.perf_counter()
        tally = Tally(start=now + float(job["warmup"]), end=now + float(job["warmup"]) + float(job["duration"]))
        if rpc == "RefreshApiToken":
            generate, refresh = stub(PATHS["GenerateApiToken"]), stub(PATHS["RefreshApiToken"])
            callers = [refresh_caller(generate, refresh, job["session_token"], tally) for _ in range(concurrency)]
        elif rpc == STAND_IN_GET:
            call = stub(PATHS["Get"], (("authorization", STAND_IN_KEY), ("cache", BENCH_CACHE)))
            callers = [fixed_caller(call, data_request("Get"), tally) for _ in range(concurrency)]
        elif rpc in DATA_RPCS or web is not None:
            # As an app would: the super-user key in the authorization header, one cache, one item.
            key = str(job["super_user_key"])
            create = controlclient_pb2._CreateCacheRequest(cache_name=BENCH_CACHE).SerializeToString()
            await stub(CREATE_CACHE, (("authorization", key),))(create)
            metadata = (("authorization", key), ("cache", BENCH_CACHE))
            await stub(PATHS["Set"], metadata)(data_request("Set"))
            if web is not None:
                call = web_stub(web, str(job["web_url"]), key)
                if web_hit(await call(data_request("Get"))) != BENCH_VALUE:  # the web path really answers the item
                    raise WebCallFailed("gRPC-Web Get: not the value that was set")
                payload = data_request("Get")
            else:
                call, payload = stub(PATHS[rpc], metadata), data_request(rpc)
            callers = [fixed_caller(call, payload, tally) for _ in range(concurrency)]
        else:
            if rpc == "GenerateDisposableToken":
                payload = disposable_token_request(job["super_user_key"])
            else:  # GenerateApiToken, and Echo, which sends the same bytes back
                payload = api_token_request(job["session_token"])
            call = stub(PATHS[rpc])
            callers = [fixed_caller(call, payload, tally) for _ in range(concurrency)]
        server_pid = int(job.get("server_pid") or 0)
        gathered = asyncio.gather(*callers)
        await asyncio.sleep(max(0.0, tally.start - time.perf_counter()))
        cpu_start = cpu_seconds(server_pid) if server_pid else None
        await asyncio.sleep(max(0.0, tally.end - time.perf_counter()))
        cpu_end = cpu_seconds(server_pid) if server_pid else None
        await gathered
    ordered = sorted(tally.latencies)
    elapsed = tally.end - tally.start
    server_cpu = None if cpu_start is None or cpu_end is None or not ordered else cpu_end - cpu_start
    return {
        "rpc": rpc,
        "concurrency": concurrency,
        "calls": len(ordered),
        "errors": tally.errors,
        "seconds": elapsed,
        "calls_per_s": len(ordered) / elapsed,
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "server_cpu_us_per_call": None if server_cpu is None else server_cpu / len(ordered) * 1e6,
    }


async def serve_jobs() -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line.strip():
            return
        result = await measure(json.loads(line))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(serve_jobs())
