"""The Python example of docs/data-plane.md, run as written in a fresh pytest run (the Node one runs in tests/node)."""

from __future__ import annotations

import pytest

from tests.examples.test_docs import blocks
from tests.helpers import REPO
from tests.test_plugin import clean_environment  # noqa: F401  (an autouse fixture)

pytest_plugins = ["pytester"]


def test_the_python_example_is_refused_a_set_allowed_a_get_then_expired(pytester: pytest.Pytester) -> None:
    [example] = blocks(REPO / "docs" / "data-plane.md", "python")
    pytester.makepyfile(example)
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)
