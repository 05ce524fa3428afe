"""The request journal and the fault rules as plain values, without gRPC."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.core.errors import InvalidArgument, NotFound
from emulator.core.faults import MAX_COUNT, FaultRule, Faults
from emulator.core.faults import rule_from_json as rule_from_catalog
from emulator.core.journal import Journal
from tests.builders import START
from tests.core.grants import CATALOG

MOMENTO_METHODS = CATALOG.methods
LOGIN = "/auth.Auth/Login"
MINT = "/auth.Auth/GenerateApiToken"


def rule_from_json(data: dict[str, Any]) -> FaultRule:
    return rule_from_catalog(data, CATALOG)


def record(journal: Journal, method: str = LOGIN, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "method": method, "emulator_time": START, "wall_time": START, "caller_kind": "", "key_id": "",
        "code": "OK", "details": "", "latency_ms": 0.5,
    }  # fmt: skip
    journal.record(**{**fields, **changes})


# --- journal ---------------------------------------------------------------------------------


def test_the_journal_numbers_entries_from_one_and_keeps_the_newest() -> None:
    journal = Journal(3)
    for index in range(5):
        record(journal, key_id=str(index))
    assert [(e.seq, e.key_id) for e in journal.entries()] == [(3, "2"), (4, "3"), (5, "4")]


def test_a_journal_of_one_entry_is_allowed_and_of_none_is_not() -> None:
    journal = Journal(1)
    record(journal)
    assert len(journal.entries()) == 1
    with pytest.raises(ValueError, match="^journal size must be at least 1$"):
        Journal(0)


def test_entries_filter_by_method_path_or_name_and_limit_keeps_the_newest() -> None:
    journal = Journal(10)
    for method in (LOGIN, MINT, LOGIN, MINT):
        record(journal, method)
    assert [e.seq for e in journal.entries(LOGIN)] == [1, 3]
    assert [e.seq for e in journal.entries("GenerateApiToken")] == [2, 4]
    assert [e.seq for e in journal.entries("auth.Auth/Login")] == []
    assert [e.seq for e in journal.entries(limit=1)] == [4]
    assert [e.seq for e in journal.entries(limit=0)] == [1, 2, 3, 4]
    assert [e.seq for e in journal.entries(limit=-1)] == [1, 2, 3, 4]


def test_clear_through_a_number_keeps_later_entries_and_counts_what_it_removed() -> None:
    journal = Journal(10)
    for _ in range(4):
        record(journal)
    assert journal.clear(through=2) == 2
    assert [e.seq for e in journal.entries()] == [3, 4]
    assert journal.clear(through=0) == 2
    assert journal.entries() == []
    record(journal)
    assert [e.seq for e in journal.entries()] == [5]  # numbering never restarts


def test_clear_through_the_first_entry_keeps_the_rest_and_clear_without_a_number_empties() -> None:
    journal = Journal(10)
    for _ in range(3):
        record(journal)
    assert journal.clear(through=1) == 1
    assert [e.seq for e in journal.entries()] == [2, 3]
    assert journal.clear() == 2
    assert journal.entries() == []


# --- fault rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Login", "/auth.Auth/Login", "auth.Auth/Login", "  Login  "])
def test_a_method_may_be_named_by_its_path_or_its_name(name: str) -> None:
    assert CATALOG.resolve(name) == LOGIN


def test_an_unknown_method_is_refused_with_the_known_names() -> None:
    with pytest.raises(InvalidArgument) as refused:
        CATALOG.resolve("Fly")
    assert refused.value.message == (
        "method: 'Fly' is not a Momento method; "
        "known: GenerateApiToken, RefreshApiToken, Login, GenerateDisposableToken"
    )


def test_a_rule_from_json_has_these_defaults() -> None:
    rule = rule_from_json({})
    assert rule == FaultRule(methods=MOMENTO_METHODS, code="UNAVAILABLE", message="", count=None, delay=0.0)
    assert rule.to_json() == {
        "rule_id": "", "methods": list(MOMENTO_METHODS), "code": "UNAVAILABLE", "message": "", "count": None,
        "delay_seconds": 0.0, "key_id": "", "token_id": "", "hits": 0,
    }  # fmt: skip


def test_a_rule_from_json_keeps_every_field() -> None:
    given = {
        "methods": ["Login", "/auth.Auth/Login", "GenerateApiToken"], "code": "internal", "message": "m",
        "count": MAX_COUNT, "delay_seconds": 60, "key_id": "k", "token_id": "t", "rule_id": "r", "hits": MAX_COUNT,
    }  # fmt: skip
    rule = rule_from_json(given)
    assert rule == FaultRule((LOGIN, MINT), "INTERNAL", "m", MAX_COUNT, 60.0, "k", "t", "r", MAX_COUNT)
    assert rule_from_json(rule.to_json()) == rule
    assert rule_from_json({"code": "OK", "delay_seconds": 0.5}).code == "OK"


COUNT_RANGE = "is not a whole number from 1 to 4294967295 (leave it out for 'until cleared')"
REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"methods": "Login"}, "methods: must be a list of method names"),
    ({"methods": [5]}, "methods: must be a list of method names"),
    ({"code": "NOPE"}, "code: 'NOPE' is not a gRPC status name"),
    ({"count": 0}, f"count: 0 {COUNT_RANGE}"),
    (
        {"count": MAX_COUNT + 1},
        f"count: 4294967296 {COUNT_RANGE}",
    ),
    ({"count": True}, f"count: True {COUNT_RANGE}"),
    ({"count": 1.0}, f"count: 1.0 {COUNT_RANGE}"),
    ({"delay_seconds": -0.1}, "delay_seconds: -0.1 is not between 0 and 60 seconds"),
    ({"delay_seconds": 60.5}, "delay_seconds: 60.5 is not between 0 and 60 seconds"),
    ({"delay_seconds": True}, "delay_seconds: True is not a finite number"),
    ({"delay_seconds": "1"}, "delay_seconds: '1' is not a finite number"),
    ({"code": "OK"}, "code: OK injects nothing unless a delay is given"),
    ({"hits": -1}, "hits: -1 is not a whole number from 0 to 4294967295"),
    ({"hits": MAX_COUNT + 1}, "hits: 4294967296 is not a whole number from 0 to 4294967295"),
    ({"hits": True}, "hits: True is not a whole number from 0 to 4294967295"),
]


@pytest.mark.parametrize(("given", "message"), REFUSED)
def test_a_bad_rule_is_refused_naming_its_field(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        rule_from_json(given)
    assert refused.value.message == message


def test_rules_match_by_method_and_by_caller() -> None:
    anyone = FaultRule((LOGIN,))
    assert anyone.matches(LOGIN, "", "") and anyone.matches(LOGIN, "k", "t")
    assert not anyone.matches(MINT, "", "")
    by_key = FaultRule((LOGIN,), key_id="k")
    assert by_key.matches(LOGIN, "k", "") and not by_key.matches(LOGIN, "other", "")
    by_token = FaultRule((LOGIN,), token_id="t")
    assert by_token.matches(LOGIN, "", "t") and not by_token.matches(LOGIN, "", "u")


def test_take_finds_a_rule_by_the_callers_key_id_and_token_id() -> None:
    faults = Faults()
    by_key = faults.add(FaultRule((LOGIN,), key_id="k"))
    by_token = faults.add(FaultRule((MINT,), token_id="t"))
    assert faults.take(LOGIN) is None and faults.take(MINT, "k") is None
    assert faults.take(LOGIN, "k", "") == FaultRule((LOGIN,), key_id="k", rule_id=by_key.rule_id, hits=1)
    assert faults.take(MINT, "", "t") == FaultRule((MINT,), token_id="t", rule_id=by_token.rule_id, hits=1)


def test_a_count_of_one_is_the_smallest_allowed() -> None:
    assert rule_from_json({"count": 1}).count == 1
    with pytest.raises(InvalidArgument, match="^count: 0 is not a whole number from 1"):
        rule_from_json({"count": 0})


def test_added_rules_get_fresh_ids_and_keep_given_ones() -> None:
    faults = Faults()
    first = faults.add(FaultRule((LOGIN,)))
    kept = faults.add(FaultRule((LOGIN,), rule_id="f2"))
    third = faults.add(FaultRule((LOGIN,)))
    assert [first.rule_id, kept.rule_id, third.rule_id] == ["f1", "f2", "f3"]
    with pytest.raises(InvalidArgument) as refused:
        faults.add(FaultRule((LOGIN,), rule_id="f1"))
    assert refused.value.message == "rule_id: 'f1' is already in use"
    assert faults.rules() == [first, kept, third]


def test_the_first_matching_rule_is_spent_and_dropped_when_its_count_runs_out() -> None:
    faults = Faults()
    twice = faults.add(FaultRule((MINT,), code="INTERNAL", count=2))
    forever = faults.add(FaultRule((MINT, LOGIN)))
    assert faults.take(LOGIN) == FaultRule((MINT, LOGIN), rule_id=forever.rule_id, hits=1)
    used = faults.take(MINT)
    assert used is not None and (used.rule_id, used.count, used.hits) == (twice.rule_id, 1, 1)
    used = faults.take(MINT)
    assert used is not None and (used.rule_id, used.count, used.hits) == (twice.rule_id, 0, 2)
    assert [r.rule_id for r in faults.rules()] == [forever.rule_id]
    used = faults.take(MINT)
    assert used is not None and (used.rule_id, used.count, used.hits) == (forever.rule_id, None, 2)
    assert faults.take("/token.Token/GenerateDisposableToken") is None
    assert Faults().take(LOGIN) is None


def test_hits_stop_at_their_32_bit_limit() -> None:
    faults = Faults()
    faults.add(FaultRule((LOGIN,), hits=MAX_COUNT))
    used = faults.take(LOGIN)
    assert used is not None and used.hits == MAX_COUNT


def test_clear_removes_one_rule_or_all() -> None:
    faults = Faults()
    for _ in range(3):
        faults.add(FaultRule((LOGIN,)))
    assert faults.clear("f2") == 1
    assert [r.rule_id for r in faults.rules()] == ["f1", "f3"]
    with pytest.raises(NotFound) as refused:
        faults.clear("f2")
    assert refused.value.message == "rule_id: no fault rule 'f2'"
    assert faults.clear() == 2 and faults.rules() == []
    assert faults.clear() == 0
