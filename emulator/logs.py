"""Log output for the standalone emulator: a line per RPC (INFO if it failed, else DEBUG), as text or JSON."""

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


class TextFormatter(logging.Formatter):
    """``TIME LEVEL LOGGER: MESSAGE``; the time's text is made once per second, not once per line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second = -1
        self._second_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        second = int(record.created)
        if second != self._second:
            self._second, self._second_text = second, super().formatTime(record, "%Y-%m-%d %H:%M:%S")
        return f"{self._second_text},{int(record.msecs):03d}"


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
    """Send the ``emulator`` loggers to stderr; secrets are never part of what they print.

    For the standalone process, which owns its logging: records skip what its lines never show
    (the caller's source line, thread and process names), as the logging documentation's
    "Optimization" section describes; that is most of a per-RPC line's cost.
    """
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = LoopBatchedHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("emulator")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
