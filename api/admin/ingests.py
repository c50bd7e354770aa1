"""Documents uploaded in the console, indexed one at a time in a background thread, with their
progress for the page to poll."""

from __future__ import annotations

import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from bot.policybot import PolicyBot
from vectorstore.library import index_file

State = Literal["queued", "indexing", "done", "failed"]
# Finished jobs kept for the page to read.
KEEP = 50


@dataclass
class IngestJob:
    """One uploaded document being indexed.

    id: the job's id. document: the id the document gets. filename: as uploaded.
    state: queued, indexing, done or failed. done, total: texts embedded so far, of all.
    error: why it failed. built: whether the library changed (false when the same document
    was already indexed).
    """

    id: str
    document: str
    filename: str
    state: State = "queued"
    done: int = 0
    total: int = 0
    error: str = ""
    built: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


class Ingests:
    """Indexes uploaded files in one background thread (embedding takes the machine's cores;
    two at once would only share them).

    directory: where uploaded files wait until they are indexed.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ingest")
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()

    def submit(self, bot: PolicyBot, filename: str, content: bytes, document: str) -> IngestJob:
        """Queue a file for indexing under document (an id already checked); the bot switches
        to the new library once it is built."""
        job = IngestJob(uuid.uuid4().hex, document, filename)
        folder = self.directory / job.id
        folder.mkdir(parents=True)
        # The file keeps its name: its suffix says how to read it.
        path = folder / Path(filename).name
        path.write_bytes(content)
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP]:
                if self._jobs[old].state in ("done", "failed"):
                    del self._jobs[old]
        self._pool.submit(self._run, bot, job, path)
        return job

    def get(self, job_id: str) -> IngestJob | None:
        """A job by id, None when unknown (or long finished)."""
        return self._jobs.get(job_id)

    def _run(self, bot: PolicyBot, job: IngestJob, path: Path) -> None:
        job.state = "indexing"

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            _, job.built = index_file(bot.client, bot.embeddings, path, job.document, progress)
            bot.refresh()
            job.state = "done"
        except Exception as exc:  # shown on the page: a file without measures, a bad .docx
            job.error = str(exc) or type(exc).__name__
            job.state = "failed"
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)

    def close(self) -> None:
        """Wait for the running job and drop queued ones (at shutdown)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
