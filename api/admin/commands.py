"""``policybot review list|attach`` and ``policybot report``: the console's review and gap
report from a shell, on the same database."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from bot.settings import Settings

# The modules these commands need are imported when they run: the policybot command starts
# fast whichever command it runs.


@contextmanager
def opened(settings: Settings) -> Iterator:
    """The app database, migrated, closed afterwards."""
    from api.db.database import Database

    database = Database.from_settings(settings)
    try:
        database.migrate()
        yield database
    finally:
        database.close()


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``review`` and ``report`` to the policybot command."""
    review = commands.add_parser("review", help="questions owners asked that need review")
    actions = review.add_subparsers(dest="action", required=True)
    listing = actions.add_parser(
        "list", help="refused, partial and 👎 questions not reviewed yet, near-duplicates "
                     "grouped, most asked first")
    listing.add_argument("--coverage", choices=["none", "partial", "answered"],
                         help="only questions answered with this coverage")
    listing.add_argument("--json", action="store_true", help="print {\"items\": [...]}")
    attach = actions.add_parser(
        "attach", help="make a question a sample question of a measure (a running server "
                       "answers it from that measure within seconds)")
    attach.add_argument("question")
    attach.add_argument("--measure", type=int, required=True, metavar="N")
    attach.add_argument("--document", metavar="ID",
                        help="the measure's document; the bundled plan by default")
    report = commands.add_parser(
        "report", help="the policy-gap report: what owners asked that no document answers")
    report.add_argument("--format", choices=["md", "csv"], default="md")


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    from api.admin.review import check_measure, question_items
    from api.db.annotations import Annotations
    from api.db.questions import QuestionLog

    with opened(settings) as database:
        if args.action == "list":
            items = question_items(QuestionLog(database), Annotations(database),
                                   coverage=args.coverage, review=args.coverage is None,
                                   pending=True, order="frequent")
            if args.json:
                print(json.dumps({"items": items}, ensure_ascii=False, indent=2))
            for item in [] if args.json else items:
                print(f"{item['count']}\t{item['coverage']}\t{item['last_asked'][:16]}\t"
                      f"{item['question']}")
            return 0
        from vectorstore.embeddings import make_embeddings
        from vectorstore.store import MeasureIndex, connect

        # The index is read for its documents' measures only; no model is loaded.
        index = MeasureIndex(connect(settings.home, settings.chroma_host, settings.chroma_port),
                             make_embeddings(settings.embeddings))
        document = check_measure({d: i.plan for d, i in index.documents.items()},
                                 args.document, args.measure)
        Annotations(database).attach(args.question, document, args.measure)
        print(f"Attached to measure {args.measure} of {document}: {args.question}")
        return 0


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from api.admin.report import report_csv, report_markdown
    from api.admin.review import gap_report
    from api.db.annotations import Annotations
    from api.db.questions import QuestionLog
    from bot.query import Tokenizer
    from ingest.units import UNITS

    with opened(settings) as database:
        topics = gap_report(QuestionLog(database), Annotations(database),
                            Tokenizer(tuple(u.name for u in UNITS)))
    sys.stdout.write(report_csv(topics) if args.format == "csv"
                     else report_markdown(topics, "the whole log"))
    return 0
