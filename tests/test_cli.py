"""The policybot command, run as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from tests.conftest import ROOT


def policybot(*args: str, home) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=300,
                          env={**os.environ, "POLICYBOT_HOME": str(home)})


def test_ingest_shows_progress_and_is_idempotent(tmp_path):
    first = policybot("ingest", home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "100 measures" in first.stdout and "sample questions" in first.stdout
    assert re.search(r"Embedding: 100%\|.*\| (\d+)/\1", first.stderr)  # the progress bar
    second = policybot("ingest", home=tmp_path)
    assert "already up to date" in second.stdout


def test_ingest_bad_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "plan.txt"
    bad.write_text("no plan here", encoding="utf-8")
    result = policybot("ingest", str(bad), home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("policybot: error:") and "Traceback" not in result.stderr


def test_ask_json_prints_the_api_body(home):
    result = policybot("ask", "企业注销找哪个部门？", "--json", home=home)
    body = json.loads(result.stdout)
    assert body["citations"][0]["measure"] == 21


def test_ask_without_index_says_what_to_do(tmp_path):
    result = policybot("ask", "第1条", home=tmp_path)
    assert result.returncode == 1 and "policybot ingest" in result.stderr


def test_eval_writes_report(home, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in [
        {"id": "a", "question": "企业注销找哪个部门？", "expected_measures": [21],
         "expected_units": ["区市场监管局"], "type": "who"},
        {"id": "b", "question": "今天天气怎么样", "expected_measures": [], "answerable": False,
         "type": "oos"},
    ]), encoding="utf-8")
    report_path = tmp_path / "report.json"
    result = policybot("eval", str(gold), "--json", str(report_path), home=home)
    assert result.returncode == 0, result.stderr
    assert "who" in result.stdout and "oos" in result.stdout
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["metrics"]["n"] == 2 and report["metrics"]["refusal_accuracy"] == 1.0
    assert set(report["items"][0]) == {"id", "question", "type", "answerable_expected",
                                       "answerable", "expected_measures", "retrieved", "cited",
                                       "units", "latency_ms", "coverage_expected", "coverage",
                                       "related_expected", "related"}
