"""The app database on SQLite and on PostgreSQL (every store test runs on both): migrations,
the feedback store, the question log, annotations, and the upkeep that migrates and prunes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select, text

from api.db import schema
from api.db.annotations import Annotations
from api.db.database import Database, database_url
from api.db.feedback import Feedback, FeedbackStore
from api.db.questions import QuestionLog
from api.db.recorder import Recorder
from api.db.upkeep import DAY_SECONDS, RETRY_SECONDS, Upkeep
from bot.answer import Answer, Citation
from bot.settings import Settings
from tests.conftest import ROOT, PostgresServer

PLAN = "putuo-yingshang-2021"
TABLES = {"feedback", "questions", "annotations", "secrets", "alembic_version"}


def secret(database: Database) -> str:
    with database.transaction("test") as connection:
        return connection.execute(select(schema.secrets.c.value)).scalar_one()


def versions(database: Database) -> list[str]:
    with database.transaction("test") as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version"))
                    .scalars())


def test_migrate_creates_every_table_once(database: Database):
    key = secret(database)
    database.migrate()
    database.migrate()
    assert set(inspect(database.engine).get_table_names()) == TABLES
    assert versions(database) == ["0001"]
    assert secret(database) == key  # made once, by the first migration
    assert len(key) == 64


def test_processes_migrating_at_once_all_succeed(database_url: str, tmp_path: Path):
    """Workers and replicas start together: they queue on the migration lock, and the ones
    after the first find the schema done."""
    env = {**os.environ, "DATABASE_URL": database_url, "POLICYBOT_HOME": str(tmp_path)}
    processes = [subprocess.Popen([sys.executable, "-m", "api.cli", "migrate"], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(3)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    assert all("up to date" in output for output in outputs)
    database = Database(database_url)
    try:
        assert versions(database) == ["0001"]
        assert set(inspect(database.engine).get_table_names()) == TABLES
    finally:
        database.close()


def test_database_url_defaults_to_sqlite_in_home(tmp_path: Path):
    assert database_url(Settings(POLICYBOT_HOME=tmp_path)).database == str(
        tmp_path / "policybot.db")
    assert database_url(Settings(POLICYBOT_HOME=tmp_path, DATABASE_URL=" ")).drivername == (
        "sqlite")
    plain = database_url(Settings(DATABASE_URL="postgresql://u:p@db.example:5433/bot"))
    assert (plain.drivername, plain.host, plain.port, plain.database) == (
        "postgresql+psycopg", "db.example", 5433, "bot")
    with pytest.raises(ValueError, match="postgresql"):
        Database("mysql://u@localhost/bot")


def feedback(session: str = "s1", question: str = "企业注销找哪个部门？", answer: str = "第21条…",
             rating: str = "up", comment: str | None = None,
             measures: list[int] | None = None) -> Feedback:
    return Feedback(session_id=session, question=question, answer=answer, rating=rating,
                    comment=comment, measures=[21] if measures is None else measures)


def test_feedback_rated_again_updates_its_row(database: Database):
    store = FeedbackStore(database)
    first = store.save(feedback(comment="没说地点"))
    assert store.save(feedback(rating="down")) == first
    other = store.save(feedback(session="s2", answer="答" * 20_000, measures=[]))
    records = store.records()
    assert [(r.id, r.rating, r.comment) for r in records] == [
        (first, "down", "没说地点"), (other, "up", None)]
    assert records[0].updated >= records[0].created
    assert records[0].created.tzinfo == UTC
    assert records[1].answer == "答" * 20_000
    assert [r.id for r in store.records("up")] == [other]


def test_feedback_export_is_gold_candidates(database: Database):
    store = FeedbackStore(database)
    store.save(feedback(rating="down", comment="缺少办理地点"))
    store.save(feedback(session="s2", question="How do I close a company?", measures=[]))
    lines = [json.loads(line) for line in store.export_jsonl().splitlines()]
    assert [(line["question"], line["expected_measures"], line["answerable"], line["lang"],
             line["comment"]) for line in lines] == [
        ("企业注销找哪个部门？", [21], True, "zh", "缺少办理地点"),
        ("How do I close a company?", [], False, "en", None)]
    assert [json.loads(line)["comment"] for line in store.export_jsonl("down").splitlines()] == [
        "缺少办理地点"]


def legacy_file(home: Path) -> None:
    """A feedback.sqlite3 as the store before the app database wrote it."""
    with closing(sqlite3.connect(home / "feedback.sqlite3")) as db, db:
        db.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT "
            "NULL, question TEXT NOT NULL, answer TEXT NOT NULL, rating TEXT NOT NULL CHECK "
            "(rating IN ('up', 'down')), comment TEXT, measures TEXT NOT NULL, created TEXT NOT "
            "NULL, updated TEXT NOT NULL, UNIQUE (session_id, question, answer))")
        db.executemany("INSERT INTO feedback (session_id, question, answer, rating, comment, "
                       "measures, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
                           ("old", "第21条", "答一", "down", "太长", "[21]",
                            "2024-05-01T08:00:00+00:00", "2024-05-02T09:30:00+00:00"),
                           ("old", "天气", "答二", "up", None, "[]",
                            "2024-05-03T10:00:00+00:00", "2024-05-03T10:00:00+00:00")])


def test_first_migration_imports_the_old_feedback_file(database_url: str, tmp_path: Path):
    legacy_file(tmp_path)
    database = Database(database_url, tmp_path)
    try:
        database.migrate()
        database.migrate()  # once only
        store = FeedbackStore(database)
        records = store.records()
        assert [(r.session_id, r.question, r.rating, r.comment, r.measures) for r in records] == [
            ("old", "第21条", "down", "太长", [21]), ("old", "天气", "up", None, [])]
        assert records[0].created == datetime(2024, 5, 1, 8, tzinfo=UTC)
        assert records[0].updated == datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
        # An imported verdict rated again is the same row.
        assert store.save(feedback(session="old", question="第21条", answer="答一",
                                   rating="up")) == records[0].id
    finally:
        database.close()


def test_question_log_keeps_what_was_asked(database: Database):
    log = QuestionLog(database)
    cited = [{"document": PLAN, "measure": 21}]
    first = log.record("web", "企业注销找哪个部门？", "answered", cited, 12.6, "session-a")
    log.record("wechat", "注册要多少钱？", "partial", [{"document": PLAN, "measure": 31}], 8,
               "wx:openid-1")
    [row, partial] = log.rows()
    assert (row.id, row.channel, row.text, row.coverage, row.cited, row.latency_ms,
            row.rating) == (first, "web", "企业注销找哪个部门？", "answered", cited, 13, None)
    assert row.asked_at.tzinfo == UTC
    assert abs(datetime.now(UTC) - row.asked_at) < timedelta(minutes=5)
    # The conversation is kept only as a keyed hash: the same session, the same hash.
    assert len(row.session_hash) == 64 and "session-a" not in row.session_hash
    assert partial.session_hash != row.session_hash
    log.record("api", "第21条", "answered", cited, 5, "session-a")
    assert log.rows()[-1].session_hash == row.session_hash
    assert partial.coverage == "partial"


def test_session_hash_is_keyed_per_database(database: Database, tmp_path: Path):
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        other.migrate()
        for db in (database, other):
            QuestionLog(db).record("api", "q", "none", [], 1, "same-session")
        assert QuestionLog(database).rows()[0].session_hash != (
            QuestionLog(other).rows()[0].session_hash)
    finally:
        other.close()


def test_rating_goes_to_the_latest_matching_question(database: Database):
    log = QuestionLog(database)
    for session in ("s1", "s1", "s2"):
        log.record("web", "第21条", "answered", [], 1, session)
    log.record("web", "另一个问题", "none", [], 1, "s1")
    assert log.rate("s1", "第21条", "down")
    assert [r.rating for r in log.rows()] == [None, "down", None, None]
    assert not log.rate("s3", "第21条", "up")
    # Feedback rates the question in the same transaction as it is stored.
    FeedbackStore(database).save(feedback(session="s2", question="第21条", rating="up"))
    assert [r.rating for r in log.rows()] == [None, "down", "up", None]
    assert [r.id for r in log.rows(rating="down")] == [log.rows()[1].id]


def test_rows_filter_by_time_and_coverage(database: Database):
    log = QuestionLog(database)
    log.record("api", "a", "answered", [], 1, "s")
    middle = datetime.now(UTC)
    log.record("api", "b", "none", [], 1, "s")
    log.record("openai", "c", "partial", [], 1, "s")
    assert [r.text for r in log.rows(since=middle)] == ["b", "c"]
    assert [r.text for r in log.rows(until=middle)] == ["a"]
    assert [r.text for r in log.rows(coverage="none")] == ["b"]
    assert [r.text for r in log.rows(since=middle, coverage="partial")] == ["c"]
    assert log.rows(until=middle - timedelta(days=1)) == []


def test_prune_deletes_questions_past_retention(database: Database):
    log = QuestionLog(database, retention_days=30)
    log.record("api", "old", "none", [], 1, "s")
    now = datetime.now(UTC)
    assert log.prune(now + timedelta(days=29)) == 0
    assert log.prune(now) == 0
    log.record("api", "new", "none", [], 1, "s")
    assert log.prune(log.rows()[0].asked_at + timedelta(days=30, microseconds=1)) == 1
    assert [r.text for r in log.rows()] == ["new"]
    assert QuestionLog(database).retention_days == 180


def test_annotations_are_one_per_question(database: Database):
    notes = Annotations(database)
    start = notes.version()
    first = notes.attach("企业注销找哪个部门？", PLAN, 21)
    after_first = notes.version()
    assert after_first != start
    # The same question, in other width, script and punctuation, attached again: no change.
    assert notes.attach("企業註銷找哪個部門?", PLAN, 21) == first
    assert notes.version() == after_first
    assert [(a.question, a.kind, a.document, a.measure) for a in notes.all()] == [
        ("企业注销找哪个部门？", "sample", PLAN, 21)]
    # Attached to another measure: it replaces the first.
    moved = notes.attach("企业注销找哪个部门", PLAN, 22)
    assert moved.id != first.id
    assert notes.version() not in (start, after_first)
    assert [(a.kind, a.measure) for a in notes.all()] == [("sample", 22)]
    notes.out_of_scope("今天天气怎么样")
    notes.dismiss("ＨＥＬＬＯ!")
    assert [(a.question, a.kind, a.document, a.measure) for a in notes.all("out_of_scope")] == [
        ("今天天气怎么样", "out_of_scope", None, None)]
    assert notes.status(["企业注销 找哪个部门？", "hello", "今天天气怎么样？", "第5条"]) == {
        "企业注销 找哪个部门？": "sample", "hello": "dismissed", "今天天气怎么样？": "out_of_scope"}
    # Marked out of scope after being a sample: one annotation, the latest kind.
    notes.out_of_scope("企业注销找哪个部门？")
    assert notes.status(["企业注销找哪个部门？"]) == {"企业注销找哪个部门？": "out_of_scope"}
    assert len(notes.all()) == 3
    assert all(a.created_at.tzinfo == UTC for a in notes.all())


def test_upkeep_migrates_once_the_database_is_up_and_prunes(postgres_server: PostgresServer,
                                                             postgres_url: str):
    """A server started while its database is down starts all the same; its upkeep migrates
    once the database answers, and prunes the question log."""
    database = Database(postgres_url)
    log = QuestionLog(database, retention_days=30)
    upkeep = Upkeep(database, log)
    try:
        postgres_server.stop()
        assert upkeep.round() == RETRY_SECONDS
        assert not upkeep.migrated
        postgres_server.start()
        assert upkeep.round() == DAY_SECONDS
        assert upkeep.migrated and versions(database) == ["0001"]
        log.record("api", "recent", "none", [], 1, "s")
        with database.transaction("test") as connection:
            connection.execute(insert(schema.questions).values(
                asked_at=datetime.now(UTC) - timedelta(days=31), channel="api", text="old",
                coverage="none", cited=[], latency_ms=1, session_hash="0" * 64))
        assert upkeep.round() == DAY_SECONDS
        assert [r.text for r in log.rows()] == ["recent"]
    finally:
        database.close()


def answer(n: int) -> Answer:
    """An answer citing measure n (as the bot gives it; the log needs only some fields)."""
    cited = Citation(document=PLAN, label=f"第{n}条", source="《方案》", measure=n,
                     section="一", units=[], text="…")
    return Answer(answer="…", answerable=True, coverage="answered", citations=[cited],
                  retrieved=[], session_id=f"s{n}", latency_ms=n + 0.4)


def test_recorder_logs_what_was_queued_while_the_database_was_busy(database: Database):
    """Questions answered while another transaction holds the table are logged once it ends
    (in batches), and those still queued at shutdown are logged before close() returns."""
    log = QuestionLog(database)
    lost: list[int] = []
    recorder = Recorder(log, lost.append)
    recorder.start()
    with database.transaction("test") as connection:
        if database.dialect == "postgresql":  # SQLite's transactions take the write lock
            connection.execute(text("LOCK TABLE questions IN EXCLUSIVE MODE"))
        for n in range(1, 101):
            recorder.record("api", f"q{n}", answer(n))
    assert recorder.flush()
    for n in range(101, 201):
        recorder.record("web", f"q{n}", answer(n))
    recorder.close()
    rows = log.rows()
    assert [(r.text, r.channel, r.latency_ms, r.cited) for r in rows] == [
        (f"q{n}", "api" if n <= 100 else "web", n, [{"document": PLAN, "measure": n}])
        for n in range(1, 201)]
    assert len({r.session_hash for r in rows}) == 200 and lost == []
