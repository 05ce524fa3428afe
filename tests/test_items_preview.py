"""What an app wrote, seen through the control surface: each collection type written by the real SDK,
then ``Control.items`` / ``Control.item`` (in-process and over the admin API) and the ``items`` CLI
(text and ``--json``) show its type, length, TTL on the emulator's clock and a bounded preview."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from momento import CacheClient, Configurations
from momento.requests import CollectionTtl
from momento.responses import (
    CacheDictionarySetFields,
    CacheListConcatenateBack,
    CacheSet,
    CacheSetAddElements,
    CacheSortedSetPutElements,
    CreateCache,
)

from emulator import ItemEntry, ItemInfo, Settings, ThreadedEmulatorServer, local_control, remote_control
from emulator.cli import main
from emulator.sdk import credential_provider
from tests.builders import START, START_DT

C = "shop"
MINUTE = timedelta(minutes=1)
LONG = "x" * 40  # longer than an entry shows (32 bytes)
QUEUE = [f"job-{n}" for n in range(1, 12)] + [LONG]  # 12 values
TAGS = ["new", "sale", 'say "hi"\n']
TAGS_PREVIEW = '{"new", "sale", "say \\"hi\\"\\x0a"}'


@pytest.fixture
def served() -> Iterator[ThreadedEmulatorServer]:
    """An emulator holding one item of each type, written by the Python SDK, then 15 s later on its clock."""
    with ThreadedEmulatorServer(Settings(start_time=START)) as running:
        with CacheClient(Configurations.Laptop.v1(), credential_provider(running), MINUTE) as app:
            assert isinstance(app.create_cache(C), CreateCache.Success)
            assert isinstance(app.set(C, "greeting", "hello"), CacheSet.Success)
            profile = {"name": "Ada", "lang": "en", "bio": LONG, "city": "London"}
            written = app.dictionary_set_fields(C, "profile", profile, ttl=CollectionTtl.of(timedelta(minutes=5)))
            assert isinstance(written, CacheDictionarySetFields.Success)
            assert isinstance(app.list_concatenate_back(C, "queue", QUEUE), CacheListConcatenateBack.Success)
            assert isinstance(app.set_add_elements(C, "tags", TAGS), CacheSetAddElements.Success)
            scores = {"bo": 7.5, "al": 3.0, b"\xff\x00": 9.0, "cy": -1.0}
            assert isinstance(app.sorted_set_put_elements(C, "board", scores), CacheSortedSetPutElements.Success)
        running.control.advance(15)
        yield running


def entries(*values: str) -> tuple[ItemEntry, ...]:
    return tuple(ItemEntry(value.encode(), len(value)) for value in values)


def listed_by_key(infos: list[ItemInfo]) -> dict[bytes, ItemInfo]:
    return {info.key: info for info in infos}


def test_items_lists_each_collection_with_its_type_length_ttl_and_first_three_entries(
    served: ThreadedEmulatorServer,
) -> None:
    assert served.emulator is not None
    with remote_control(served.target) as remote:
        here, there = local_control(served.emulator).items(C), remote.items(C)
    assert here == there
    assert [i.key for i in here] == [b"board", b"greeting", b"profile", b"queue", b"tags"]
    items = listed_by_key(here)
    remaining = {key: (info.type, info.length, info.remaining_ttl_ms) for key, info in items.items()}
    assert remaining == {
        b"board": ("sorted-set", 4, 45_000),
        b"greeting": ("scalar", None, 45_000),
        b"profile": ("dictionary", 4, 285_000),
        b"queue": ("list", 12, 45_000),
        b"tags": ("set", 3, 45_000),
    }
    assert items[b"profile"].expires_at == START_DT + timedelta(minutes=5)
    assert items[b"queue"].entries == entries("job-1", "job-2", "job-3")
    assert items[b"queue"].preview == '["job-1", "job-2", "job-3", … 9 more]'
    assert items[b"tags"].preview == TAGS_PREVIEW  # one line, quotes escaped
    assert items[b"board"].preview == '{"cy": -1.0, "al": 3.0, "bo": 7.5, … 1 more}'
    profile = items[b"profile"]
    assert profile.entries[2] == ItemEntry(LONG[:32].encode(), 40, field=b"bio", field_size=3)
    assert profile.preview == f'{{"name": "Ada", "lang": "en", "bio": "{LONG[:32]}…", … 1 more}}'
    assert (items[b"greeting"].value, items[b"greeting"].entries, items[b"greeting"].preview) == (None, (), "")


def test_item_shows_a_scalars_value_and_at_most_ten_entries_of_a_collection(served: ThreadedEmulatorServer) -> None:
    assert served.emulator is not None
    with remote_control(served.target) as remote:
        for control in (local_control(served.emulator), remote):
            queue = control.item(C, "queue")
            assert (queue.length, len(queue.entries)) == (12, 10)
            assert queue.entries == entries(*QUEUE[:10])
            assert queue.preview.endswith('"job-9", "job-10", … 2 more]')
            board = control.item(C, b"board")
            assert [(e.value, e.score) for e in board.entries] == [
                (b"cy", -1.0), (b"al", 3.0), (b"bo", 7.5), (b"\xff\x00", 9.0),
            ]  # fmt: skip
            assert board.preview == '{"cy": -1.0, "al": 3.0, "bo": 7.5, "\\xff\\x00": 9.0}'
            greeting = control.item(C, "greeting")
            assert (greeting.value, greeting.length, greeting.size) == (b"hello", None, 5)


def cli(target: str, *args: str, as_json: bool = False) -> Any:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*args, "--target", target, *(["--json"] if as_json else [])]) == 0
    return json.loads(out.getvalue()) if as_json else out.getvalue()


def test_the_cli_prints_collections_readably_and_in_json(served: ThreadedEmulatorServer) -> None:
    text = cli(served.target, "items", "list", C).splitlines()
    assert text[3] == (
        "key=queue  key_base64=cXVldWU=  type=list  size=97  expires_at=2030-01-01T00:01:00Z  "
        'remaining_ttl_ms=45000  length=12  preview=["job-1", "job-2", "job-3", … 9 more]'
    )
    got = cli(served.target, "items", "get", C, "profile")
    assert "length: 4\n" in got and '\npreview: {"name": "Ada", "lang": "en", ' in got and "entries" not in got
    listed = cli(served.target, "items", "list", C, "--limit", "3", as_json=True)
    assert [(i["key"], i.get("length")) for i in listed] == [("board", 4), ("greeting", None), ("profile", 4)]
    assert listed[2]["entries"][2] == {"field": "bio", "value": LONG[:32] + "…", "field_size": 3, "value_size": 40}
    assert listed[0]["entries"][0] == {"value": "cy", "score": -1.0}
    tags = cli(served.target, "items", "get", C, "tags", as_json=True)
    assert (tags["type"], tags["length"], tags["remaining_ttl_ms"], tags["preview"]) == ("set", 3, 45_000, TAGS_PREVIEW)
    assert tags["entries"][2] == {"value": 'say "hi"\n'} and "value" not in tags


def test_collections_expire_on_the_emulator_clock_and_leave_the_listing(served: ThreadedEmulatorServer) -> None:
    served.control.advance(45)
    assert [(i.key, i.remaining_ttl_ms) for i in served.control.items(C)] == [(b"profile", 240_000)]
    served.control.advance(240)
    assert served.control.items(C) == []
