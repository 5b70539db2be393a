"""Load benchmark: the eligibility check endpoint against a local server, closed loop and open loop.

Starts the service (uvicorn, 127.0.0.1 only, a temporary SQLite database, Kent's policy on the
configured networks, ``--workers`` server processes), issues an officer key, waits until every
server process is ready, then posts the sample applications (sample_data/applications) in turn to
``POST /v1/eligibility/check`` in two modes, each for ``--seconds``:

- closed loop: ``--clients`` clients, each sending its next request as soon as the last answer
  came (no think time). Gives throughput, and latency at that throughput.
- open loop: requests start at a fixed ``--rate`` per second whether or not earlier ones have
  finished (a new connection is opened when all are busy). Latency is measured from each request's
  scheduled start, so a stalled server or a late client counts against it (no coordinated omission).

Also reports the CPU time the server processes and this load generator spent per request (from
the kernel's counters), which says how much of the 2 shared cores each side took. Targets (issue 11,
on the 2-core machine with the load generator on the same cores): open loop at 100/s p95 < 20 ms,
0 errors; closed loop >= 800 req/s, 0 errors. Asserts nothing. The last line is JSON:
``{"clients", "seconds", "rps", "p50_ms", "p95_ms", "p99_ms", "errors", "open_rate", "open_p50_ms",
"open_p95_ms", "open_p99_ms", "open_errors", "workers", "server_cpu_ms_per_req", "client_cpu_ms_per_req"}``.

    python benchmarks/api_load.py [--clients 20] [--rate 100] [--seconds 30] [--workers 1] [--mode both]

The HTTP client is aiohttp (``pip install -e ".[bench]"``): httpx's client costs several times more
CPU per request, which on 2 shared cores is taken from the server being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db import make_engine, session_factory, upgrade  # noqa: E402
from api.security import create_key  # noqa: E402
from api.services.applications import body_from_row  # noqa: E402
from transport.domain.config import SAMPLE_DATA  # noqa: E402

PATH = "/v1/eligibility/check"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_bodies() -> list[bytes]:
    """The sample cohort as JSON request bodies."""
    with open(SAMPLE_DATA / "applications" / "rutland_sample.csv", encoding="utf-8") as fh:
        return [body_from_row(row).model_dump_json().encode() for row in csv.DictReader(fh)]


def officer_key(url: str) -> str:
    """Migrate the benchmark database and issue an officer key in it."""
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as s:
        _, plain = create_key(s, "officer", "load benchmark")
        s.commit()
    engine.dispose()
    return plain


@dataclass
class Run:
    """What one mode measured."""

    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def percentiles_ms(self) -> tuple[float, float, float]:
        ms = np.array(self.latencies_s) * 1000 if self.latencies_s else np.array([float("nan")])
        return tuple(float(np.percentile(ms, q)) for q in (50, 95, 99))  # type: ignore[return-value]

    @property
    def requests(self) -> int:
        return len(self.latencies_s) + len(self.errors)


async def _post(http: aiohttp.ClientSession, body: bytes, run: Run, started: float) -> None:
    try:
        async with http.post(PATH, data=body) as r:
            await r.read()
            if r.status != 200:
                run.errors.append(f"HTTP {r.status}")
                return
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        run.errors.append(type(exc).__name__)
        return
    run.latencies_s.append(time.perf_counter() - started)


def _session(base: str, key: str, connections: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=base, headers={"X-API-Key": key, "Content-Type": "application/json"},
                                 connector=aiohttp.TCPConnector(limit=connections),
                                 timeout=aiohttp.ClientTimeout(total=30))


async def closed_loop(base: str, key: str, bodies: list[bytes], clients: int, seconds: float) -> Run:
    """``clients`` clients back to back until the deadline."""
    run = Run()

    async def client(offset: int, until: float) -> None:
        i = offset
        while time.perf_counter() < until:
            await _post(http, bodies[i % len(bodies)], run, time.perf_counter())
            i += 1

    async with _session(base, key, clients) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(i, start + seconds) for i in range(clients)))
        run.elapsed_s = time.perf_counter() - start
    return run


async def open_loop(base: str, key: str, bodies: list[bytes], rate: float, seconds: float) -> Run:
    """Requests scheduled every ``1/rate`` s for ``seconds``, each timed from its scheduled start."""
    run = Run()
    n = int(rate * seconds)
    async with _session(base, key, 0) as http:
        start = time.perf_counter()
        tasks = []
        for i in range(n):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_post(http, bodies[i % len(bodies)], run, due)))
        await asyncio.gather(*tasks)
        run.elapsed_s = time.perf_counter() - start
    return run


def _cpu_s(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def measured(server: psutil.Process, coro_factory) -> Run:
    """Run one mode and charge it the CPU time the server processes and this process spent."""
    procs = [server, *server.children(recursive=True)]
    s0, c0 = _cpu_s(procs), time.process_time()
    run = asyncio.run(coro_factory())
    run.server_cpu_s, run.client_cpu_s = _cpu_s(procs) - s0, time.process_time() - c0
    return run


def wait_ready(base: str, workers: int, server: subprocess.Popen) -> None:
    """Until /ready answers 200 on many fresh connections in a row (every worker process has loaded)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 600
    in_a_row = 0
    while in_a_row < 10 * workers:
        try:
            with urllib.request.urlopen(f"{base}/ready", timeout=5) as r:
                in_a_row = in_a_row + 1 if r.status == 200 else 0
        except (urllib.error.URLError, OSError):
            in_a_row = 0
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("the server did not become ready")
        if in_a_row == 0:
            time.sleep(0.5)


def main() -> None:
    """Start the server, warm it up, load it in each mode, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20, help="closed loop: concurrent clients")
    ap.add_argument("--rate", type=float, default=100.0, help="open loop: requests started per second")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each mode")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--mode", choices=("both", "closed", "open"), default="both")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sen-api-load-"))
    url = f"sqlite:///{tmp / 'load.db'}"
    key = officer_key(url)
    bodies = sample_bodies()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SEN_TRANSPORT_API_DATABASE_URL": url, "SEN_TRANSPORT_API_JOB_WORKERS": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(args.workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env)
    closed = opened = None
    try:
        wait_ready(base, args.workers, server)
        proc = psutil.Process(server.pid)
        asyncio.run(closed_loop(base, key, bodies, args.clients, 3.0))  # warm-up, not counted
        if args.mode in ("both", "closed"):
            closed = measured(proc, lambda: closed_loop(base, key, bodies, args.clients, args.seconds))
        if args.mode in ("both", "open"):
            opened = measured(proc, lambda: open_loop(base, key, bodies, args.rate, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"eligibility check, {args.workers} server process(es), {len(bodies)} sample applications in turn, "
          f"{os.cpu_count()} cores shared with the load generator")
    out: dict = {"clients": args.clients, "seconds": args.seconds}
    cpu_runs = [r for r in (closed, opened) if r is not None]
    if closed is not None:
        p50, p95, p99 = closed.percentiles_ms()
        rps = len(closed.latencies_s) / closed.elapsed_s
        print(f"closed loop, {args.clients} clients, {closed.elapsed_s:.1f} s: {rps:.1f} req/s; latency p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms, p99 {p99:.1f} ms; errors {len(closed.errors)}"
              + (f" {sorted(set(closed.errors))[:5]}" if closed.errors else "")
              + f" (target >= 800 req/s, 0 errors: {'met' if rps >= 800 and not closed.errors else 'NOT met'})")
        out |= {"seconds": round(closed.elapsed_s, 1), "rps": round(rps, 1), "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1), "p99_ms": round(p99, 1), "errors": len(closed.errors)}
    if opened is not None:
        p50, p95, p99 = opened.percentiles_ms()
        print(f"open loop, {args.rate:g} req/s for {opened.elapsed_s:.1f} s: {opened.requests} requests; latency "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; errors {len(opened.errors)}"
              + (f" {sorted(set(opened.errors))[:5]}" if opened.errors else "")
              + f" (target p95 < 20 ms, 0 errors: {'met' if p95 < 20 and not opened.errors else 'NOT met'})")
        out |= {"open_rate": args.rate, "open_p50_ms": round(p50, 1), "open_p95_ms": round(p95, 1),
                "open_p99_ms": round(p99, 1), "open_errors": len(opened.errors)}
    served = sum(r.requests for r in cpu_runs)
    server_ms = 1000 * sum(r.server_cpu_s for r in cpu_runs) / max(served, 1)
    client_ms = 1000 * sum(r.client_cpu_s for r in cpu_runs) / max(served, 1)
    print(f"CPU per request: server {server_ms:.2f} ms, load generator {client_ms:.2f} ms "
          f"(machine load average {os.getloadavg()[0]:.1f} at the end)")
    out |= {"workers": args.workers, "server_cpu_ms_per_req": round(server_ms, 2),
            "client_cpu_ms_per_req": round(client_ms, 2)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
