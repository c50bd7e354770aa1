"""The ``policybot`` command: ingest, documents, remove, ask, serve, migrate, eval,
feedback."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

from api.admin.commands import add_commands, run_report, run_review
from bot.settings import Settings

# Longer than any client's or proxy's own idle timeout (see run_serve).
KEEP_ALIVE_SECONDS = 75


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="policybot",
        description="Grounded Q&A on Putuo District's 2021 business-environment action plan.")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser(
        "ingest", help="add policy documents to the library, or replace those with the same id")
    ingest.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help=".txt, .md, .docx, .pdf or .html; the bundled plan when omitted")
    ingest.add_argument("--id", dest="doc_id",
                        help="the document's id (one file only); the file's stem by default")

    documents = commands.add_parser("documents", help="list the library's documents")
    documents.add_argument("--json", action="store_true", help="print them as JSON")

    remove = commands.add_parser("remove", help="remove a document from the library")
    remove.add_argument("doc_id", metavar="ID")

    ask = commands.add_parser("ask", help="ask one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the API response body")
    ask.add_argument("--session", help="session id, for follow-up questions")

    serve = commands.add_parser("serve", help="serve the HTTP API, widget and WeChat routes")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-ingest", action="store_true",
                       help="serve whatever the store holds, even nothing (503 until ingested)")

    commands.add_parser("migrate", help="create or upgrade the app database's tables "
                                         "(DATABASE_URL, or POLICYBOT_HOME/policybot.db)")

    evaluate = commands.add_parser("eval", help="score the bot on a gold JSONL set")
    evaluate.add_argument("gold", type=Path)
    evaluate.add_argument("--json", type=Path, dest="report", help="write the JSON report here")
    evaluate.add_argument("--failures", action="store_true", help="list the items it got wrong")

    feedback = commands.add_parser("feedback", help="readers' 👍/👎 on answers")
    feedback_commands = feedback.add_subparsers(dest="action", required=True)
    export = feedback_commands.add_parser(
        "export", help="write feedback as gold-set candidates (JSONL) for review")
    export.add_argument("--rating", choices=["up", "down"], help="only feedback with this rating")
    export.add_argument("--output", type=Path, help="write here instead of to stdout")

    add_commands(commands)

    args = parser.parse_args(argv)
    settings = Settings()
    try:
        return COMMANDS[args.command](args, settings)
    except Exception as exc:  # a clear one-line error instead of a traceback
        if isinstance(exc, KeyboardInterrupt):
            raise
        print(f"policybot: error: {exc}", file=sys.stderr)
        return 1


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.plan import bundled_plan_path, load_plan
    from vectorstore.library import BUNDLED_ID, check_id, document_id
    from vectorstore.store import connect

    if args.doc_id and len(args.files) > 1:
        raise ValueError("--id names one document: give one file with it")
    paths = args.files or [bundled_plan_path()]
    ids = [check_id(args.doc_id) if args.doc_id else
           BUNDLED_ID if not args.files else document_id(p) for p in paths]
    # Every file is parsed before anything is embedded, so a file in which nothing can be
    # found stops the command with the library untouched.
    plans = [load_plan(p) for p in paths]
    client = connect(settings.home, settings.chroma_host, settings.chroma_port)
    for path, doc_id, plan in zip(paths, ids, plans, strict=True):
        ingest_one(client, settings, path, doc_id, plan)
    return 0


def ingest_one(client, settings: Settings, path: Path, doc_id: str, plan) -> None:
    """Index one parsed document file under doc_id, with a progress bar."""
    from tqdm import tqdm

    from ingest.queries import queries_path
    from vectorstore.embeddings import make_embeddings
    from vectorstore.library import index_file

    number = f" {plan.document_number}" if plan.document_number else ""
    print(f"Parsed {path} as {doc_id}: {plan.title}{number} — "
          f"{len(plan.parts)} parts, {len(plan.sections)} sections, "
          f"{len(plan.measures)} measures")
    if unnoted := plan.unnoted():
        print(f"No 责任单位 note on measure(s) {', '.join(map(str, unnoted))}: their units are "
              "left empty")
    if queries_path(path).exists():
        print(f"With sample questions from {queries_path(path)}")
    started = time.perf_counter()
    with tqdm(unit="doc", desc="Embedding") as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        generation, built = index_file(client, make_embeddings(settings.embeddings), path,
                                       doc_id, progress)
    seconds = time.perf_counter() - started
    state = f"built in {seconds:.1f} s" if built else "already up to date"
    print(f"Index {generation} ({settings.embeddings}): {state}")


def run_documents(args: argparse.Namespace, settings: Settings) -> int:
    from vectorstore.library import library_documents
    from vectorstore.store import connect

    records = library_documents(connect(settings.home, settings.chroma_host,
                                        settings.chroma_port))
    rows = [r.model_dump() for r in records]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("The library is empty: run `policybot ingest`.")
    for row in rows:
        validity = f"{row['valid_from'] or '…'} – {row['valid_until'] or '…'}"
        print(f"{row['id']}\t{row['title']}\t{row['number'] or '-'}\t{row['issuer'] or '-'}\t"
              f"{row['date'] or '-'}\t{validity}\t{row['measures']} measures\t{row['status']}")
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from vectorstore.library import remove_document
    from vectorstore.store import connect

    remove_document(connect(settings.home, settings.chroma_host, settings.chroma_port),
                    args.doc_id)
    print(f"Removed {args.doc_id} from the library")
    return 0


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.policybot import load_bot

    bot = load_bot(settings)
    try:
        answer = bot.ask(args.question, args.session)
    finally:
        bot.close()  # the turn is written before the process ends, for `--session` next time
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        print(answer.answer)
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.logs import LOG_CONFIG

    if not args.no_ingest:
        # In a child process, so this supervisor does not keep the index libraries in memory
        # beside its workers.
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            if pool.submit(ensure_index, settings).result():
                print("The index was empty: built it from the bundled plan.")
    migrate_at_start(settings)
    # Our middleware writes the access log (JSON, with request ids); shutdown is bounded so
    # stuck clients cannot hold workers. An idle connection is kept longer than clients and
    # proxies keep theirs (httpx 5 s, nginx 60 s): a server closing first races a client
    # reusing the connection, and the request is lost (ReadError, or a 502 at the proxy).
    with worker_metrics(settings.metrics_dir, args.workers):
        uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_config=LOG_CONFIG, access_log=False,
                    timeout_keep_alive=KEEP_ALIVE_SECONDS,
                    timeout_graceful_shutdown=10)
    return 0


def migrate_at_start(settings: Settings) -> None:
    """Migrate the app database before the workers start; a database that is down stops no
    server (answers do not need it): each worker tries again until it succeeds."""
    from api.db.database import Database, DatabaseUnavailable

    database = Database.from_settings(settings)
    try:
        database.migrate()
    except DatabaseUnavailable as exc:
        print(f"policybot: warning: the database was not migrated: {exc}", file=sys.stderr)
    finally:
        database.close()


def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from api.db.database import Database, database_url

    database = Database.from_settings(settings)
    try:
        database.migrate()
    finally:
        database.close()
    print(f"The database is up to date: {database_url(settings).render_as_string()}")
    return 0


@contextmanager
def worker_metrics(directory: Path | None, workers: int) -> Iterator[None]:
    """Have the server's workers share their metrics in a directory (prometheus_client's
    multiprocess mode), so /metrics is whole whichever worker answers it.

    directory: the operator's (PROMETHEUS_MULTIPROC_DIR), used with any number of workers and
    emptied first, as files of an earlier run would add its counts to this one's. None: with
    several workers, a fresh temporary one, removed at exit; with one, none (its metrics are
    whole in its memory). The variable is exported before the app, and with it
    prometheus_client, is imported: the library reads it once, at import.
    """
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
        yield
    elif workers > 1:
        with tempfile.TemporaryDirectory(prefix="policybot-metrics-") as fresh:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = fresh
            yield
    else:
        yield


def ensure_index(settings: Settings) -> bool:
    """Index the bundled plan if the store is empty (run in a child process by serve)."""
    from bot.policybot import ensure_index as ensure

    return ensure(settings)


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.policybot import load_bot
    from evals.gold import load_gold
    from evals.report import failures, report, run_gold, table

    items = load_gold(args.gold)
    bot = load_bot(settings)
    try:
        results = run_gold(bot, items)
    finally:
        bot.close()
    body = report(results)
    print(table(body))
    if args.failures:
        for r in failures(results):
            print(f"{r.id} [{r.type}] {r.question} expected={r.expected_measures} "
                  f"coverage={r.coverage} (gold {r.coverage_expected}) cited={r.cited} "
                  f"related={r.related} top5={r.retrieved[:5]}")
    if args.report:
        args.report.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"Report written to {args.report}")
    return 0


def run_feedback_export(args: argparse.Namespace, settings: Settings) -> int:
    from api.db.database import Database
    from api.db.feedback import FeedbackStore

    database = Database.from_settings(settings)
    try:
        database.migrate()  # an install's first run after the upgrade imports its old file
        text = FeedbackStore(database).export_jsonl(args.rating)
    finally:
        database.close()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{text.count(chr(10))} feedback items written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {"ingest": run_ingest, "documents": run_documents, "remove": run_remove,
            "ask": run_ask, "serve": run_serve, "migrate": run_migrate, "eval": run_eval,
            "feedback": run_feedback_export, "review": run_review, "report": run_report}

if __name__ == "__main__":
    sys.exit(main())
