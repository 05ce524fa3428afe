"""The standalone process: ``serve`` in the foreground until SIGTERM or SIGINT.

Also the two things it shares with the client subcommands: one-line errors and atomic writes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from emulator.core.clock import ClockMode
from emulator.core.config import Settings
from emulator.core.errors import InvalidArgument
from emulator.core.keys import wrap
from emulator.logs import configure_logging
from emulator.sdk import split_target
from emulator.server import DEFAULT_GRACE_SECONDS, EmulatorServer, PortInUse

log = logging.getLogger("emulator")
_FLAGS = {"clock_mode": "clock"}  # settings whose flag has another name


def fail(message: str, code: int = 1) -> int:
    """Print a one-line error (no traceback) and return the exit status."""
    print(f"momento-auth-emulator: {' '.join(message.split())}", file=sys.stderr)
    return code


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the whole file or none of it."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)  # a state document holds keys and the secret: leave no stray copy
        raise


def serve(args: argparse.Namespace) -> int:
    configure_logging(args.log_format, args.log_level)
    if args.max_disposable_ttl < 1:
        return fail(f"--max-disposable-ttl: {args.max_disposable_ttl} is shorter than one second", 2)
    try:
        settings = Settings(
            endpoint=args.endpoint,
            seed=args.seed,
            start_time=args.start_time,  # argparse has converted flag and variable alike
            clock_mode=ClockMode(args.clock),
            max_disposable_ttl=int(args.max_disposable_ttl),
            super_user_key=args.super_user_key,
        )
    except InvalidArgument as error:  # named as the flag that gave it
        setting, _, problem = error.message.partition(": ")
        return fail(f"--{_FLAGS.get(setting, setting).replace('_', '-')}: {problem}", 2)
    if args.ready_file is not None:
        # A ready file left by an earlier run must not make anyone think this one is ready.
        try:
            args.ready_file.unlink(missing_ok=True)
        except OSError as error:
            return fail(f"--ready-file {args.ready_file}: {error.strerror}", 2)
    document = None
    if args.state_file is not None and args.state_file.exists():
        if not args.state_file.is_file():  # a FIFO or a device would hang or never end
            return fail(f"--state-file {args.state_file}: not a regular file", 2)
        try:
            document = json.loads(args.state_file.read_text())
        except (OSError, ValueError, RecursionError) as error:
            return fail(f"--state-file {args.state_file}: not a readable JSON document ({error})", 2)
    server = EmulatorServer(
        settings, host=args.host, port=args.port, admin_token=args.admin_token, state_document=document
    )
    try:
        check_address(args.host, args.port)
        return asyncio.run(_serve(server, args))
    except PortInUse as error:
        return fail(str(error), 2)
    except InvalidArgument as error:  # a start time out of range, or a state file that is no state document
        return fail(error.message, 2)
    except KeyboardInterrupt:
        return 130


def check_address(host: str, port: int) -> None:
    """Refuse a taken address in our own words, before grpc logs its own multi-line complaint."""
    if port == 0:
        return
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return  # the server reports what it cannot resolve
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise PortInUse(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


async def _serve(server: EmulatorServer, args: argparse.Namespace) -> int:
    await server.start()
    emulator = server.emulator
    assert emulator is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    state = emulator.state
    endpoint = emulator.settings.endpoint
    ready = {
        "host": server.host,
        "port": server.port,
        "target": server.target,
        "endpoint": endpoint,
        "api_key": wrap(state.super_user_key, endpoint),
        "session_token": wrap(state.session_token, endpoint),
        "pid": os.getpid(),
    }
    try:
        if args.ready_file is not None:
            try:
                write_atomically(args.ready_file, json.dumps(ready, indent=2))
            except OSError as error:
                await server.stop(None)
                return fail(f"--ready-file {args.ready_file}: {error.strerror or error}", 2)
        print(banner(ready, args), flush=True)
        await stop.wait()
        log.info("stopping: finishing in-flight calls (up to %s s)", DEFAULT_GRACE_SECONDS)
        await server.stop(DEFAULT_GRACE_SECONDS)
        if args.state_file is not None:
            try:
                write_atomically(args.state_file, json.dumps(emulator.export(), indent=2))
            except OSError as error:
                return fail(f"--state-file {args.state_file}: the state was not saved ({error.strerror or error})")
            log.info("state written to %s", args.state_file)
        return 0
    finally:
        if args.ready_file is not None:
            _remove_own_ready_file(args.ready_file)


def _remove_own_ready_file(path: Path) -> None:
    """Remove the ready file unless another emulator, started since on the same path, has replaced it."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()


def banner(ready: dict[str, Any], args: argparse.Namespace) -> str:
    target = ready["target"]
    host = split_target(target)[0]
    return f"""momento-auth-emulator ready on {target} (clock: {args.clock}; Ctrl-C stops)
  MOMENTO_API_KEY (super-user key): {ready["api_key"]}
  session token:                    {ready["session_token"]}
  Python SDK:  dataclasses.replace(CredentialProvider.from_string(KEY), control_endpoint="{host}",
                 cache_endpoint="{host}", token_endpoint="{host}", port={ready["port"]})
  Node SDK:    CredentialProvider.fromString({{authToken: KEY, endpointOverrides: {{controlEndpoint: "{target}",
                 cacheEndpoint: "{target}", tokenEndpoint: "{target}", secureConnection: false}}}})
  Control:     momento-auth-emulator clock advance 1h --target {target}"""
