"""The standalone process's log lines: the text format, its cached time, and lines batched per loop iteration."""

from __future__ import annotations

import asyncio
import io
import logging

from emulator.logs import LoopBatchedHandler, TextFormatter
from tests.builders import START

STANDARD = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def record(created: float, message: str = "Get OK") -> logging.LogRecord:
    line = logging.LogRecord("emulator.rpc", logging.INFO, __file__, 1, message, None, None)
    line.created, line.msecs = created, (created - int(created)) * 1000
    return line


def test_text_lines_read_as_the_standard_formatter_would_write_them_across_seconds() -> None:
    formatter = TextFormatter()
    for created in (START + offset for offset in (0.0, 0.999, 1.0005, 1.5, 61.25, 0.1)):
        assert formatter.format(record(created)) == STANDARD.format(record(created))


def test_lines_of_one_loop_iteration_leave_together_and_warnings_at_once() -> None:
    stream = io.StringIO()
    handler = LoopBatchedHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))

    async def main() -> list[str]:
        seen = []
        handler.emit(record(0, "one"))
        handler.emit(record(0, "two"))
        seen.append(stream.getvalue())  # nothing yet: the iteration has not ended
        warning = record(0, "careful")
        warning.levelno = logging.WARNING
        handler.emit(warning)
        seen.append(stream.getvalue())  # a warning flushes at once, in order
        handler.emit(record(0, "three"))
        await asyncio.sleep(0)
        seen.append(stream.getvalue())
        return seen

    assert asyncio.run(main()) == ["", "one\ntwo\ncareful\n", "one\ntwo\ncareful\nthree\n"]
