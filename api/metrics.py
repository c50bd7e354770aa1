"""Prometheus metrics. Under ``policybot serve --workers N`` every worker process writes its
counts to files in one directory (prometheus_client's multiprocess mode), and a scrape reads
them all, so /metrics is whole whichever worker answers it."""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from api.db.database import Database
from bot.answer import Answer
from bot.redis_link import RedisLink

# The names the Redis stores give their calls (RedisLink.run's store).
REDIS_STORES = ("sessions", "ratelimit", "wechat")
# The names the database's users give their transactions (Database.transaction's store).
DATABASE_STORES = ("feedback", "questions", "annotations", "migrate")


class Metrics:
    """The app's metrics: requests, latency, answers and refusals, index size, model, Redis
    and database errors, questions the log lost.

    directory: where every worker of the server keeps its values (PROMETHEUS_MULTIPROC_DIR, set
    before prometheus_client is imported); None: this process reports its own values alone.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.registry = CollectorRegistry()
        # With a directory, values live in its files and a scrape reads them from there, so
        # the metrics join no registry (they would be reported twice).
        own = None if directory else self.registry
        self.requests = Counter("policybot_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=own)
        self.latency = Histogram("policybot_request_seconds", "HTTP request latency",
                                 ["route"], registry=own,
                                 buckets=(0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28,
                                          2.56, 5.0))
        self.answers = Counter("policybot_answers_total", "Questions answered (any channel)",
                               registry=own)
        self.refusals = Counter("policybot_refusals_total",
                                "Questions refused as outside the plan", registry=own)
        self.rate_limited = Counter("policybot_rate_limited_total",
                                    "Requests refused by the rate limit", registry=own)
        # The index gauges describe what is served, not a sum over workers: the scraped worker
        # sets them, and the latest value set by a live worker is reported.
        self.index_documents = Gauge("policybot_index_documents",
                                     "Documents in the active index generation",
                                     registry=own, multiprocess_mode="livemostrecent")
        self.index_measures = Gauge("policybot_index_measures", "Measures in the loaded plan",
                                    registry=own, multiprocess_mode="livemostrecent")
        self.redis_errors = Counter("policybot_redis_errors_total",
                                    "Store calls Redis did not serve (the store fell back)",
                                    ["store"], registry=own)
        self.database_errors = Counter("policybot_database_errors_total",
                                       "Database transactions that failed for want of the "
                                       "database", ["store"], registry=own)
        self.questions_unlogged = Counter("policybot_questions_unlogged_total",
                                          "Answered questions the question log could not keep",
                                          registry=own)
        # Info has no multiprocess form: the scraped worker reports its model from memory.
        self.model = Info("policybot_model", "Embedding model and index generation",
                          registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one HTTP request and its latency; route is the path template."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def observe_answer(self, answer: Answer) -> None:
        """Count one answer from ``PolicyBot.ask``."""
        self.answers.inc()
        if not answer.answerable:
            self.refusals.inc()

    def watch_redis(self, link: RedisLink) -> None:
        """Count the calls of link's stores that fell back; each count is shown from 0, so an
        alert on its rate has a series before the first outage."""
        for store in REDIS_STORES:
            self.redis_errors.labels(store)
        link.listen(lambda store: self.redis_errors.labels(store).inc())

    def watch_database(self, database: Database) -> None:
        """Count the transactions that failed for want of the database, by store, each shown
        from 0."""
        for store in DATABASE_STORES:
            self.database_errors.labels(store)
        database.listen(lambda store: self.database_errors.labels(store).inc())

    def describe_index(self, generation: str, embeddings: str, measures: int,
                       documents: int) -> None:
        """Record what the loaded index is."""
        self.model.info({"embeddings": embeddings, "generation": generation})
        self.index_measures.set(measures)
        self.index_documents.set(documents)

    def render(self) -> bytes:
        """The Prometheus text exposition: every worker's counts, with a directory."""
        if self.directory is None:
            return generate_latest(self.registry)
        workers = CollectorRegistry()
        MultiProcessCollector(workers, path=str(self.directory))
        return generate_latest(workers) + generate_latest(self.registry)

    def close(self) -> None:
        """This worker is stopping: drop its live gauges (its counts stay in the totals)."""
        if self.directory is not None:
            mark_process_dead(os.getpid(), str(self.directory))
