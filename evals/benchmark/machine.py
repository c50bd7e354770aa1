"""The machine the figures are measured on, and the memory of a server's processes."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evals.benchmark import ROOT


def process_tree(root: int) -> list[int]:
    """root and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        # The command name is in parentheses and may hold spaces; the ppid follows the state.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def proc_texts(pids: list[int], name: str) -> Iterator[str]:
    """The /proc/<pid>/<name> file of each process still running."""
    for pid in pids:
        try:
            yield Path(f"/proc/{pid}/{name}").read_text()
        except OSError:  # the process ended meanwhile
            continue


def rss_mb(pids: list[int]) -> float:
    """Summed resident set size of the processes, in MB."""
    found = (re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
             for status in proc_texts(pids, "status"))
    return sum(int(f.group(1)) for f in found if f) / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far, summed, in seconds."""
    # After the parenthesised command name: utime and stime are the 12th and 13th fields.
    fields = (stat.rsplit(")", 1)[1].split() for stat in proc_texts(pids, "stat"))
    return sum(int(f[11]) + int(f[12]) for f in fields) / os.sysconf("SC_CLK_TCK")


class ServerUsage:
    """What a process tree (a server's master and workers) uses while the block runs: its
    summed RSS, sampled every 0.2 s (``peak_mb`` is the highest sum seen), and the CPU time it
    spent (``cpu_s``; on a shared machine a steadier measure of work than wall time)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self.cpu_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ServerUsage:
        self.cpu_s = -cpu_seconds(process_tree(self.pid))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_s += cpu_seconds(process_tree(self.pid))

    def _sample(self) -> None:
        while True:
            self.peak_mb = max(self.peak_mb, rss_mb(process_tree(self.pid)))
            if self._stop.wait(0.2):
                return


@dataclass(frozen=True)
class Machine:
    """Where the figures were measured, and how busy the machine was when the run began
    (load average over 1, 5 and 15 minutes: other work on it slows every figure)."""

    cpus: int
    cpu_model: str
    ram_gb: float
    python: str
    wrk: str | None
    commit: str | None
    date: str
    load: tuple[float, float, float]

    @classmethod
    def here(cls) -> Machine:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        meminfo = Path("/proc/meminfo").read_text()
        ram_kb = int(re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE).group(1))
        wrk = None
        if shutil.which("wrk"):
            wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(
                "[")[0].strip()
        commit = None
        if shutil.which("git"):
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip() or None
        return cls(cpus=os.cpu_count() or 0, cpu_model=model.group(1) if model else "unknown",
                   ram_gb=ram_kb / 1024 / 1024, python=platform.python_version(), wrk=wrk,
                   commit=commit, date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                   load=os.getloadavg())

