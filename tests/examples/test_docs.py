"""The README and docs/ say what is true: links resolve, code parses, commands are the CLI's, recipes run.

The pytest recipes of docs/pytest.md run as tests in ``test_examples.py``; the Node snippet runs in
the Node suite (``tests/node/test/9-docs-snippets.test.mjs``).
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.cli import ENV_PREFIX, SERVE_OPTIONS, build_parser
from tests.helpers import DEADLINE_SECONDS, REPO, clean_env

README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
PAGES = [README, *DOCS]
README_MOST_LINES = 200
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_COMMAND = re.compile(r"^(?:\.venv/bin/)?momento-auth-emulator(?:\s|$)")


def blocks(page: Path, language: str) -> list[str]:
    """The fenced code blocks of ``page`` in ``language``."""
    return [body for lang, body in _FENCE.findall(page.read_text()) if lang == language]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    prose = _FENCE.sub("", page.read_text())
    return {slug(line.lstrip("#")) for line in prose.splitlines() if line.startswith("#")}


def name(page: Path) -> str:
    return str(page.relative_to(REPO))


def test_the_readme_is_a_landing_page() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MOST_LINES
    first_screen = "\n".join(lines[:20])
    assert "make run" in first_screen and "make test" in first_screen
    for page in DOCS:  # every reference page is reachable from the landing page
        assert f"({name(page)})" in README.read_text(), f"the README does not link {name(page)}"


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    for link in _LINK.findall(_FENCE.sub("", page.read_text())):
        if re.match(r"^[a-z]+:", link):
            continue  # an absolute URL
        path, _, anchor = link.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{name(page)} links {link}, which does not exist"
        if anchor:
            assert anchor in anchors(linked), f"{name(page)} links {link}: no such heading"


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_python_block_parses(page: Path) -> None:
    for block in blocks(page, "python"):
        compile(block, name(page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST)


def documented_commands(page: Path) -> list[str]:
    """Every ``momento-auth-emulator ...`` line of the page's sh blocks (and of the README's inline code)."""
    lines = [line for block in blocks(page, "sh") for line in block.splitlines()]
    if page == README:  # elsewhere, inline code may name a subcommand without its arguments
        lines += re.findall(r"`((?:\.venv/bin/)?momento-auth-emulator [^`]*)`", _FENCE.sub("", page.read_text()))
    return [line.strip() for line in lines if _COMMAND.match(line.strip())]


def as_argv(line: str) -> list[str]:
    """A documented command line as the arguments the CLI would get, with its placeholders filled in."""
    line = re.sub(r"\s#.*$", "", line)  # a trailing comment
    line = re.sub(r"\s*2>.*$|\s*&$", "", line)  # redirections and the background marker
    line = re.sub(r"\[(--?[\w-]+(?: [\w.]+)?)\]", r"\1", line)  # [--all] marks an optional flag
    line = line.replace("$T", "--target=127.0.0.1:40123")
    line = re.sub(r'"\$\w+"', "VALUE", line)
    line = line.replace("3f9c...", "3f9c")
    argv = shlex.split(line)[1:]
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv.insert(0, "serve")
    return argv


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_documented_command_line_is_accepted_by_the_cli(page: Path) -> None:
    parser = build_parser()
    for line in documented_commands(page):
        if "..." in line:
            continue  # a sketch of a command, not one
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            try:
                parser.parse_args(as_argv(line))
            except SystemExit:
                pytest.fail(f"{name(page)}: `{line}` is refused by the CLI: {stderr.getvalue()}")


def test_the_cli_page_documents_every_serve_flag_and_its_variable() -> None:
    flags = {option.flag for option in SERVE_OPTIONS}
    table = {
        match.group(1): match.group(2)
        for match in re.finditer(r"^\| `(--[\w-]+)[^`]*` \| `(\w+)` \|", (REPO / "docs/cli.md").read_text(), re.M)
    }
    assert set(table) == flags
    for flag, variable in table.items():
        assert variable == ENV_PREFIX + flag[2:].upper().replace("-", "_")


def ci_recipes() -> list[tuple[str, str]]:
    """The pytest-in-CI recipes: each starts an emulator and runs pytest in external mode."""
    found = []
    for page in PAGES:
        for block in blocks(page, "sh"):
            if block.startswith("#!") and "MOMENTO_EMULATOR_PYTEST_TARGET" in block:
                found.append((name(page), block))
    return found


def test_the_readme_and_the_ci_page_have_the_same_pytest_recipe() -> None:
    recipes = dict(ci_recipes())
    assert set(recipes) == {"README.md", "docs/ci.md"}
    assert recipes["README.md"] == recipes["docs/ci.md"]


def test_the_pytest_ci_recipe_runs_the_suite_against_the_emulator_it_started(tmp_path: Path) -> None:
    """Run as written, in a project of its own: the README's test passes, on the recipe's emulator."""
    (tmp_path / "test_app.py").write_text(
        blocks(README, "python")[0]
        + """

def test_the_suite_drives_the_recipes_emulator(momento_emulator):
    import os

    assert momento_emulator.external
    assert momento_emulator.target == os.environ["MOMENTO_EMULATOR_PYTEST_TARGET"]
"""
    )
    env = {k: v for k, v in clean_env().items() if not k.startswith("PYTEST_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # the CLI and pytest, as installed
    recipe = subprocess.Popen(
        ["bash", "-c", dict(ci_recipes())["README.md"]],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so that a timeout can stop the emulator the recipe started, too
    )
    try:
        stdout, stderr = recipe.communicate(timeout=4 * DEADLINE_SECONDS)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(recipe.pid, signal.SIGKILL)
    done = subprocess.CompletedProcess(recipe.args, recipe.returncode, stdout, stderr)
    assert done.returncode == 0, f"the recipe failed:\n{done.stdout}\n{done.stderr}"
    assert "2 passed" in done.stdout
    log = (tmp_path / "emulator.log").read_text()
    assert "Reset OK" in log, "the tests reset the recipe's emulator through its admin API"
