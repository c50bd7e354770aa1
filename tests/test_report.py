"""Gold loading and metric definitions."""

from __future__ import annotations

import json

import pytest

from evals.gold import GoldFormatError, load_gold
from evals.report import ItemResult, metrics, report, table


def result(id_, expected, retrieved, cited, answerable=True, expected_answerable=True,
           units=(), expected_units=(), type_="what", latency=10.0, coverage=None,
           expected_coverage=None, related=(), expected_related=()) -> ItemResult:
    return ItemResult(id=id_, question="q", type=type_, answerable_expected=expected_answerable,
                      answerable=answerable, expected_measures=list(expected),
                      retrieved=list(retrieved), cited=list(cited), units=list(units),
                      latency_ms=latency, expected_units=list(expected_units),
                      coverage=coverage or ("answered" if answerable else "none"),
                      coverage_expected=expected_coverage or (
                          "answered" if expected_answerable else "none"),
                      related=list(related), related_expected=list(expected_related))


def test_metrics():
    results = [
        result("a", [21], [21, 22], [21], units=["区税务局"],
               expected_units=["区税务局", "区人社局"]),
        result("b", [5], [1, 2, 3, 4, 5, 6], [1, 2]),
        result("c", [9], [1], [], answerable=False),
        result("d", [], [3], [], answerable=False, expected_answerable=False, type_="oos"),
        result("e", [], [3], [3], answerable=True, expected_answerable=False, type_="oos"),
    ]
    m = metrics(results)
    assert m["n"] == 5
    assert m["recall@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["recall@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr"] == pytest.approx((1 + 1 / 5 + 0) / 3, abs=1e-4)
    assert m["cited_hit"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["citation_precision"] == pytest.approx((1 + 0) / 2, abs=1e-4)
    assert m["unit_recall"] == 0.5
    assert m["refusal_accuracy"] == 0.5
    assert m["false_refusal_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["latency_ms_p50"] == 10.0
    assert m["set_recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["partial_accuracy"] is None


def test_set_recall_and_partial_metrics():
    results = [
        result("two", [19, 23], [19, 23], [19], type_="two_needs"),
        result("list", [37, 38, 39, 40], [37], [37, 38, 39, 40, 77], type_="list"),
        result("p1", [], [35], [], answerable=False, expected_answerable=False,
               coverage="partial", expected_coverage="partial", related=[35],
               expected_related=[35]),
        result("p2", [], [35], [], answerable=False, expected_answerable=False,
               coverage="partial", expected_coverage="partial", related=[1],
               expected_related=[35]),
        result("p3", [], [22], [22], answerable=True, expected_answerable=False,
               expected_coverage="partial", expected_related=[22]),
    ]
    m = metrics(results)
    assert m["set_recall"] == pytest.approx((0.5 + 1.0) / 2, abs=1e-4)
    assert m["partial_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["related_hit"] == 0.5
    assert m["refusal_accuracy"] == pytest.approx(2 / 3, abs=1e-4)


def test_report_by_type_and_table():
    body = report([result("a", [1], [1], [1]), result("d", [], [3], [], answerable=False,
                                                      expected_answerable=False, type_="oos")])
    assert set(body["by_type"]) == {"what", "oos"}
    assert body["by_type"]["oos"]["refusal_accuracy"] == 1.0
    text = table(body)
    assert text.splitlines()[2].startswith("ALL") and "oos" in text


def test_gold_format(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"id": "x", "question": "q", "expected_measures": [1],
                                "session": "s", "turn": 2}) + "\n\n", encoding="utf-8")
    [item] = load_gold(path)
    assert item.answerable and item.turn == 2 and item.type == "untyped"
    assert item.coverage == "answered" and item.related == []
    path.write_text(json.dumps({"id": "p", "question": "q", "expected_measures": [],
                                "answerable": False, "coverage": "partial", "related": [35]}),
                    encoding="utf-8")
    [item] = load_gold(path)
    assert item.coverage == "partial" and item.related == [35]
    path.write_text(json.dumps({"id": "p", "question": "q", "expected_measures": [1],
                                "coverage": "partial"}), encoding="utf-8")
    with pytest.raises(GoldFormatError, match="contradicts"):
        load_gold(path)
    path.write_text('{"id": "x", "question": "q"}\n', encoding="utf-8")
    with pytest.raises(GoldFormatError, match=r"g\.jsonl:1"):
        load_gold(path)
