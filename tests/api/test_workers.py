"""Real processes on one database: `sen-transport serve --no-worker` API processes and `sen-transport worker`s.

Each test runs on a SQLite file and, when ``SEN_TRANSPORT_TEST_POSTGRES_URL`` is set, on PostgreSQL
(required with ``SEN_TRANSPORT_REQUIRE_POSTGRES=1``, as ``.ci/run`` does). Small scenarios and short time
limits keep each test well under a minute of solving.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import func, select, text

from api import queue
from api.db import make_engine, session_factory, upgrade
from api.models import JobRecord, PlanRecord, ScenarioRecord, WorkerRecord, utcnow
from api.security import create_key
from api.worker import Worker, WorkerSettings
from tests.api.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
FAST = {"SEN_TRANSPORT_API_WORKER_HEARTBEAT_S": "0.5", "SEN_TRANSPORT_API_WORKER_STALE_S": "5",
        "SEN_TRANSPORT_API_WORKER_POLL_S": "0.2", "SEN_TRANSPORT_API_MIGRATE_AT_START": "false",
        "SEN_TRANSPORT_API_LOAD_ENGINE_AT_START": "false", "SEN_TRANSPORT_API_AUTH_CACHE_S": "0"}


@pytest.fixture(scope="module")
def scenario_doc() -> dict:
    """A synthetic five-child scenario on the real Rutland sample."""
    from transport.planning.cohort import generate_scenario

    return generate_scenario(5, seed=7, name="queue test").model_dump(mode="json")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Iterator[str]:
    """A migrated, empty database URL shared by the processes of one test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'queue.db'}"
    else:
        if not POSTGRES_URL:
            if os.environ.get("SEN_TRANSPORT_REQUIRE_POSTGRES"):
                pytest.fail("SEN_TRANSPORT_REQUIRE_POSTGRES is set but SEN_TRANSPORT_TEST_POSTGRES_URL is not")
            pytest.skip("SEN_TRANSPORT_TEST_POSTGRES_URL not set")
        url = POSTGRES_URL
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    yield url
    if request.param == "postgresql":  # leave the shared test database empty and migrated for later tests
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(url)


class Cluster:
    """API processes and workers started for one test; all killed at the end."""

    def __init__(self, url: str, tmp: Path):
        self.url, self.tmp = url, tmp
        self.procs: list[subprocess.Popen] = []
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)
        with self.sessions() as s:
            self.key = create_key(s, "planner", "queue test")[1]
            s.commit()

    def _spawn(self, args: list[str], name: str, **env: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "transport.cli", *args, "--database-url", self.url],
                                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **FAST, **env},
                                stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def api(self, name: str, **env: str) -> httpx.Client:
        """Start ``serve --no-worker`` on a free port; a client once it answers."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        proc = self._spawn(["serve", "--no-worker", "--port", str(port)], name, **env)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": self.key}, timeout=30)
        end = time.monotonic() + 90
        while time.monotonic() < end:
            assert proc.poll() is None, (self.tmp / f"{name}.log").read_text()[-2000:]
            try:
                if client.get("/health").status_code == 200:
                    return client
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{name} did not start")

    def workers(self, *names: str) -> list[subprocess.Popen]:
        """Start ``sen-transport worker``s and wait until they are registered (their solvers are warm)."""
        procs = {name: self._spawn(["worker"], name) for name in names}
        end = time.monotonic() + 300
        while time.monotonic() < end:
            for name, proc in procs.items():
                assert proc.poll() is None, (self.tmp / f"{name}.log").read_text()[-2000:]
            with self.sessions() as s:
                pids = set(s.scalars(select(WorkerRecord.pid)))
            if all(p.pid in pids for p in procs.values()):
                return list(procs.values())
            time.sleep(0.2)
        raise AssertionError(f"{names} did not register")

    def job(self, job_id: str) -> JobRecord:
        with self.sessions() as s:
            job = s.get(JobRecord, job_id)
            assert job is not None
            return job

    def wait(self, job_id: str, until, timeout_s: float = 90) -> JobRecord:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            job = self.job(job_id)
            if until(job):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not get there: {self.job(job_id).status}")

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.engine.dispose()


@pytest.fixture
def cluster(db, tmp_path) -> Iterator[Cluster]:
    c = Cluster(db, tmp_path)
    yield c
    c.close()


def ended(job: JobRecord) -> bool:
    return job.status in ("succeeded", "failed", "cancelled")


def solving(job: JobRecord) -> bool:
    return job.status == "running" and job.best_cost is not None


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def gone(procs: list[psutil.Process], timeout_s: float = 5) -> bool:
    _, alive = psutil.wait_procs(procs, timeout=timeout_s)
    return not alive


def test_killed_solver_and_killed_worker(cluster, scenario_doc):
    """kill -9 of a solver re-runs its job at once; kill -9 of a worker leaves no solver behind, its job is
    re-queued once its heartbeat is stale and finished by another worker, and new jobs still run."""
    api = cluster.api("api")
    sid = api.post("/v1/scenarios", json=scenario_doc).json()["id"]
    [w1] = cluster.workers("w1")

    # a dead solver (the OS killing it for memory) costs one attempt, not the worker
    first = api.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 4}).json()["id"]
    cluster.wait(first, solving)
    [solver] = descendants(w1.pid)
    solver.send_signal(signal.SIGKILL)
    done = cluster.wait(first, ended)
    assert done.status == "succeeded" and done.attempts == 2 and done.plan_id, (done.status, done.error)
    assert w1.poll() is None

    # a dead worker: its solver dies with it, and the job is recovered by another worker
    second = api.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 4}).json()["id"]
    cluster.wait(second, solving)
    solvers = descendants(w1.pid)
    assert solvers
    w1.send_signal(signal.SIGKILL)
    w1.wait(timeout=10)
    assert gone(solvers), "the killed worker's solver process was left running"
    assert cluster.job(second).status == "running"  # nobody has taken it yet: its heartbeat is not stale
    cluster.workers("w2")
    done = cluster.wait(second, ended)
    assert done.status == "succeeded" and done.attempts == 2 and done.plan_id, (done.status, done.error)
    third = api.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 1}).json()["id"]
    assert cluster.wait(third, ended).status == "succeeded"
    with cluster.sessions() as s:
        plans = Counter(s.scalars(select(PlanRecord.job_id)))
    assert plans == {first: 1, second: 1, third: 1}


def test_two_apis_two_workers_run_each_job_once(cluster, scenario_doc):
    """Two API processes and two workers on one database run 20 jobs, each exactly once; a cancel sent to the
    other API process stops a running job within seconds and keeps its best validated plan."""
    a, b = cluster.api("api-a"), cluster.api("api-b")
    w1, w2 = cluster.workers("w1", "w2")
    sid = a.post("/v1/scenarios", json=scenario_doc).json()["id"]
    ids = []
    for i in range(20):
        r = (a if i % 2 else b).post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 0.5})
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    reported = {}
    for job_id in ids:
        job = cluster.wait(job_id, ended, timeout_s=120)
        reported[job_id] = (job.status, job.plan_id)
        assert job.status == "succeeded" and job.attempts == 1 and job.error is None, (job.status, job.error)
    with cluster.sessions() as s:
        plans = Counter(s.scalars(select(PlanRecord.job_id).where(PlanRecord.job_id.in_(ids))))
        ran_by = Counter(s.scalars(select(JobRecord.worker_id).where(JobRecord.id.in_(ids))))
        workers = {w.pid: w.id for w in s.scalars(select(WorkerRecord))}
    assert plans == Counter({job_id: 1 for job_id in ids}), "a job was run (and stored) more than once"
    assert set(ran_by) <= {workers[w1.pid], workers[w2.pid]} and sum(ran_by.values()) == 20
    for job_id in ids:  # what the API reports now is what it reported when the job ended
        got = b.get(f"/v1/jobs/{job_id}").json()
        assert (got["status"], got["plan_id"]) == reported[job_id]

    long = a.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 60}).json()["id"]
    cluster.wait(long, solving)
    asked = time.monotonic()
    assert b.post(f"/v1/jobs/{long}/cancel").status_code == 202
    done = cluster.wait(long, ended, timeout_s=30)
    assert time.monotonic() - asked < 10, "the solver did not stop within seconds"
    assert done.status == "cancelled" and done.stopped == "cancelled" and done.plan_id, (done.status, done.error)
    plan = a.get(f"/v1/plans/{done.plan_id}").json()
    assert plan["stopped"] == "cancelled"
    assert a.get(f"/v1/plans/{done.plan_id}/validation").json()["valid"] is True
    with cluster.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlanRecord).where(PlanRecord.job_id == long)) == 1


def test_killed_server_leaves_no_process(tmp_path):
    """kill -9 of `serve` (with its embedded worker and solver) leaves no process behind; /ready listed the worker."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(tmp_path / "serve.log", "w")
    env = {**os.environ, "PYTHONPATH": str(ROOT), **FAST, "SEN_TRANSPORT_API_MIGRATE_AT_START": "true"}
    server = subprocess.Popen([sys.executable, "-m", "transport.cli", "serve", "--port", str(port),
                               "--database-url", url], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 300
        ready = None
        while time.monotonic() < end and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).json()
                if ready.get("job_workers") == 1:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.3)
        assert ready and ready["job_workers"] == 1, (tmp_path / "serve.log").read_text()[-2000:]
        assert ready["workers"][0]["embedded"] is True and ready["workers"][0]["pid"] == server.pid
        children = descendants(server.pid)
        assert children, "the embedded worker's solver process should be running"
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        assert gone(children), f"left behind: {[p.pid for p in children if p.is_running()]}"
    finally:
        if server.poll() is None:
            server.kill()


def test_timed_out_and_failing_jobs(db_url, scenario_doc):
    """A job whose scenario can't be planned fails with the reason and the worker runs on; a job past its deadline
    is stopped and keeps its best validated plan, marked timed_out."""
    sessions = session_factory(make_engine(db_url))
    with sessions() as s:
        good = ScenarioRecord(name="ok", session="am", source="upload", children=5, document=scenario_doc, created_by="t")
        bad = ScenarioRecord(name="bad", session="am", source="upload", children=0,
                             document={**scenario_doc, "children": [{"id": "x"}]}, created_by="t")
        s.add_all([good, bad])
        s.flush()
        s.add_all([JobRecord(id="b" * 32, scenario_id=bad.id, status="queued", time_limit_s=5, created_by="t"),
                   JobRecord(id="t" * 32, scenario_id=good.id, status="queued", time_limit_s=30, created_by="t")])
        s.commit()
    # the deadline (time limit + overrun) falls 3 s into a 30 s search, so the test needn't wait for a slow solver
    worker = Worker(sessions, WorkerSettings(poll_s=0.1, heartbeat_s=0.3, overrun_s=-27.0))
    worker.start()
    try:
        assert worker.wait_ready(300)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            with sessions() as s:
                jobs = {j.id: j for j in s.query(JobRecord)}
            if all(ended(j) for j in jobs.values()):
                break
            time.sleep(0.2)
    finally:
        worker.stop()
    failed, timed_out = jobs["b" * 32], jobs["t" * 32]
    assert failed.status == "failed" and failed.plan_id is None and failed.error, failed.error
    assert timed_out.status == "succeeded" and timed_out.stopped == "timed_out" and timed_out.plan_id, timed_out.error
    assert timed_out.elapsed_s < 20
    with sessions() as s:
        plan = s.get(PlanRecord, timed_out.plan_id)
        assert plan is not None and plan.stopped == "timed_out" and plan.violations == []
        assert plan.kpis["children"] == 5


def test_solver_that_ignores_the_stop_is_killed(db_url):
    """A solver that won't stop is killed after the grace period: the cancelled job says so, stores no plan,
    and the next job gets a fresh solver process."""
    sessions = session_factory(make_engine(db_url))
    with sessions() as s:
        scen = ScenarioRecord(name="x", session="am", source="upload", children=0, document={}, created_by="t")
        s.add(scen)
        s.flush()
        s.add_all([JobRecord(id=f"{i}" * 32, scenario_id=scen.id, status="queued", time_limit_s=600, created_by="t",
                             created_at=utcnow() + dt.timedelta(seconds=i)) for i in (1, 2)])
        s.commit()
    stuck = (sys.executable, str(ROOT / "tests" / "data" / "stuck_solver.py"))
    worker = Worker(sessions, WorkerSettings(poll_s=0.1, heartbeat_s=0.2, stop_grace_s=1.0), solver_command=stuck)
    worker.start()
    try:
        assert worker.wait_ready(60)
        first_solver = _wait_for(lambda: _status(sessions, "1" * 32) == "running" and worker.solver.pid)
        with sessions() as s:
            assert queue.request_cancel(s, "1" * 32) == "running"
        _wait_for(lambda: _status(sessions, "1" * 32) == "cancelled")
        assert not psutil.pid_exists(first_solver) or psutil.Process(first_solver).status() == psutil.STATUS_ZOMBIE
        _wait_for(lambda: _status(sessions, "2" * 32) == "running" and worker.solver.pid not in (None, first_solver))
    finally:
        worker.stop()
    with sessions() as s:
        job = s.get(JobRecord, "1" * 32)
        assert job.plan_id is None and job.stopped == "cancelled" and "did not stop within 1 s" in job.error
        assert s.scalar(select(func.count()).select_from(PlanRecord)) == 0
        assert s.get(JobRecord, "2" * 32).status == "queued"  # given back when the worker stopped


def _status(sessions, job_id: str) -> str:
    with sessions() as s:
        return s.get(JobRecord, job_id).status


def _wait_for(check, timeout_s: float = 30):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")
