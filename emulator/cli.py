"""``momento-auth-emulator``: serve the emulator, or control a running one.

``serve`` (the default, in :mod:`emulator.process`) runs in the foreground until SIGTERM or
SIGINT. Every other subcommand talks to a running emulator's admin API at ``--target``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.core.clock import ClockMode, parse_instant
from emulator.core.config import DEFAULT_MAX_DISPOSABLE_TTL
from emulator.core.errors import InvalidArgument
from emulator.core.faults import MAX_COUNT
from emulator.process import fail, serve, write_atomically
from emulator.services.rpc import ADMIN_TOKEN_RULE, usable_as_admin_token

if TYPE_CHECKING:
    from emulator.control import RemoteControl

ENV_PREFIX = "MOMENTO_EMULATOR_"
DEFAULT_TARGET = "127.0.0.1:8090"
DEFAULT_PORT = 8090
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``1h``, ``2d`` -> seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90, 90s, 15m, 1h or 2d")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def positive_int(text: str) -> int:
    """A count or a limit: the admin API carries them as 32-bit numbers."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {MAX_COUNT}")
    return value


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 0 to 65535")
    return value


def header_value(text: str) -> str:
    """An admin token: it travels in a gRPC header, so printable ASCII without spaces (or empty: none)."""
    if not usable_as_admin_token(text):
        raise argparse.ArgumentTypeError(ADMIN_TOKEN_RULE)
    return text


def one_of(*choices: str) -> Any:
    """An argparse type that checks values from the environment too (argparse skips that for defaults)."""

    def check(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(choices)}")
        return value

    check.__name__ = "choice"
    return check


def _instant(text: str) -> float:
    try:
        return parse_instant(text, "start-time")
    except InvalidArgument as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _env(name: str, default: Any = None) -> Any:
    return os.environ.get(ENV_PREFIX + name, default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="momento-auth-emulator",
        description="A local emulator of Momento's Auth gRPC service with a controllable clock.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the emulator (the default command)",
        description=f"Run the emulator in the foreground. [NAME] after a flag is its variable {ENV_PREFIX}NAME.",
    )
    add_serve_options(serve)

    client = argparse.ArgumentParser(add_help=False)
    client.add_argument(
        "--target", default=_env("TARGET", DEFAULT_TARGET), help="HOST:PORT of a running emulator [env TARGET]"
    )
    client.add_argument(
        "--admin-token", type=header_value, default=_env("ADMIN_TOKEN", ""), help="admin token, if the emulator has one"
    )
    client.add_argument("--json", action="store_true", help="print JSON instead of text")

    clock = commands.add_parser("clock", help="read or move the emulator clock").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    clock.add_parser("get", parents=[client], help="print the emulator's now")
    clock_set = clock.add_parser("set", parents=[client], help="move the clock to an ISO 8601 instant (forward only)")
    clock_set.add_argument("time")
    advance = clock.add_parser("advance", parents=[client], help="move the clock forward (90, 90s, 15m, 1h, 2d)")
    advance.add_argument("duration", type=parse_duration)
    mode = clock.add_parser("mode", parents=[client], help="switch between manual and system time")
    mode.add_argument("mode", choices=[m.value for m in ClockMode])

    keys = commands.add_parser("keys", help="list, describe or revoke issued credentials").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    listing = keys.add_parser("list", parents=[client], help="list credentials")
    listing.add_argument("--all", action="store_true", help="include expired and revoked ones")
    for name in ("describe", "revoke"):
        sub = keys.add_parser(name, parents=[client], help=f"{name} one credential")
        sub.add_argument("key", help="key id, raw key, or base64 form")

    authorize = commands.add_parser("authorize", parents=[client], help="would a key be allowed an operation?")
    authorize.add_argument("--key", required=True, help="key id, raw key, or base64 form")
    authorize.add_argument("--action", required=True, help="get, set, delete, set-if-not-exists, publish, ...")
    authorize.add_argument("--cache", required=True)
    target = authorize.add_mutually_exclusive_group()
    target.add_argument("--item", help="the cache key")
    target.add_argument("--topic", help="the topic name")
    target.add_argument("--function", help="the function name (for invoke-function)")

    faults = commands.add_parser("faults", help="inject failures").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    add = faults.add_parser("add", parents=[client], help="add a fault rule")
    add.add_argument("--method", action="append", default=[], help="RPC name or path; repeatable; default: all")
    add.add_argument("--code", default="UNAVAILABLE", help="gRPC status name (default UNAVAILABLE)")
    add.add_argument("--count", type=positive_int, help="how many calls to fail (default: until cleared)")
    add.add_argument("--delay", type=parse_duration, default=0.0, help="wall-clock delay before answering")
    add.add_argument("--message", default="", help="status details to send")
    add.add_argument("--key-id", default="", help="only calls from this caller key id")
    add.add_argument("--token-id", default="", help="only calls from a caller with this token id")
    faults.add_parser("list", parents=[client], help="list fault rules")
    clear = faults.add_parser("clear", parents=[client], help="remove one rule, or all")
    clear.add_argument("rule_id", nargs="?", default="")

    journal = commands.add_parser("journal", parents=[client], help="show served Momento calls")
    journal.add_argument("--method", default="", help="only this RPC")
    journal.add_argument("--limit", type=positive_int, default=0, help="only the newest N")
    journal.add_argument("--clear", action="store_true", help="then remove the entries up to the newest printed")

    commands.add_parser("reset", parents=[client], help="fresh state, clock back at its start")
    commands.add_parser("bootstrap", parents=[client], help="print the bootstrap credentials")
    export = commands.add_parser("export", parents=[client], help="write the whole state to a JSON file")
    export.add_argument("path", type=Path)
    load = commands.add_parser("import", parents=[client], help="replace the state from a JSON file")
    load.add_argument("path", type=Path)
    return parser


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` flags; each has a ``MOMENTO_EMULATOR_*`` environment variable, and flags win."""
    option = parser.add_argument
    option("--host", default=_env("HOST", "127.0.0.1"), help="address to bind [HOST] (default 127.0.0.1)")
    option("--port", type=port_number, default=_env("PORT", DEFAULT_PORT), help="port; 0 picks a free one [PORT]")
    option("--seed", default=_env("SEED"), help="make every generated key deterministic [SEED]")
    option("--start-time", type=_instant, default=_env("START_TIME"), help="ISO 8601 start instant [START_TIME]")
    modes = [m.value for m in ClockMode]
    option("--clock", type=one_of(*modes), default=_env("CLOCK", "manual"), help="manual (default) or system [CLOCK]")
    option(
        "--max-disposable-ttl", type=parse_duration, default=_env("MAX_DISPOSABLE_TTL", DEFAULT_MAX_DISPOSABLE_TTL),
        help="longest disposable token lifetime (default 1h) [MAX_DISPOSABLE_TTL]",
    )  # fmt: skip
    option("--endpoint", default=_env("ENDPOINT", ""), help="endpoint in responses (default HOST:PORT) [ENDPOINT]")
    option(
        "--super-user-key", default=_env("SUPER_USER_KEY", ""),
        help="fixed super-user key value [SUPER_USER_KEY]",
    )  # fmt: skip
    option(
        "--admin-token", type=header_value, default=_env("ADMIN_TOKEN", ""),
        help="require this token on admin calls [ADMIN_TOKEN]",
    )  # fmt: skip
    option("--state-file", type=Path, default=_env("STATE_FILE"), help="import at start, export on exit [STATE_FILE]")
    option("--ready-file", type=Path, default=_env("READY_FILE"), help="write JSON here once serving [READY_FILE]")
    option(
        "--log-format", type=one_of("text", "json"), default=_env("LOG_FORMAT", "text"),
        help="one line per RPC as text or json [LOG_FORMAT]",
    )  # fmt: skip
    option(
        "--log-level", type=one_of("debug", "info", "warning", "error"), default=_env("LOG_LEVEL", "info"),
        help="debug, info, warning or error [LOG_LEVEL]",
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    for argument in arguments:
        try:
            argument.encode()
        except UnicodeEncodeError:  # bytes the locale could not decode, kept as surrogates
            return fail(f"argument {argument!r}: not valid UTF-8", 2)
    if not arguments or arguments[0].startswith("-") and arguments[0] not in ("-h", "--help"):
        arguments.insert(0, "serve")
    args = build_parser().parse_args(arguments)
    if args.command == "serve":
        return serve(args)
    from emulator.control import ControlError, remote_control  # not needed to serve: keeps start-up quick

    try:
        with remote_control(args.target, admin_token=args.admin_token) as control:
            result = run_client(control, args)
    except ControlError as error:
        return fail(f"{args.target}: {error.code}: {error.message}")
    except (OSError, UnicodeDecodeError) as error:
        return fail(str(error))
    emit(result, args.json)
    return 0


def run_client(control: RemoteControl, args: argparse.Namespace) -> Any:
    command, action = args.command, getattr(args, "action", None)
    if command == "clock":
        if action == "set":
            control.set_time(args.time)
        elif action == "advance":
            control.advance(args.duration)
        elif action == "mode":
            control.set_clock_mode(args.mode)
        clock = control.clock()
        return {"now": clock["now"], "mode": clock["mode"]}
    if command == "keys":
        if action == "list":
            return control.keys(include_inactive=args.all)
        return control.describe_key(args.key) if action == "describe" else control.revoke_key(args.key)
    if command == "authorize":
        return control.authorize(
            args.key, args.action, args.cache, item=args.item, topic=args.topic, function=args.function
        )
    if command == "faults":
        if action == "add":
            return control.add_fault(
                args.method, args.code, count=args.count, delay=args.delay, message=args.message,
                key_id=args.key_id, token_id=args.token_id,
            )  # fmt: skip
        return control.faults() if action == "list" else {"removed": control.clear_faults(args.rule_id)}
    if command == "journal":
        entries = control.journal(args.method, args.limit)
        if args.clear and entries:  # up to the newest entry read: calls that came meanwhile stay
            control.clear_journal(max(entry["seq"] for entry in entries))
        return entries
    if command in ("reset", "bootstrap"):
        bootstrap = control.reset() if command == "reset" else control.bootstrap()
        return {"api_key": bootstrap.api_key, "session_token": bootstrap.session_token, "endpoint": bootstrap.endpoint}
    if command == "export":
        write_atomically(args.path, json.dumps(control.export_state(), indent=2))
        return {"exported": str(args.path)}
    document = args.path.read_text()
    control.import_state(document)
    return {"imported": str(args.path)}


def emit(result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
    elif isinstance(result, list):
        for item in result:
            print("  ".join(f"{k}={_text(v)}" for k, v in item.items() if v not in ("", None, [], {})))
        if not result:
            print("(none)")
    else:
        for key, value in result.items():
            print(f"{key}: {_text(value)}")


def _text(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return value if isinstance(value, str) else json.dumps(value)
