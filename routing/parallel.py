"""Run independent tasks on a local process pool or, when configured, a Dask cluster.

``run_tasks(fn, tasks)`` maps a top-level (picklable) function over tasks and returns the
results in task order. By default it uses ``concurrent.futures.ProcessPoolExecutor`` with one
worker per core; given a Dask scheduler address (argument or ``SEN_TRANSPORT_DASK_SCHEDULER``)
the same tasks run on that cluster through ``dask.distributed.Client``. There is no cluster
code of our own. ``on_result`` hears each finished task; once ``should_stop()`` is true, tasks
not yet started are cancelled and come back as ``None`` (running ones finish: each task has
its own time limit and may watch a stop file, see :class:`StopFile`).
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from transport.domain.config import get_settings

T = TypeVar("T")
R = TypeVar("R")

POLL_S = 0.2


def dask_address(address: str | None = None) -> str | None:
    """The scheduler address to use: the argument, else the setting (``dask_scheduler``), else ``None`` (local pool)."""
    return address or get_settings().dask_scheduler or None


class StopFile:
    """A stop flag that worker processes on the same machine can see: a file that appears."""

    def __init__(self) -> None:
        fd, name = tempfile.mkstemp(prefix="sen-transport-stop-")
        os.close(fd)
        os.unlink(name)
        self.path = name

    def set(self) -> None:
        """Ask every task watching this flag to stop."""
        Path(self.path).touch()

    def is_set(self) -> bool:
        """Whether the flag is set."""
        return os.path.exists(self.path)

    def clear(self) -> None:
        """Remove the flag file."""
        if os.path.exists(self.path):
            os.unlink(self.path)


class StopFileCallbacks:
    """Solver callbacks for a worker: stop once the parent sets the ``StopFile`` at ``path``.

    Progress is reported per task by the parent, not per solution.
    """

    def __init__(self, path: str | None):
        self.path = path

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        """Progress is the parent's to report."""

    def should_stop(self) -> bool:
        """True once the parent set the stop flag."""
        return self.path is not None and os.path.exists(self.path)


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them through the stop flag."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_tasks(fn: Callable[[T], R], tasks: Sequence[T], *, scheduler: str | None = None,
              max_workers: int | None = None, on_result: Callable[[int, R], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> list[R | None]:
    """``[fn(t) for t in tasks]`` in parallel; ``None`` for tasks cancelled by ``should_stop``."""
    if not tasks:
        return []
    address = dask_address(scheduler)
    if address is not None:
        return _run_dask(fn, tasks, address, on_result, should_stop)
    workers = max(1, min(max_workers or os.cpu_count() or 1, len(tasks)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint) as pool:
        futures = {pool.submit(fn, t): k for k, t in enumerate(tasks)}
        return _collect(futures, len(tasks), on_result, should_stop, cancel=lambda f: f.cancel())


def _collect(futures: dict[Any, int], n: int, on_result: Callable[[int, Any], None] | None,
             should_stop: Callable[[], bool] | None, cancel: Callable[[Any], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    pending = set(futures)
    stopped = False
    while pending:
        done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
        _store_done(done, futures, results, on_result)
        if not stopped and should_stop is not None and should_stop():
            stopped = True
            for f in pending:
                cancel(f)
    return results


def _store_done(done: Any, futures: dict, results: list, on_result: Callable[[int, Any], None] | None) -> None:
    """Store the results of finished (not cancelled) futures and report each one."""
    for f in done:
        if f.cancelled():
            continue
        k = futures[f]
        results[k] = f.result()
        if on_result is not None:
            on_result(k, results[k])


def _run_dask(fn: Callable[[T], R], tasks: Sequence[T], address: str,
              on_result: Callable[[int, R], None] | None,
              should_stop: Callable[[], bool] | None) -> list[R | None]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError("running on a Dask cluster needs the 'dask' extra: "
                          "pip install 'sen-transport[dask]'") from exc
    results: list[R | None] = [None] * len(tasks)
    with Client(address, set_as_default=False) as client:
        futures = {client.submit(fn, t, pure=False): k for k, t in enumerate(tasks)}
        pending = set(futures)
        stopped = False
        while pending:
            done = {f for f in pending if f.done()}
            if not done:
                time.sleep(POLL_S)
            pending -= done
            _store_done(done, futures, results, on_result)
            if not stopped and should_stop is not None and should_stop():
                stopped = True
                for f in list(pending):
                    if f.status == "pending":
                        f.cancel()
                        pending.discard(f)
    return results

