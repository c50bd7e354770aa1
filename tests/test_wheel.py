"""A wheel install answers exactly as the editable one: the package data (the bundled plan, its
sample questions, the scope model, the widget's files, the gold sets) ships inside the wheel.

The wheel is built from the worktree and installed into a fresh venv whose dependencies are
this environment's (a path, not a site directory, so the editable install is not seen).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vectorstore.library import library_state
from vectorstore.store import connect

PACKAGE_DATA = ("ingest/corpus/putuo-yingshang-2021.txt",
                "ingest/corpus/putuo-yingshang-2021.queries.json",
                "ingest/corpus/putuo-yingshang-2021.vectors.npz", "bot/scope_model.json",
                "api/static/widget.js", "evals/gold/test.jsonl")
QUESTIONS = ("企业注销找哪个部门？", "Can I file a lawsuit online with the Putuo court?",
             "办理不动产登记要交多少钱？", "怎么养猫")


def run(*args: str | Path, home: Path | None = None, cwd: Path = ROOT
        ) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"POLICYBOT_HOME": str(home)} if home else {})}
    env.pop("PYTHONPATH", None)
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, text=True,
                            capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", dist)
    [built] = dist.glob("policybot-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin directory of a fresh venv with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "-q", wheel)
    return venv / "bin"


def test_the_wheel_holds_the_package_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(PACKAGE_DATA) <= names, set(PACKAGE_DATA) - names


def test_the_wheel_install_answers_as_the_editable_one(installed: Path, home: Path,
                                                      tmp_path: Path):
    where = run(installed / "python", "-c", "import bot, ingest; print(ingest.__file__)",
                cwd=tmp_path)
    assert where.stdout.startswith(str(installed.parent)), where.stdout
    wheel_home = tmp_path / "home"
    run(installed / "policybot", "ingest", home=wheel_home, cwd=tmp_path)
    # The same plan text and sample questions, embedded by the same model: the same generation.
    assert library_state(connect(wheel_home)) == library_state(connect(home))
    editable = Path(sys.executable).parent / "policybot"
    for question in QUESTIONS:
        answers = [json.loads(run(command, "ask", question, "--json", home=h,
                                  cwd=tmp_path).stdout)
                   for command, h in ((editable, home), (installed / "policybot", wheel_home))]
        for body in answers:
            del body["session_id"], body["latency_ms"]
        assert answers[0] == answers[1], question
