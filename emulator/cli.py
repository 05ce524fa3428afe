"""``momento-auth-emulator``: serve the emulator, or control a running one.

``serve`` (the default, in :mod:`emulator.process`) runs in the foreground until SIGTERM or
SIGINT. Every other subcommand talks to a running emulator's admin API at ``--target``.

Everything the command line takes is parsed and checked here, once: flags, and the
``MOMENTO_EMULATOR_*`` variables that stand in for flags not given. ``serve`` then gets the
emulator's :class:`Settings` and the process's :class:`ServeOptions`, not argparse's namespace.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from emulator.core.clock import ClockMode, parse_instant
from emulator.core.config import DEFAULT_MAX_DISPOSABLE_TTL, Settings
from emulator.core.errors import InvalidArgument
from emulator.core.faults import MAX_COUNT
from emulator.core.values import clock_mode as parse_clock_mode
from emulator.core.values import port_number, whole_number
from emulator.dropin import switch, tls_options
from emulator.process import COMMAND, LOOPBACK, ServeOptions, fail, serve, write_atomically
from emulator.services.registry import CATALOG
from emulator.services.rpc import ADMIN_TOKEN_RULE, usable_as_admin_token
from emulator.tls import TlsError

if TYPE_CHECKING:
    from emulator.control import RemoteControl

ENV_PREFIX = "MOMENTO_EMULATOR_"
DEFAULT_TARGET = "127.0.0.1:8090"
DEFAULT_PORT = 8090
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_WILDCARDS = ("0.0.0.0", "::")
T = TypeVar("T")
METHOD_HELP = "a Momento RPC by name or path (" + ", ".join(p.rsplit("/", 1)[1] for p in CATALOG.methods) + ")"


class UsageError(Exception):
    """A value the command line cannot use; exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and a pointer to ``--help``, not the whole usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``1h``, ``2d`` -> seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90, 90s, 15m, 1h or 2d")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def positive_int(text: str) -> int:
    """A count or a limit: the admin API carries them as 32-bit numbers."""
    try:
        value: object = int(text)
    except ValueError:
        value = text  # refused below in the same words, quoted as text
    return checked(whole_number, value, "", 1, MAX_COUNT)


def checked(check: Callable[..., T], value: object, *args: Any) -> T:
    """``check(value, field, ...)`` from :mod:`emulator.core.values`, its refusal as argparse's."""
    try:
        return check(value, *args)
    except InvalidArgument as error:
        raise argparse.ArgumentTypeError(error.problem) from None


def port(text: str) -> int:
    try:
        value: object = int(text)
    except ValueError:
        value = text  # refused below in the same words, quoted as text
    return checked(port_number, value, "")


def header_value(text: str) -> str:
    """An admin token: it travels in a gRPC header, so printable ASCII without spaces (or empty: none)."""
    if not usable_as_admin_token(text):
        raise argparse.ArgumentTypeError(ADMIN_TOKEN_RULE)
    return text


def momento_method(name: str) -> str:
    """A Momento RPC's full path from its name or path, resolved by the RPC registry as the server does."""
    from emulator.control import ControlError

    try:
        return CATALOG.resolve(name)
    except InvalidArgument as error:
        raise ControlError("INVALID_ARGUMENT", error.message) from None


def super_user_key(text: str) -> str:
    """A fixed super-user key: given at all, it must not be empty (a CI secret that expanded to nothing)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty: leave it out for a generated key")
    return text


def one_of(*choices: str) -> Callable[[str], str]:
    """A choice, in any case."""

    def check(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(choices)}")
        return value

    check.__name__ = "choice"
    return check


def clock_mode(text: str) -> ClockMode:
    return checked(parse_clock_mode, text, "clock")


def start_instant(text: str) -> float:
    return checked(parse_instant, text, "start-time")


def text(value: str) -> str:
    return value


@dataclass(frozen=True)
class Option:
    """A flag that a ``MOMENTO_EMULATOR_*`` variable stands in for when it is not given."""

    flag: str
    help: str
    convert: Callable[[str], Any] = text
    default: Any = None
    const: Any = None  # a flag that takes no value gives this; its variable still takes one

    @property
    def dest(self) -> str:
        return self.flag[2:].replace("-", "_")

    @property
    def variable(self) -> str:
        return ENV_PREFIX + self.dest.upper()

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        help = f"{self.help} [{self.dest.upper()}]"
        if self.const is not None:
            parser.add_argument(self.flag, action="store_const", const=self.const, default=None, help=help)
        else:
            parser.add_argument(self.flag, type=self.convert, default=None, help=help)


SERVE_OPTIONS = (
    Option("--host", "address to bind (default 127.0.0.1)", default=LOOPBACK),
    Option("--port", "port; 0 picks a free one (default 8090)", port, DEFAULT_PORT),
    Option("--seed", "make every generated key deterministic"),
    Option("--start-time", "ISO 8601 start instant", start_instant),
    Option("--clock", "manual (default) or system", clock_mode, ClockMode.MANUAL),
    Option(
        "--max-disposable-ttl",
        "longest disposable token lifetime (default 1h)",
        parse_duration,
        float(DEFAULT_MAX_DISPOSABLE_TTL),
    ),  # fmt: skip
    Option("--web-port", "also serve gRPC-Web (browsers, @gomomento/sdk-web) here; 0 picks one", port),
    Option("--endpoint", "the endpoint put in keys and responses (default HOST:PORT)", default=""),
    Option("--super-user-key", "fixed super-user key value", super_user_key, ""),
    Option("--admin-token", "require this token on admin calls", header_value, ""),
    Option("--tls", "serve TLS on --port instead of plaintext (drop-in mode)", switch, False, const=True),
    Option("--tls-port", "also serve TLS on this port, beside plaintext", port),
    Option("--tls-cert", "PEM certificate chain to serve instead of a generated one", Path),
    Option("--tls-key", "PEM private key of --tls-cert", Path),
    Option("--ca-file", "write the generated CA here (default: a temporary file)", Path),
    Option("--state-file", "import at start, export on exit", Path),
    Option("--ready-file", "write JSON here once serving", Path),
    Option("--log-format", "log lines as text or json", one_of("text", "json"), "text"),
    Option("--log-level", "debug, info, warning or error", one_of("debug", "info", "warning", "error"), "info"),
)
CLIENT_OPTIONS = (
    Option("--target", "HOST:PORT of a running emulator (default 127.0.0.1:8090)", default=DEFAULT_TARGET),
    Option("--admin-token", "admin token, if the emulator has one", header_value, ""),
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=COMMAND, description="A local emulator of Momento's Auth gRPC service with a controllable clock."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve_parser = commands.add_parser(
        "serve",
        help="run the emulator (the default command)",
        description=f"Run the emulator in the foreground. [NAME] after a flag is its variable {ENV_PREFIX}NAME.",
    )
    for option in SERVE_OPTIONS:
        option.add_to(serve_parser)

    client = Parser(add_help=False)
    for option in CLIENT_OPTIONS:
        option.add_to(client)
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
    mode.add_argument("mode", type=clock_mode, metavar="{manual,system}")

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
    add.add_argument("--method", action="append", default=[], help=f"{METHOD_HELP}; repeatable; default: all")
    add.add_argument("--code", default="UNAVAILABLE", help="gRPC status name (default UNAVAILABLE)")
    add.add_argument("--count", type=positive_int, help="how many calls to fail (default: until cleared)")
    add.add_argument("--delay", type=parse_duration, default=0.0, help="wall-clock delay before answering")
    add.add_argument("--message", default="", help="status details to send")
    add.add_argument("--key-id", default="", help="only calls from this caller key id")
    add.add_argument("--token-id", default="", help="only calls from a caller with this token id")
    faults.add_parser("list", parents=[client], help="list fault rules")
    clear = faults.add_parser("clear", parents=[client], help="remove one rule (f1, f2, ...), or all")
    clear.add_argument("rule_id", nargs="?", default="")

    journal = commands.add_parser("journal", parents=[client], help="show served Momento calls")
    journal.add_argument("--method", default="", help=f"only this RPC: {METHOD_HELP}")
    journal.add_argument("--limit", type=positive_int, default=0, help="only the newest N")
    journal.add_argument("--clear", action="store_true", help="then remove the entries up to the newest printed")

    caches = commands.add_parser("caches", help="list, create or delete caches").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    caches.add_parser("list", parents=[client], help="every cache, with its number of live items")
    for name in ("create", "delete"):
        caches.add_parser(name, parents=[client], help=f"{name} a cache").add_argument("name")
    items = commands.add_parser("items", help="see what an app wrote to a cache").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    item_list = items.add_parser(
        "list", parents=[client], help="the live items of a cache (keys, types, sizes, TTLs; collections previewed)"
    )
    item_list.add_argument("cache")
    item_list.add_argument("--limit", type=positive_int, default=0, help="only the first N keys")
    item_get = items.add_parser("get", parents=[client], help="one item: a scalar's value, a collection's preview")
    item_get.add_argument("cache")
    item_get.add_argument("key", help="the item's key, as text (UTF-8)")

    commands.add_parser("reset", parents=[client], help="fresh state, clock back at its start")
    commands.add_parser("bootstrap", parents=[client], help="print the bootstrap credentials")
    export = commands.add_parser("export", parents=[client], help="write the whole state to a JSON file")
    export.add_argument("path", type=Path)
    load = commands.add_parser("import", parents=[client], help="replace the state from a JSON file")
    load.add_argument("path", type=Path)
    return parser


def from_environment(args: argparse.Namespace, options: Sequence[Option]) -> dict[str, str]:
    """Fill each option not given as a flag from its variable (checked like the flag), else its default.

    Returns where each given value came from (the flag or the variable), to name it in errors.
    """
    sources = {}
    for option in options:
        if getattr(args, option.dest) is not None:
            sources[option.dest] = option.flag
            continue
        value = os.environ.get(option.variable)
        if value is None:
            setattr(args, option.dest, option.default)
            continue
        try:
            setattr(args, option.dest, option.convert(value))
        except argparse.ArgumentTypeError as error:
            raise UsageError(f"{option.variable}: {error}") from None
        sources[option.dest] = option.variable
    return sources


def serve_configuration(args: argparse.Namespace) -> tuple[Settings, ServeOptions]:
    """The emulator's settings and the process's options, from flags and variables; UsageError if unusable."""
    sources = from_environment(args, SERVE_OPTIONS)

    def named(dest: str) -> str:
        return sources.get(dest, f"--{dest.replace('_', '-')}")

    admin_token, generated = args.admin_token, False
    if not _is_loopback(args.host):
        if args.host.strip("[]") in _WILDCARDS and not args.endpoint:
            raise UsageError(
                f"{named('endpoint')}: required with --host {args.host}: keys name the endpoint clients dial, "
                f"and {args.host} is not an address they can dial (e.g. --endpoint emulator.example:{args.port})"
            )
        if not admin_token:  # off loopback, the admin API (which can export the secret) is never left open
            admin_token, generated = secrets.token_urlsafe(24), True
    try:
        settings = Settings(
            endpoint=args.endpoint,
            seed=args.seed,
            start_time=args.start_time,
            clock_mode=args.clock,
            max_disposable_ttl=_whole_seconds(args.max_disposable_ttl, named("max_disposable_ttl")),
            super_user_key=args.super_user_key,
        )
    except InvalidArgument as error:  # named as the flag or variable that gave it
        raise UsageError(f"{named(_SETTING_OPTIONS.get(error.field, error.field))}: {error.problem}") from None
    try:
        tls = tls_options(args.tls, args.tls_port, args.tls_cert, args.tls_key, args.ca_file, named)
    except TlsError as error:
        raise UsageError(str(error)) from None
    options = ServeOptions(
        host=args.host,
        port=args.port,
        web_port=args.web_port,
        admin_token=admin_token,
        admin_token_generated=generated,
        state_file=args.state_file,
        ready_file=args.ready_file,
        log_format=args.log_format,
        log_level=args.log_level,
        tls=tls,
        ca_file=args.ca_file,
    )
    return settings, options


_SETTING_OPTIONS = {"clock_mode": "clock"}  # the settings whose option has another name


def _whole_seconds(seconds: float, name: str) -> int:
    if seconds < 1:
        raise UsageError(f"{name}: {seconds:g} s is shorter than one second")
    return int(seconds)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    for argument in arguments:
        try:
            argument.encode()
        except UnicodeEncodeError:  # bytes the locale could not decode, kept as surrogates
            return fail(f"argument {argument!r}: not valid UTF-8", 2)
    if not arguments or arguments[0].startswith("-") and arguments[0] not in ("-h", "--help"):
        arguments.insert(0, "serve")
    if arguments[:2] == ["clock", "advance"] and any(re.match(r"^-\d", a) for a in arguments[2:]):
        return fail("clock advance: the clock never goes backwards: give a duration like 90, 90s, 15m, 1h or 2d", 2)
    args = build_parser().parse_args(arguments)
    try:
        if args.command == "serve":
            return serve(*serve_configuration(args))
        from_environment(args, CLIENT_OPTIONS)
    except UsageError as error:
        return fail(str(error), 2)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """A client subcommand: one call to the emulator at ``--target``, its answer printed."""
    from emulator.control import ControlError, remote_control  # not needed to serve: keeps start-up quick

    try:
        with remote_control(args.target, admin_token=args.admin_token) as control:
            result = run_client(control, args)
    except ControlError as error:
        return fail(f"{args.target}: {_explain(error.code, error.message, args)}")
    except OSError as error:  # the file of export or import
        return fail(f"{error.filename}: {error.strerror}" if error.filename else error.strerror or str(error))
    except UnicodeDecodeError as error:
        return fail(f"{args.path}: not UTF-8 text ({error.reason})")
    try:
        emit(result, args.json, text=_AUTHORIZE_TEXT if args.command == "authorize" else None)
    except BrokenPipeError:  # the reader went away (``... | head``): stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def _explain(code: str, message: str, args: argparse.Namespace) -> str:
    """A refused call in the user's terms: what to do about an unreachable emulator or a missing token."""
    if code == "UNAVAILABLE":
        return f"no emulator answering: is it running? (start one with '{COMMAND} serve'; grpc says: {message})"
    if code == "UNAUTHENTICATED" and "admin token" in message:
        given = (
            "the admin token given is not this emulator's" if args.admin_token else "this emulator has an admin token"
        )
        return f"{given}: pass it with --admin-token TOKEN or {ENV_PREFIX}ADMIN_TOKEN"
    return f"{code}: {message}"


def run_client(control: RemoteControl, args: argparse.Namespace) -> Any:
    command, action = args.command, getattr(args, "action", None)
    if command == "clock":
        if action == "set":
            control.set_time(args.time)
        elif action == "advance":
            control.advance(args.duration)
        elif action == "mode":
            control.set_clock_mode(args.mode)
        return control.clock().to_json()
    if command == "keys":
        if action == "list":
            return [key.to_json() for key in control.keys(include_inactive=args.all)]
        return (control.describe_key(args.key) if action == "describe" else control.revoke_key(args.key)).to_json()
    if command == "authorize":
        return control.authorize(
            args.key, args.action, args.cache, item=args.item, topic=args.topic, function=args.function
        ).to_json()
    if command == "faults":
        if action == "add":
            return control.add_fault(
                [momento_method(m) for m in args.method if m], args.code, count=args.count, delay=args.delay,
                message=args.message, key_id=args.key_id, token_id=args.token_id,
            ).to_json()  # fmt: skip
        if action == "list":
            return [rule.to_json() for rule in control.faults()]
        return {"removed": control.clear_faults(args.rule_id)}
    if command == "journal":
        entries = control.journal(momento_method(args.method) if args.method.strip() else "", args.limit)
        if args.clear and entries:  # up to the newest entry read: calls that came meanwhile stay
            control.clear_journal(max(entry.seq for entry in entries))
        return [entry.to_json() for entry in entries]
    if command == "caches":
        if action == "list":
            return [cache.to_json() for cache in control.caches()]
        return (control.create_cache(args.name) if action == "create" else control.delete_cache(args.name)).to_json()
    if command == "items":
        if action == "list":
            return [item.to_json() for item in control.items(args.cache, args.limit)]
        return control.item(args.cache, args.key).to_json()
    if command in ("reset", "bootstrap"):
        bootstrap = control.reset() if command == "reset" else control.bootstrap()
        return {
            "api_key": bootstrap.api_key, "session_token": bootstrap.session_token, "endpoint": bootstrap.endpoint,
            "api_key_v2": bootstrap.api_key_v2,
        }  # fmt: skip
    if command == "export":
        write_atomically(args.path, json.dumps(control.export_state(), indent=2))
        return {"exported": str(args.path)}
    document = args.path.read_text()
    control.import_state(document)
    return {"imported": str(args.path)}


def _authorize_text(decision: dict[str, Any]) -> str:
    verdict = "allowed" if decision["allowed"] else "denied"
    lines = [f"{verdict}: {decision['reason']}"]
    if decision.get("matched_permission"):
        lines.append(f"matched permission [{decision['matched_index']}]: {decision['matched_permission']}")
    if decision.get("key_id"):
        lines.append(f"key id: {decision['key_id']}")
    return "\n".join(lines)


_AUTHORIZE_TEXT = _authorize_text


def emit(result: Any, as_json: bool, text: Callable[[Any], str] | None = None) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
    elif text is not None:
        print(text(result))
    elif isinstance(result, list):
        for item in result:
            shown = {k: v for k, v in item.items() if v not in ("", None, [], {})}
            if "permissions_text" in shown:  # the same permissions, once, in words
                shown.pop("permissions", None)
            print("  ".join(f"{k}={_text(v)}" for k, v in _previewed(shown).items()))
        if not result:
            print("(none)")
    else:
        for key, value in _previewed(result).items():
            print(f"{key}: {_text(value)}")


def _previewed(shown: dict[str, Any]) -> dict[str, Any]:
    """A collection's entries, once, on one line: its ``preview`` (``--json`` has both)."""
    return {k: v for k, v in shown.items() if k != "entries"} if "preview" in shown else shown


def _text(value: Any) -> str:
    if isinstance(value, float):  # milliseconds and seconds: three decimals are plenty to read
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return value if isinstance(value, str) else json.dumps(value)
