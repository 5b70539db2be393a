"""``sen-transport worker``: claim optimisation jobs from the database and run them in a solver process.

A worker is a small supervisor loop, never busy itself, so its heartbeats never starve:

1. it registers in ``workers`` and keeps one solver child (``api.solver_host``) warm;
2. it recovers jobs whose worker went silent (``api.queue.recover_stale``) and claims the oldest
   queued job (``api.queue.claim``);
3. while the child solves, it renews the job's lease every ``heartbeat_s`` with the progress, and
   reads ``cancel_requested``: a cancel, or the job running ``overrun_s`` past its time limit, sends
   the child ``SIGUSR1`` and the search returns its best plan so far (validated, kept, marked
   ``stopped``). A child that does not stop within ``stop_grace_s`` is killed;
4. it stores the validated plan, its routes and the job's final state in one transaction, guarded
   by its lease: a job another process has recovered meanwhile is left alone.

A solver child that dies (the OS killing it for memory, say) costs that job one attempt: it is
queued again, or failed with the reason after ``max_attempts``, and a fresh child serves the next
job. SIGTERM/SIGINT stop the worker cleanly: the running job is given back to the queue.
"""

from __future__ import annotations

import json
import logging
import os
import queue as stdqueue
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api import queue
from api.config import ApiSettings
from api.models import JobRecord
from api.services.day_plans import cost_pence
from api.services.planning import store_plan
from api.solver_host import PARENT_PID_ENV

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    """How often a worker polls and beats, and when a job is stopped or given up."""

    poll_s: float = 0.5
    heartbeat_s: float = 2.0
    stale_s: float = 30.0
    max_attempts: int = 3
    overrun_s: float = 60.0
    stop_grace_s: float = 10.0
    ready_timeout_s: float = 900.0  # the first start of an install compiles the route search

    @classmethod
    def from_api(cls, settings: ApiSettings) -> WorkerSettings:
        """The timings in the service settings (``SEN_TRANSPORT_API_WORKER_*``, ``..._JOB_*``)."""
        return cls(poll_s=settings.worker_poll_s, heartbeat_s=settings.worker_heartbeat_s,
                   stale_s=settings.worker_stale_s, max_attempts=settings.job_max_attempts,
                   overrun_s=settings.job_overrun_s, stop_grace_s=settings.job_stop_grace_s)


class SolverDied(RuntimeError):
    """The solver child exited (killed, or crashed) while a job was running."""


class SolverProcess:
    """The worker's long-lived solver child and the lines it sends."""

    COMMAND = (sys.executable, "-m", "api.solver_host")

    def __init__(self, command: tuple[str, ...] = COMMAND) -> None:
        self.command = command
        self.proc: subprocess.Popen[str] | None = None
        self.lines: stdqueue.Queue[dict[str, Any] | None] = stdqueue.Queue()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout_s: float, stopping: threading.Event) -> None:
        """Start a child and wait until it says it is ready (it compiles or loads the route search)."""
        self.kill()
        self.lines = stdqueue.Queue()
        env = dict(os.environ, **{PARENT_PID_ENV: str(os.getpid())})
        self.proc = subprocess.Popen(list(self.command), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, encoding="utf-8", env=env, bufsize=1)
        threading.Thread(target=self._read, args=(self.proc, self.lines), name="solver-reader", daemon=True).start()
        end = time.monotonic() + timeout_s
        while time.monotonic() < end and not stopping.is_set():
            try:
                msg = self.lines.get(timeout=0.5)
            except stdqueue.Empty:
                continue
            if msg is None:
                raise SolverDied(f"the solver process exited while starting (code {self.proc.poll()})")
            if msg.get("ready"):
                return
        if not stopping.is_set():
            raise SolverDied(f"the solver process was not ready within {timeout_s:g} s")

    @staticmethod
    def _read(proc: subprocess.Popen[str], lines: stdqueue.Queue) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                lines.put(json.loads(line))
            except json.JSONDecodeError:
                log.warning("solver process sent a line that is not JSON")
        lines.put(None)  # end of stream: the child is gone

    def send(self, msg: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise SolverDied("the solver process is gone") from exc

    def next(self, timeout_s: float) -> dict[str, Any] | None:
        """The next line (None when there is none yet); SolverDied when the child has gone."""
        try:
            msg = self.lines.get(timeout=timeout_s)
        except stdqueue.Empty:
            return None
        if msg is None:
            code = self.proc.wait() if self.proc is not None else None
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
            raise SolverDied(f"the solver process was {how}")
        return msg

    def interrupt(self) -> None:
        """Ask the running search to stop and return its best plan so far."""
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGUSR1)

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    if f is not None:
                        f.close()
                except OSError:
                    pass
        self.proc = None


class Worker:
    """One worker: a claim loop and a solver child. ``run()`` in the foreground, or ``start()`` a thread."""

    def __init__(self, sessions: sessionmaker[Session], settings: WorkerSettings | None = None, *,
                 embedded: bool = False, solver_command: tuple[str, ...] = SolverProcess.COMMAND):
        self.sessions, self.settings, self.embedded = sessions, settings or WorkerSettings(), embedded
        self.id = uuid.uuid4().hex
        self.solver = SolverProcess(solver_command)
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.jobs_run = 0
        self._thread: threading.Thread | None = None
        self._last_beat = 0.0

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Run in a background thread (an embedded worker)."""
        self._thread = threading.Thread(target=self.run, name="job-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop: give the running job back to the queue, end the solver child, leave the register."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until the solver child is warm and the worker takes jobs."""
        return self.ready.wait(timeout_s)

    def run(self) -> None:
        """The claim loop, until ``stop()`` (or SIGTERM in ``sen-transport worker``)."""
        try:
            try:
                self.solver.start(self.settings.ready_timeout_s, self.stopping)
            except SolverDied as exc:  # this worker can't run jobs; /ready shows it missing
                log.error("worker %s: %s", self.id, exc)
                raise
            with self.sessions() as s:
                queue.register_worker(s, self.id, embedded=self.embedded)
            self.ready.set()
            log.info("worker %s ready (solver pid %s)", self.id, self.solver.pid)
            while not self.stopping.is_set():
                if not self.step():
                    self.stopping.wait(self.settings.poll_s)
        finally:
            self.solver.kill()
            try:
                with self.sessions() as s:
                    queue.unregister_worker(s, self.id)
            except Exception:  # noqa: BLE001 - the row then simply goes stale
                log.warning("worker %s could not leave the register", self.id)
            self.ready.clear()

    def step(self) -> bool:
        """Beat, recover stale jobs, claim and run one job; False when there was nothing to do."""
        try:
            self._beat(None, force=False)
            with self.sessions() as s:
                requeued, failed = queue.recover_stale(s, stale_s=self.settings.stale_s,
                                                       max_attempts=self.settings.max_attempts)
            if requeued or failed:
                log.warning("recovered jobs of silent workers: %d queued again, %d given up", requeued, failed)
            with self.sessions() as s:
                claimed = queue.claim(s, self.id)
        except Exception:  # a database hiccup: try again at the next poll
            log.exception("worker %s could not poll the queue", self.id)
            return False
        if claimed is None:
            return False
        self.run_job(claimed)
        self.jobs_run += 1
        return True

    def _beat(self, job_id: str | None, *, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_beat >= self.settings.heartbeat_s:
            with self.sessions() as s:
                queue.worker_beat(s, self.id, job_id)
            self._last_beat = now

    # ---- one job ------------------------------------------------------------------------------
    def run_job(self, claimed: queue.ClaimedJob) -> None:
        """Run a claimed job to its end (or until the lease is lost or the worker stops)."""
        lease, cfg = claimed.lease, self.settings
        log.info("worker %s runs job %s (attempt %d)", self.id, lease.job_id, lease.attempt)
        try:
            if not self.solver.alive():
                self.solver.start(cfg.ready_timeout_s, self.stopping)
            self.solver.send({"job_id": lease.job_id, "scenario": claimed.scenario,
                              "time_limit_s": claimed.time_limit_s})
        except SolverDied as exc:
            self._solver_lost(lease, str(exc))
            return
        started = time.monotonic()
        deadline = started + claimed.time_limit_s + cfg.overrun_s
        progress: dict[str, Any] = {}
        stopped: str | None = None
        stop_sent = 0.0
        last_beat = started
        while True:
            try:
                msg = self.solver.next(0.2)
            except SolverDied as exc:
                self._solver_lost(lease, str(exc))
                return
            if msg is not None and "progress" in msg:
                progress = msg["progress"]
            elif msg is not None and msg.get("job_id") == lease.job_id:
                self._finish(lease, msg, progress, stopped)
                return
            now = time.monotonic()
            if now - last_beat >= cfg.heartbeat_s:
                last_beat = now
                try:
                    self._beat(lease.job_id, force=True)
                    with self.sessions() as s:
                        cancel = queue.heartbeat(s, lease, elapsed_s=progress.get("elapsed_s", now - started),
                                                 best_cost=progress.get("best_cost"))
                except Exception:  # the database is away: keep solving, the lease survives until stale
                    log.exception("worker %s could not renew job %s", self.id, lease.job_id)
                    cancel = False
                if cancel is None:  # recovered by another process after our heartbeats went stale
                    log.warning("worker %s lost job %s to recovery; dropping its run", self.id, lease.job_id)
                    self.solver.kill()
                    return
                if cancel and stopped is None:
                    stopped, stop_sent = "cancelled", now
                    self.solver.interrupt()
            if stopped is None and now > deadline:
                stopped, stop_sent = "timed_out", now
                self.solver.interrupt()
            if self.stopping.is_set():
                self.solver.kill()
                with self.sessions() as s:
                    queue.release(s, lease, "its worker was stopped; queued again")
                return
            if stopped is not None and now - stop_sent > cfg.stop_grace_s:
                self.solver.kill()
                why = "cancelled" if stopped == "cancelled" else "timed out"
                self._settle(lease, "cancelled" if stopped == "cancelled" else "failed", stopped=stopped,
                             error=f"{why}; the solver did not stop within {cfg.stop_grace_s:g} s, so no plan was kept")
                return

    def _finish(self, lease: queue.Lease, msg: dict[str, Any], progress: dict[str, Any], stopped: str | None) -> None:
        """Store the validated plan and the final state in one transaction, if the lease still holds.

        The job's final best cost is the stored plan's KPI (pence), not the search's last estimate.
        """
        elapsed = float(progress.get("elapsed_s") or 0.0)
        if "error" in msg:
            if stopped == "cancelled":
                self._settle(lease, "cancelled", stopped=stopped, error=msg["error"])
            else:
                self._settle(lease, "failed", error=msg["error"])
            return
        result = msg["result"]
        if stopped == "timed_out" and not result.get("stopped_early"):
            stopped = None  # the search had ended by itself before the stop reached it: a full run
        status = "cancelled" if stopped == "cancelled" else "succeeded"
        with self.sessions() as s:
            try:
                job = s.get(JobRecord, lease.job_id)
                assert job is not None
                plan = store_plan(s, job, result, stopped=stopped)
                if not queue.settle(s, lease, status, plan_id=plan.id, progress=1.0, stopped=stopped,
                                    elapsed_s=elapsed or job.elapsed_s,
                                    best_cost=cost_pence(result["kpis"])):
                    s.rollback()
                    log.warning("worker %s lost job %s before storing its plan; nothing stored", self.id, lease.job_id)
                    return
                s.commit()
            except Exception as err:  # nothing of the plan is kept: the job says why
                s.rollback()
                log.error("worker %s could not store the plan of job %s: %s", self.id, lease.job_id, type(err).__name__)
                self._settle(lease, "failed", error=f"storing the plan failed: {type(err).__name__}: {err}"[:2000])

    def _settle(self, lease: queue.Lease, status: str, **values: Any) -> None:
        with self.sessions() as s:
            if queue.settle(s, lease, status, **values):
                s.commit()
            else:
                s.rollback()

    def _solver_lost(self, lease: queue.Lease, why: str) -> None:
        """The child died mid-job: the job goes back to the queue (or fails after max attempts)."""
        log.warning("worker %s: %s during job %s", self.id, why, lease.job_id)
        self.solver.kill()
        with self.sessions() as s:
            if lease.attempt < self.settings.max_attempts:
                queue.release(s, lease, f"{why}; queued again (attempt {lease.attempt} of {self.settings.max_attempts})")
            elif queue.settle(s, lease, "failed", error=f"{why}; given up after {lease.attempt} attempts"):
                s.commit()


def install_signal_handlers(worker: Worker) -> None:
    """SIGTERM and SIGINT stop the worker cleanly (the running job goes back to the queue)."""

    def handler(signum, _frame) -> None:
        worker.stopping.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
