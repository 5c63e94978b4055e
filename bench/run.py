"""Benchmarks of Safe Replies against a keyword autoresponder measured in the same run.

    uv run python bench/run.py [--quick] [--http [--floor]] [--length 50]

In-process: triage latency p50/p95/p99 and throughput, guard checks per second, model load time,
training time, peak memory. With --http: `sendiass serve` on a free port, POST /api/triage at
concurrency 1, 8 and 32 (p50/p95/p99, throughput) and the server's peak memory; with --floor also
bench/floor.py, a bare Sanic server running the same triage, as the floor the product is compared with.
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
def cut(text: str, n: int) -> str:
    """``text`` cut to at most ``n`` characters at a word boundary (a short message of the same kind)."""
    if len(text) <= n:
        return text
    head = text[:n]
    return head.rsplit(" ", 1)[0] if " " in head else head

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
def training_times() -> dict:
    """`sendiass train` from a cold Rasa cache (a fresh, empty cache directory: what a new checkout or CI
    waits for), then again with that cache warm (what a developer waits for after a small change)."""
    from bot.training import train as train_model

    out = {}
    saved = os.environ.get("RASA_CACHE_DIRECTORY")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")  # read by Rasa's LocalTrainingCache
        try:
            for key in ("train_cold_s", "train_warm_s"):
                t0 = time.perf_counter()
                train_model(out_dir=Path(tmp), log_file=Path(tmp) / "train.log", force=True)
                out[key] = time.perf_counter() - t0
        finally:
            if saved is None:
                os.environ.pop("RASA_CACHE_DIRECTORY", None)
            else:
                os.environ["RASA_CACHE_DIRECTORY"] = saved
    return out


def in_process(texts: list[str], train: bool) -> dict:
    from bot import guard
    from bot.triage import TriageService

    results = {}
    if train:
        results.update(training_times())
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
def load_levels(base: str, texts: list[str], requests_per_level: int, levels=(1, 8, 32)) -> dict:
    """POST /api/triage at each concurrency: p50/p95/p99 latency and throughput."""
    import requests

    results = {}
    for concurrency in levels:
        session_pool = [requests.Session() for _ in range(concurrency)]

        def one(i):
            t0 = time.perf_counter()
            r = session_pool[i % concurrency].post(f"{base}/api/triage", json={"text": texts[i % len(texts)]},
                                                   timeout=60)
            r.raise_for_status()
            return time.perf_counter() - t0

        for i in range(concurrency * 2):  # warm up: connections, first-request paths
            one(i)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            samples = list(pool.map(one, range(requests_per_level)))
        wall = time.perf_counter() - t0
        results[f"c{concurrency}"] = {**percentiles(samples), "per_s": requests_per_level / wall}
    return results


def _serve(cmd: list[str], env: dict, home: Path, port: int):
    from bench.loadtest import wait_healthy

    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(home / "server.log", "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    if not wait_healthy([base], [proc], 180):
        os.killpg(proc.pid, signal.SIGTERM)
        raise RuntimeError(f"server did not start; see {home / 'server.log'}")
    return proc, base


def over_http(texts: list[str], requests_per_level: int, levels=(1, 8, 32), floor: bool = False) -> dict:
    """The product (`sendiass serve`), or with ``floor`` the bare Sanic floor (bench/floor.py), on a free port."""
    from bench.loadtest import free_port
    from bot.training import train as ensure

    home = Path(tempfile.mkdtemp(prefix="bench-"))
    port, action_port = free_port(), free_port()
    env = {**os.environ, "SENDIASS_VAR": str(home), "SENDIASS_ACTION_PORT": str(action_port)}
    env.pop("SENDIASS_DATABASE_URL", None)
    if floor:
        cmd = [sys.executable, str(ROOT / "bench" / "floor.py"), "--model", str(ensure()), "--port", str(port)]
    else:
        cmd = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    proc, base = _serve(cmd, env, home, port)
    try:
        results = load_levels(base, texts, requests_per_level, levels)
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
    if "train_cold_s" in r:
        lines.append(f"| training, `sendiass train`, Rasa's cache cold / warm (s) | {r['train_cold_s']:.1f} / "
                     f"{r['train_warm_s']:.1f} | – | – |")
    lines.append(f"| peak memory, benchmark process (MB) | {r['peak_rss_mb']:.0f} | – | – |")
    for level, h in (r.get("http") or {}).items():
        if level.startswith("c"):
            lines.append(f"| HTTP /api/triage concurrency {level[1:]}: p50 / p95 / p99 (ms), req/s | "
                         f"{h['p50_ms']:.0f} / {h['p95_ms']:.0f} / {h['p99_ms']:.0f}, {h['per_s']:.0f} | – | – |")
    if r.get("http"):
        lines.append(f"| peak memory, server process (MB) | {r['http']['server_peak_rss_mb']:.0f} | – | – |")
    if r.get("floor"):
        lines += ["", f"HTTP against the floor (bench/floor.py: a bare Sanic server running the same triage), "
                      f"messages cut to {r.get('length') or 'full'} characters, measured in the same run:", "",
                  "| POST /api/triage | product p50 / p95 / p99 (ms), req/s | floor p50 / p95 / p99 (ms), req/s | "
                  "p95 ratio | throughput ratio |", "|---|---|---|---|---|"]
        for level, f in r["floor"].items():
            if not level.startswith("c") or level not in r["http"]:
                continue
            h = r["http"][level]
            lines.append(f"| concurrency {level[1:]} | {h['p50_ms']:.0f} / {h['p95_ms']:.0f} / {h['p99_ms']:.0f}, "
                         f"{h['per_s']:.0f} | {f['p50_ms']:.0f} / {f['p95_ms']:.0f} / {f['p99_ms']:.0f}, "
                         f"{f['per_s']:.0f} | {h['p95_ms'] / f['p95_ms']:.2f}x | {f['per_s'] / h['per_s']:.2f}x |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="no training run, fewer HTTP requests")
    ap.add_argument("--http", action="store_true", help="also benchmark the server over HTTP")
    ap.add_argument("--floor", action="store_true", help="with --http: also the bare Sanic floor (bench/floor.py)")
    ap.add_argument("--length", type=int, default=0, help="cut each message to this many characters (0: whole)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    texts = [json.loads(l)["text"] for l in CORPUS.read_text().splitlines() if l.strip()]
    if args.length:
        texts = [cut(t, args.length) for t in texts]
    r = {"date": date.today().isoformat(), "machine": machine(), "messages": len(texts), "length": args.length}
    r.update(in_process(texts, train=not args.quick))
    if args.http:
        n = 100 if args.quick else 400
        r["http"] = over_http(texts, n)
        if args.floor:
            r["floor"] = over_http(texts, n, floor=True)
    print(json.dumps(r, indent=2) if args.json else report(r))


if __name__ == "__main__":
    main()
