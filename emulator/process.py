"""The standalone process: ``serve`` in the foreground until SIGTERM or SIGINT.

The command line (:mod:`emulator.cli`) has parsed and checked everything: :func:`serve` takes the
emulator's :class:`~emulator.core.config.Settings` and a :class:`ServeOptions` for the process.
Also the two things it shares with the client subcommands: one-line errors and atomic writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import json
import logging
import os
import shlex
import shutil
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.core.config import Settings
from emulator.core.errors import InvalidArgument
from emulator.core.keys import wrap
from emulator.dropin import CaFile, banner_lines, ready_fields
from emulator.logs import configure_logging
from emulator.sdk import split_target
from emulator.server import DEFAULT_GRACE_SECONDS, EmulatorServer, PortInUse
from emulator.tls import TlsOptions

log = logging.getLogger("emulator")
COMMAND = "momento-auth-emulator"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class ServeOptions:
    """How the ``serve`` process runs its emulator: where it listens, its files, its logs."""

    host: str = LOOPBACK
    port: int = 8090
    web_port: int | None = None  # None: no gRPC-Web listener
    admin_token: str = ""
    admin_token_generated: bool = False  # then the banner and the ready file show it
    state_file: Path | None = None
    ready_file: Path | None = None
    log_format: str = "text"
    log_level: str = "info"
    tls: TlsOptions | None = None  # drop-in mode: TLS on the main port or a second one
    ca_file: Path | None = None  # where a generated CA goes; None: a temporary file


def fail(message: str, code: int = 1) -> int:
    """Print a one-line error (no traceback) and return the exit status."""
    print(f"{COMMAND}: {' '.join(message.split())}", file=sys.stderr)
    return code


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the whole file or none of it.

    The file is readable by its owner only (a state document holds the signing secret, a ready
    file the bootstrap credentials), its directory must exist, and an error names ``path``.
    """
    path = path.resolve()
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        os.replace(partial, path)
    except BaseException as error:
        partial.unlink(missing_ok=True)  # a state document holds keys and the secret: leave no stray copy
        if isinstance(error, OSError):
            reason = "no such directory" if error.errno == errno.ENOENT else error.strerror or str(error)
            raise OSError(error.errno, f"{path}: {reason}") from None
        raise


def serve(settings: Settings, options: ServeOptions) -> int:
    """Run an emulator in the foreground until SIGTERM or SIGINT; returns the exit status."""
    configure_logging(options.log_format, options.log_level)
    if options.ready_file is not None and not _owned_by_a_live_emulator(options.ready_file):
        # A ready file left by an earlier run must not make anyone think this one is ready;
        # one that a live emulator owns is left alone.
        try:
            options.ready_file.unlink(missing_ok=True)
        except OSError as error:
            return fail(f"--ready-file {options.ready_file}: {error.strerror}", 2)
    document = None
    state_file = options.state_file
    if state_file is not None and state_file.exists():
        if not state_file.is_file():  # a FIFO or a device would hang or never end
            return fail(f"--state-file {state_file}: not a regular file", 2)
        try:
            document = json.loads(state_file.read_text())
        except (OSError, ValueError, RecursionError) as error:
            return fail(f"--state-file {state_file}: not a readable JSON document ({error})", 2)
    server = EmulatorServer(
        settings,
        host=options.host,
        port=options.port,
        admin_token=options.admin_token,
        state_document=document,
        web_port=options.web_port,
        tls=options.tls,
    )
    try:
        check_address(options.host, options.port)
        if options.tls is not None and options.tls.port is not None:
            check_address(options.host, options.tls.port)
        return asyncio.run(_serve(server, options))
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


async def _serve(server: EmulatorServer, options: ServeOptions) -> int:
    await server.start()
    emulator = server.emulator
    assert emulator is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    state = emulator.state
    endpoint = emulator.settings.endpoint
    ca_file = CaFile(options.ca_file)
    try:
        written = ca_file.write(server.certificate)
    except OSError as error:
        await server.stop(None)
        return fail(f"--ca-file {error.strerror or error}", 2)
    ready: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "target": server.target,
        "endpoint": endpoint,
        "api_key": wrap(state.super_user_key, endpoint),
        "session_token": wrap(state.session_token, endpoint),
        "pid": os.getpid(),
        **ready_fields(server, state, written),
    }
    if options.admin_token_generated:
        ready["admin_token"] = options.admin_token
    if server.web_url:
        ready["web_url"] = server.web_url
    text = banner(ready, emulator.settings, options)
    # What start-up built (modules, message descriptors, the first state) stays for the life of the
    # process: out of the cyclic collector's reach, it is no longer re-examined by every full collection.
    gc.freeze()
    try:
        _print(text)  # before the ready file: whoever waits for that file finds the banner printed
        if options.ready_file is not None:
            try:
                write_atomically(options.ready_file, json.dumps(ready, indent=2))
            except OSError as error:
                await server.stop(None)
                return fail(f"--ready-file {error.strerror}", 2)
        await stop.wait()
        log.info("stopping: finishing in-flight calls (up to %s s)", DEFAULT_GRACE_SECONDS)
        await server.stop(DEFAULT_GRACE_SECONDS)
        if options.state_file is not None:
            try:
                write_atomically(options.state_file, json.dumps(emulator.export(), indent=2))
            except OSError as error:
                return fail(f"--state-file {error.strerror}: the state was not saved")
            log.info("state written to %s", options.state_file)
        return 0
    finally:
        ca_file.remove()
        if options.ready_file is not None:
            _remove_own_ready_file(options.ready_file)


def _print(text: str) -> None:
    """Print to stdout; a reader that went away (``serve | head``) does not stop the emulator."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _owned_by_a_live_emulator(path: Path) -> bool:
    """Whether ``path`` is the ready file of another emulator that is still serving."""
    try:
        ready = json.loads(path.read_text())
        pid, host, port = ready["pid"], ready["host"], ready["port"]
    except (OSError, ValueError, TypeError, KeyError):
        return False
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass  # alive, under another user
    except OSError:
        return False
    try:  # a reused process id proves nothing: the emulator must still be listening
        with socket.create_connection((_dialable(str(host)), int(port)), timeout=1.0):
            return True
    except (OSError, ValueError):
        return False


def _remove_own_ready_file(path: Path) -> None:
    """Remove the ready file unless another emulator, started since on the same path, has replaced it."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()


def _dialable(host: str) -> str:
    """A host to connect to from this machine: a wildcard address means this machine's loopback."""
    return LOOPBACK if host in ("0.0.0.0", "::", "") else host


def command_prefix() -> str:
    """How to run this command from the current directory, exactly as it can be pasted into a shell."""
    script = Path(sys.prefix) / "bin" / COMMAND
    if not script.exists():
        return f"{shlex.quote(_relative(Path(sys.executable)))} -m emulator"
    on_path = shutil.which(COMMAND)
    if on_path is not None and Path(on_path).resolve() == script.resolve():
        return COMMAND
    return shlex.quote(_relative(script))


def _relative(path: Path) -> str:
    """``path`` relative to the current directory when it is inside it, else absolute."""
    with contextlib.suppress(ValueError, OSError):
        return str(path.absolute().relative_to(Path.cwd()))
    return str(path.absolute())


# Which calls the log shows at each level (successes are DEBUG lines, the rest INFO).
_LOGGED_CALLS = {"debug": "each one logged below", "info": "failed ones logged below (--log-level debug: each one)"}


def banner(ready: dict[str, Any], settings: Settings, options: ServeOptions) -> str:
    """What ``serve`` prints once it is ready: the credentials, SDK settings and a control command."""
    dial = f"{_dialable(ready['host'])}:{ready['port']}"
    host = split_target(dial)[0]
    control = f"{command_prefix()} clock advance 1h --target {dial}"
    journal = f"{command_prefix()} journal --target {dial}"
    lines = [
        f"momento-auth-emulator ready on {ready['target']} (clock: {settings.clock_mode.value}; Ctrl-C stops)",
        f"  MOMENTO_API_KEY (super-user key): {ready['api_key']}",
        f"  session token:                    {ready['session_token']}",
    ]
    if options.admin_token_generated:
        control += f" --admin-token {options.admin_token}"
        journal += f" --admin-token {options.admin_token}"
        lines.append(f"  admin token (generated):          {options.admin_token}")
    lines += [
        f'  Python SDK:  dataclasses.replace(CredentialProvider.from_string(KEY), control_endpoint="{host}",',
        f'                 cache_endpoint="{host}", token_endpoint="{host}", port={ready["port"]})',
        "  Node SDK:    CredentialProvider.fromString({authToken: KEY, endpointOverrides: "
        f'{{controlEndpoint: "{dial}",',
        f'                 cacheEndpoint: "{dial}", tokenEndpoint: "{dial}", secureConnection: false}}}})',
        f"  Control:     {control}",
        f"  Calls:       {_LOGGED_CALLS.get(options.log_level.lower(), 'none logged')}; "
        f"the journal of SDK calls: {journal}",
        *banner_lines(ready),
    ]
    if ready.get("web_url"):
        url = ready["web_url"]
        lines += [
            f"  gRPC-Web:    {url}  (browser SDK: CredentialProvider.fromDisposableToken({{apiKey: TOKEN,",
            f'                 endpointOverrides: {{cacheEndpoint: "{url}", controlEndpoint: "{url}",',
            f'                 tokenEndpoint: "{url}"}}}}))',
        ]
    return "\n".join(lines)
