"""Fault injection: rules that make matching Momento calls fail or stall on purpose."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from emulator.core.errors import InvalidArgument, NotFound
from emulator.core.values import finite_number, whole_number

MAX_DELAY_SECONDS = 60.0
MAX_COUNT = 2**32 - 1  # counts and hits are 32-bit in the admin API


@dataclass(frozen=True)
class Catalog:
    """What fault rules and journal queries may name: given by the service layer, which knows the RPCs.

    ``methods`` are the full paths of the Momento RPCs served; ``codes`` the status names a rule may
    answer with ("OK" meaning "delay only, then serve normally"). The core itself knows neither.
    """

    methods: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    def resolve(self, name: str) -> str:
        """A method's name (``Name``), path (``/package.Service/Name``) or path without the slash -> the path."""
        text = name.strip()
        for path in self.methods:
            if text in (path, path.rsplit("/", 1)[1], path.lstrip("/")):
                return path
        known = ", ".join(p.rsplit("/", 1)[1] for p in self.methods)
        raise InvalidArgument("method", f"{name!r} is not a Momento method; known: {known}")


@dataclass(frozen=True)
class FaultRule:
    """Fail (or delay) calls to ``methods`` made by a matching caller, ``count`` times or until cleared."""

    methods: tuple[str, ...]
    code: str = "UNAVAILABLE"
    message: str = ""
    count: int | None = None  # None: until cleared
    delay: float = 0.0  # wall-clock seconds; emulator time does not move meanwhile
    key_id: str = ""
    token_id: str = ""
    rule_id: str = ""
    hits: int = 0

    def matches(self, method: str, key_id: str, token_id: str) -> bool:
        return (
            method in self.methods
            and (not self.key_id or self.key_id == key_id)
            and (not self.token_id or self.token_id == token_id)
        )

    def to_json(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id, "methods": list(self.methods), "code": self.code,
            "message": self.message, "count": self.count, "delay_seconds": self.delay,
            "key_id": self.key_id, "token_id": self.token_id, "hits": self.hits,
        }  # fmt: skip


def rule_from_json(data: dict[str, object], catalog: Catalog) -> FaultRule:
    """Build and validate a rule from user input or an exported document, against ``catalog``."""
    methods = data.get("methods") or list(catalog.methods)
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise InvalidArgument("methods", "must be a list of method names")
    code = str(data.get("code") or "UNAVAILABLE").upper()
    if code not in catalog.codes:
        raise InvalidArgument("code", f"{code!r} is not a gRPC status name")
    count = data.get("count")
    if count is not None:
        count = whole_number(count, "count", 1, MAX_COUNT, " (leave it out for 'until cleared')")
    delay = finite_number(data.get("delay_seconds", 0.0), "delay_seconds")
    if not 0 <= delay <= MAX_DELAY_SECONDS:
        raise InvalidArgument("delay_seconds", f"{delay!r} is not between 0 and {MAX_DELAY_SECONDS:g} seconds")
    if code == "OK" and not delay:
        raise InvalidArgument("code", "OK injects nothing unless a delay is given")
    hits = whole_number(data.get("hits") or 0, "hits", 0, MAX_COUNT)
    return FaultRule(
        methods=tuple(dict.fromkeys(catalog.resolve(m) for m in methods)),
        code=code,
        message=str(data.get("message") or ""),
        count=count,
        delay=delay,
        key_id=str(data.get("key_id") or ""),
        token_id=str(data.get("token_id") or ""),
        rule_id=str(data.get("rule_id") or ""),
        hits=hits,
    )


@dataclass
class Faults:
    """The active fault rules, in the order they were added; the first match wins."""

    _rules: list[FaultRule] = field(default_factory=list)
    _next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, rule: FaultRule) -> FaultRule:
        """Append ``rule``, keeping its id if it has one (an import) or giving it a fresh one."""
        with self._lock:
            taken = {r.rule_id for r in self._rules}
            if rule.rule_id in taken:
                raise InvalidArgument("rule_id", f"{rule.rule_id!r} is already in use")
            while not rule.rule_id or rule.rule_id in taken:
                rule = replace(rule, rule_id=f"f{self._next_id}")
                self._next_id += 1
            self._rules.append(rule)
            return rule

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self, rule_id: str = "") -> int:
        """Remove one rule (or all, with no id); returns how many were removed."""
        with self._lock:
            if not rule_id:
                removed = len(self._rules)
                self._rules.clear()
                return removed
            kept = [r for r in self._rules if r.rule_id != rule_id]
            if len(kept) == len(self._rules):
                raise NotFound(f"rule_id: no fault rule {rule_id!r}")
            self._rules = kept
            return 1

    def take(self, method: str, key_id: str = "", token_id: str = "") -> FaultRule | None:
        """The first rule matching this call, spending one of its uses."""
        if not self._rules:
            return None
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.matches(method, key_id, token_id):
                    used = replace(
                        rule, hits=min(rule.hits + 1, MAX_COUNT), count=None if rule.count is None else rule.count - 1
                    )
                    if used.count == 0:
                        del self._rules[index]
                    else:
                        self._rules[index] = used
                    return used
            return None
