"""Benchmarks of Safe Replies against a keyword autoresponder measured in the same run.

    uv run python bench/run.py [--quick] [--http] [--out docs/PERFORMANCE.md]

In-process: triage latency p50/p95/p99 and throughput, guard checks per second, model load time,
training time, peak memory. With --http: `sendiass serve` on a free port, POST /api/triage at
concurrency 1, 8 and 32 (p50/p95/p99, throughput) and the server's peak memory.
The baseline is the naive alternative a service might run instead: a keyword autoresponder.
Speed targets live here, never in timed tests.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "data" / "validation_messages.jsonl"


# ------------------------------------------------------------------ the baseline
KEYWORDS = [
    ("safeguarding", re.compile(r"\b(die|suicid|hurt|hit|abuse|missing)\w*", re.I)),
    ("redirect_private", re.compile(r"\b(my (son|daughter|child)|07\d{3})", re.I)),
    ("complaint", re.compile(r"\b(complain|rude|useless|no reply|waiting)\w*", re.I)),
    ("answer", re.compile(r"\?")),
    ("acknowledge", re.compile(r"\b(thanks?|thank you|hi|hello)\b", re.I)),
]


def keyword_autoresponder(text: str) -> str:
    for route, pattern in KEYWORDS:
        if pattern.search(text):
            return route
    return "handoff"


# ------------------------------------------------------------------ helpers
def percentiles(samples: list[float]) -> dict:
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]  # noqa: E731
    return {"p50_ms": 1000 * statistics.median(s), "p95_ms": 1000 * pick(0.95), "p99_ms": 1000 * pick(0.99)}


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t0)
    return out


def peak_rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) // 1024 for l in Path("/proc/meminfo").read_text().splitlines()
                if l.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores ({cpu}), {mem / 1024:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


# ------------------------------------------------------------------ in-process
def in_process(texts: list[str], train: bool) -> dict:
    from bot import guard
    from bot.training import train as train_model
    from bot.triage import TriageService

    results = {}
    if train:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            train_model(out_dir=Path(tmp), log_file=Path(tmp) / "train.log", force=True)
            results["train_s"] = time.perf_counter() - t0
    from bot.training import train as ensure
    model = ensure()
    # What an operator waits for: a fresh process importing Rasa and loading the model (median of 3).
    probe = ("import time, warnings; warnings.simplefilter('ignore'); t0 = time.perf_counter(); "
             "from bot.triage import TriageService; TriageService.load(%r); print(time.perf_counter() - t0)" % str(model))
    loads = [float(subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.split()[-1]) for _ in range(3)]
    results["model_load_s"] = statistics.median(loads)
    service = TriageService.load(model)

    service.run(service.triage(texts[0]))  # warm up
    product = timed(lambda t: service.run(service.triage(t)), texts)
    baseline = timed(keyword_autoresponder, texts)
    results["triage"] = {**percentiles(product), "per_s": len(product) / sum(product)}
    results["baseline"] = {**percentiles(baseline), "per_s": len(baseline) / sum(baseline)}

    replies = [service.run(service.triage(t)).reply for t in texts[:50]]
    replies = [r.text for r in replies if r] or ["Thanks for your message."]
    checks = timed(lambda r: guard.check(r, rewrite=False), replies * 4)
    results["guard"] = {**percentiles(checks), "per_s": len(checks) / sum(checks)}
    results["peak_rss_mb"] = peak_rss_mb()
    return results


# ------------------------------------------------------------------ over HTTP
def over_http(texts: list[str], requests_per_level: int) -> dict:
    import requests

    from bench.loadtest import free_port, wait_healthy

    home = Path(tempfile.mkdtemp(prefix="bench-"))
    port, action_port = free_port(), free_port()
    env = {**os.environ, "SENDIASS_VAR": str(home), "SENDIASS_ACTION_PORT": str(action_port)}
    env.pop("SENDIASS_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=open(home / "server.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_healthy([base], [proc], 180):
            raise RuntimeError(f"server did not start; see {home / 'server.log'}")
        results = {}
        for concurrency in (1, 8, 32):
            session_pool = [requests.Session() for _ in range(concurrency)]

            def one(i):
                t0 = time.perf_counter()
                r = session_pool[i % concurrency].post(f"{base}/api/triage", json={"text": texts[i % len(texts)]},
                                                       timeout=60)
                r.raise_for_status()
                return time.perf_counter() - t0

            t0 = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                samples = list(pool.map(one, range(requests_per_level)))
            wall = time.perf_counter() - t0
            results[f"c{concurrency}"] = {**percentiles(samples), "per_s": requests_per_level / wall}
        results["server_peak_rss_mb"] = peak_rss_mb(proc.pid)
        return results
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def report(r: dict) -> str:
    t, b, g = r["triage"], r["baseline"], r["guard"]
    lines = [
        f"Measured {r['date']} on {r['machine']}; {r['messages']} messages "
        f"(tests/data/validation_messages.jsonl).",
        "",
        "| measure | Safe Replies | keyword baseline | ratio |",
        "|---|---|---|---|",
        f"| in-process triage p50 / p95 / p99 (ms) | {t['p50_ms']:.1f} / {t['p95_ms']:.1f} / {t['p99_ms']:.1f} | "
        f"{b['p50_ms']:.3f} / {b['p95_ms']:.3f} / {b['p99_ms']:.3f} | {t['p50_ms'] / b['p50_ms']:.0f}x (p50) |",
        f"| in-process throughput (messages/s) | {t['per_s']:.0f} | {b['per_s']:.0f} | "
        f"{b['per_s'] / t['per_s']:.0f}x slower |",
        f"| guard checks/s (p50 ms) | {g['per_s']:.0f} ({g['p50_ms']:.2f}) | – | – |",
        f"| model load, fresh process incl. imports, median of 3 (s) | {r['model_load_s']:.1f} | – | – |",
    ]
    if "train_s" in r:
        lines.append(f"| training, `rasa train` of the product (s) | {r['train_s']:.0f} | – | – |")
    lines.append(f"| peak memory, benchmark process (MB) | {r['peak_rss_mb']:.0f} | – | – |")
    for level, h in (r.get("http") or {}).items():
        if level.startswith("c"):
            lines.append(f"| HTTP /api/triage concurrency {level[1:]}: p50 / p95 / p99 (ms), req/s | "
                         f"{h['p50_ms']:.0f} / {h['p95_ms']:.0f} / {h['p99_ms']:.0f}, {h['per_s']:.0f} | – | – |")
    if r.get("http"):
        lines.append(f"| peak memory, server process (MB) | {r['http']['server_peak_rss_mb']:.0f} | – | – |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="no training run, fewer HTTP requests")
    ap.add_argument("--http", action="store_true", help="also benchmark the server over HTTP")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    texts = [json.loads(l)["text"] for l in CORPUS.read_text().splitlines() if l.strip()]
    r = {"date": date.today().isoformat(), "machine": machine(), "messages": len(texts)}
    r.update(in_process(texts, train=not args.quick))
    if args.http:
        r["http"] = over_http(texts, 100 if args.quick else 400)
    print(json.dumps(r, indent=2) if args.json else report(r))


if __name__ == "__main__":
    main()
