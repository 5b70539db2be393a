"""Load benchmark: the eligibility check endpoint under concurrent clients, against a local server.

Starts the service (uvicorn, 127.0.0.1 only, a temporary SQLite database, Kent's policy on the
configured networks), issues an officer key, waits for /ready, then runs ``--clients`` concurrent
clients for ``--seconds``, each posting the sample applications (sample_data/applications) in turn
to ``POST /v1/eligibility/check``. Prints requests per second, latency percentiles and errors;
target p95 < 100 ms with zero errors. Asserts nothing. The last line is JSON:
``{"clients": n, "seconds": x, "rps": x, "p50_ms": x, "p95_ms": x, "p99_ms": x, "errors": n}``.

    python benchmarks/api_load.py [--clients 20] [--seconds 30] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_bodies() -> list[dict]:
    """The sample cohort as API request bodies."""
    import csv

    from api.services.applications import body_from_row
    from transport.domain.config import SAMPLE_DATA

    with open(SAMPLE_DATA / "applications" / "rutland_sample.csv", encoding="utf-8") as fh:
        return [body_from_row(row).model_dump(mode="json") for row in csv.DictReader(fh)]


def officer_key(url: str) -> str:
    """Migrate the benchmark database and issue an officer key in it."""
    from api.db import make_engine, session_factory, upgrade
    from api.security import create_key

    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as s:
        _, plain = create_key(s, "officer", "load benchmark")
        s.commit()
    engine.dispose()
    return plain


async def client_loop(base: str, key: str, bodies: list[dict], offset: int, until: float,
                      latencies: list[float], errors: list[str]) -> None:
    """One client: post applications back to back until the deadline."""
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        i = offset
        while time.perf_counter() < until:
            body = bodies[i % len(bodies)]
            i += 1
            start = time.perf_counter()
            try:
                r = await http.post("/v1/eligibility/check", json=body)
                ok = r.status_code == 200
                if not ok:
                    errors.append(f"HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                ok = False
            if ok:
                latencies.append(time.perf_counter() - start)


async def run(base: str, key: str, bodies: list[dict], clients: int, seconds: float):
    """All clients together for ``seconds``."""
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(client_loop(base, key, bodies, i, until, latencies, errors) for i in range(clients)))
    return latencies, errors, time.perf_counter() - start


def main() -> None:
    """Start the server, warm it up, load it, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
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
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not become ready")
            time.sleep(0.5)
        asyncio.run(run(base, key, bodies, args.clients, 2.0))  # warm-up, not counted
        lat, errors, elapsed = asyncio.run(run(base, key, bodies, args.clients, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    ms = np.array(lat) * 1000 if lat else np.array([float("nan")])
    p50, p95, p99 = (float(np.percentile(ms, q)) for q in (50, 95, 99))
    rps = len(lat) / elapsed
    print(f"eligibility check, {args.clients} clients, {elapsed:.1f} s, {args.workers} server worker(s), "
          f"{len(bodies)} sample applications in turn")
    print(f"requests ok {len(lat)}, errors {len(errors)}" + (f" ({sorted(set(errors))[:5]})" if errors else ""))
    print(f"throughput {rps:.1f} req/s; latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms "
          f"(target p95 < 100 ms, zero errors: {'met' if p95 < 100 and not errors else 'NOT met'})")
    print(json.dumps({"clients": args.clients, "seconds": round(elapsed, 1), "rps": round(rps, 1),
                      "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1),
                      "errors": len(errors)}))


if __name__ == "__main__":
    main()
