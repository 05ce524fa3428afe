"""The Python examples of docs/data-plane.md, each run as written in a fresh pytest run (the Node one: tests/node)."""

from __future__ import annotations

import pytest

from tests.examples.test_docs import blocks
from tests.helpers import REPO
from tests.test_plugin import clean_environment  # noqa: F401  (an autouse fixture)

pytest_plugins = ["pytester"]

EXAMPLES = blocks(REPO / "docs" / "data-plane.md", "python")


def test_the_page_has_its_examples() -> None:
    """Tokens against items, and topics: a block lost in an edit fails here, not silently."""
    assert len(EXAMPLES) == 2


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"block-{n}" for n in range(1, len(EXAMPLES) + 1)])
def test_every_python_example_passes_as_written(pytester: pytest.Pytester, example: str) -> None:
    tests = example.count("\ndef test_")
    assert tests, "an example on this page is a test module"
    pytester.makepyfile(example)
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=tests)
