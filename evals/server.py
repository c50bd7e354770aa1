"""A ``policybot serve`` process on loopback, for the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and the supervisor's process id."""

    url: str
    pid: int


@contextmanager
def serve(home: Path, workers: int, log: IO[bytes],
          env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``policybot serve`` without a rate limit until the block ends.

    home: POLICYBOT_HOME (indexed first if empty). workers: uvicorn worker processes.
    log: where its output goes. env: extra environment (e.g. the WeChat settings).
    """
    port = free_port()
    full_env = {**os.environ, "POLICYBOT_HOME": str(home), "POLICYBOT_RATE_LIMIT": "0",
                **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        yield Server(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(url: str, process: subprocess.Popen, log: IO[bytes]) -> None:
    """Block until /healthz answers 200; raise with the server's output if it never does."""
    deadline = time.monotonic() + 300  # an empty home is indexed first
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    log.seek(0)
    raise RuntimeError(f"the server did not start:\n{log.read().decode()[-2000:]}")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
