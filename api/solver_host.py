"""The solver process a worker runs its jobs in: ``python -m api.solver_host`` (started by ``api.worker``).

One long-lived child per worker keeps the compiled route search and the road network loaded
between jobs. It speaks JSON lines: a job on stdin, then progress lines and one result (or error)
line on its protocol channel (the original stdout; anything a library prints goes to stderr).
``SIGUSR1`` asks the running search to stop: it then returns its best plan so far, validated as
always. The child dies with its parent (``PR_SET_PDEATHSIG``, and a watchdog where that is
missing), so a killed worker or server leaves no solver behind.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import Any, TextIO

PARENT_PID_ENV = "SEN_TRANSPORT_SOLVER_PARENT"
PROGRESS_EVERY_S = 0.25


def die_with_parent(parent_pid: int) -> None:
    """Be killed when ``parent_pid`` ends: the kernel's parent-death signal on Linux, else a watchdog."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


class _Stop:
    """The cancel flag ``SIGUSR1`` sets; cleared when a job starts."""

    def __init__(self) -> None:
        self.flag = False

    def set(self, *_: Any) -> None:
        self.flag = True


class Reporter:
    """The solver's callbacks: throttled progress lines, and the stop flag."""

    def __init__(self, out: TextIO, stop: _Stop):
        self.out, self.stop = out, stop
        self._last = 0.0
        self._best: int | None = None
        self._elapsed_s = 0.0
        self._sent: int | None = None

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        # the solver reports only validated plans, each cheaper than the last; min() is a safety net
        self._best = int(best_cost) if self._best is None else min(self._best, int(best_cost))
        self._elapsed_s = float(elapsed_s)
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            self._send()

    def flush(self) -> None:
        """Send the last figure if the throttle held it back."""
        if self._best is not None and self._best != self._sent:
            self._send()

    def _send(self) -> None:
        self._sent = self._best
        send(self.out, {"progress": {"best_cost": self._best, "elapsed_s": round(self._elapsed_s, 3)}})

    def should_stop(self) -> bool:
        return self.stop.flag


def send(out: TextIO, msg: dict[str, Any]) -> None:
    """One protocol line."""
    out.write(json.dumps(msg, separators=(",", ":")) + "\n")
    out.flush()


def run_job(msg: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    """Plan the scenario (a day scenario as a day), validate it, draw it; JSON-safe results
    (``stopped_early`` when the search was cut short)."""
    from transport.domain.scenario import parse_scenario
    from transport.planning.day import plan_day
    from transport.planning.day_views import day_routes_geojson
    from transport.planning.plan import plan_scenario

    scenario = parse_scenario(msg["scenario"], source=f"job {msg['job_id']}")
    if scenario.session == "day":  # both runs on every weekday, checked by check_day on each
        day = plan_day(scenario, time_limit_s=float(msg["time_limit_s"]), callbacks=reporter)
        reporter.flush()
        return {"kind": "day", "document": day.to_dict(), "geojson": day_routes_geojson(day), "kpis": day.kpis(),
                "violations": day.violations, "stopped_early": reporter.stop.flag}
    doc = plan_scenario(scenario, time_limit_s=float(msg["time_limit_s"]), callbacks=reporter)
    reporter.flush()
    return {"kind": "session", "document": doc.to_dict(), "geojson": doc.routes_geojson(), "kpis": doc.kpis(),
            "violations": doc.violations, "stopped_early": reporter.stop.flag}


def main() -> None:
    """Serve jobs from stdin until it closes."""
    die_with_parent(int(os.environ.get(PARENT_PID_ENV) or os.getppid()))
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # stray prints from libraries must not corrupt the protocol
    stop = _Stop()
    signal.signal(signal.SIGUSR1, stop.set)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the worker decides
    from routing import lns

    lns.warm_up()  # compile (first install) or load the route search before saying ready
    send(out, {"ready": True, "pid": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        stop.flag = False
        try:
            send(out, {"job_id": msg["job_id"], "result": run_job(msg, Reporter(out, stop))})
        except Exception as exc:  # the job fails with the reason; the process serves the next job
            send(out, {"job_id": msg["job_id"], "error": f"{type(exc).__name__}: {exc}"[:2000]})


if __name__ == "__main__":
    main()
