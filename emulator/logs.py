"""Log output for the standalone emulator: one line per RPC, as text or JSON lines."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import TextIO

from emulator.core.clock import to_iso


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "time": to_iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update(getattr(record, "rpc", {}))
        if record.exc_info:
            document["traceback"] = self.formatException(record.exc_info)
        return json.dumps(document)


class LoopBatchedHandler(logging.StreamHandler[TextIO]):
    """Writes the lines of one event-loop iteration together, at its end.

    A write per RPC line costs a system call and a GIL hand-off to grpc's poller thread, which
    under load is a large share of an RPC. Lines still leave within the same loop iteration and
    in order; warnings and errors, and lines logged outside an event loop, are written at once.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._pending.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or record.levelno >= logging.WARNING:
            self.flush()
        elif self._flush_on is not loop:
            self._flush_on = loop
            loop.call_soon(self.flush)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # typeshed: None before createLock()
            self._flush_on = None
            if self._pending:
                text, self._pending = "".join(self._pending), []
                self.stream.write(text)
            super().flush()


def configure_logging(fmt: str = "text", level: str = "INFO") -> None:
    """Send the ``emulator`` loggers to stderr; secrets are never part of what they print."""
    handler = LoopBatchedHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("emulator")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
