"""Load and fault test: two replicas of the main job on 127.0.0.1 sharing PostgreSQL and Redis.

    uv run python bench/loadtest.py [--messages 5000] [--conversations 32] [--kill]

Creates a fresh, empty PostgreSQL database, starts one action server and two `sendiass serve` replicas on
it at the same moment, configured by endpoints.yml (Rasa's SQL tracker store on PostgreSQL,
RedisLockStore on Redis), sends the messages of 32 concurrent
conversations over HTTP (Rasa's REST channel), each message to either replica, and a burst of
simultaneous messages within single conversations. With --kill one replica is killed half-way; the
client retries requests that were in flight to it on the other one. Then it counts, from the
trackers: lost and duplicated user events, 5xx responses and unanswered messages.
Everything stays on this machine (127.0.0.1); loops are bounded in count and time.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Messages that keep a conversation with the bot (answers and thanks, never a handoff that pauses it).
MESSAGES = [
    "what is an EHCP?",
    "thank you so much",
    "how can I contact you?",
    "is your service free?",
    "what is the local offer?",
    "how do I become a volunteer?",
]

ACTION_SECRET = secrets.token_urlsafe(32)
API_TOKEN = secrets.token_urlsafe(32)
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"  # trust auth on this machine; `test` is the maintenance db
REDIS = {"SENDIASS_REDIS_HOST": "127.0.0.1", "SENDIASS_REDIS_PORT": "6379", "SENDIASS_REDIS_DB": "3"}


@contextmanager
def fresh_database(server: str = PG_SERVER, prefix: str = "sr_test_"):
    """A new, empty, uniquely named PostgreSQL database (yields its URL); dropped afterwards.

    The product must start on an empty database (the first start of a real deployment), so the load test and
    the tests never rely on tables someone else created."""
    import sqlalchemy as sa

    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{server}/test", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield f"{server}/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


def wait_healthy(urls: list[str], procs: list[subprocess.Popen], seconds: float) -> bool:
    """True once every server answers GET /health with 200; False when one exits or time runs out."""
    deadline = time.time() + seconds
    for url in urls:
        while True:
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.time() > deadline or any(p.poll() is not None for p in procs):
                return False
            time.sleep(0.5)
    return True


@dataclass
class Cluster:
    """An action server and N replicas; stop() ends them all."""
    home: Path
    urls: list[str] = field(default_factory=list)
    procs: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def kill(self, index: int) -> None:
        os.killpg(self.procs[index + 1].pid, signal.SIGKILL)  # procs[0] is the action server


def start_cluster(model: Path, database_url: str, replicas: int = 2, home: Path | None = None) -> Cluster:
    """Start the action server and the replicas on `database_url` (trackers and product store), all at once:
    the replicas create the schema of an empty database concurrently, as a real deployment's first start does."""
    import sqlalchemy as sa

    home = Path(home or tempfile.mkdtemp(prefix="replicas-"))
    action_port = free_port()
    db = sa.engine.make_url(database_url)
    pg = {"SENDIASS_PG_HOST": db.host or "127.0.0.1", "SENDIASS_PG_PORT": str(db.port or 5432),
          "SENDIASS_PG_DB": db.database, "SENDIASS_PG_USER": db.username or "postgres",
          "SENDIASS_PG_PASSWORD": db.password or ""}
    env = {**os.environ, **pg, **REDIS, "SENDIASS_VAR": str(home), "SENDIASS_ENDPOINTS": str(ROOT / "endpoints.yml"),
           "SENDIASS_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook",
           "SENDIASS_DATABASE_URL": database_url,
           "PYTHONPATH": str(ROOT),
           # the action server answers only Rasa; Rasa's API is on (with a token) so the trackers can be
           # counted afterwards; one client address sends everything, so no per-client rate limit
           "SENDIASS_ACTION_SECRET": ACTION_SECRET, "SENDIASS_RASA_API": "on", "SENDIASS_RASA_TOKEN": API_TOKEN,
           "SENDIASS_RATE_LIMIT": "off",
           # A replica killed while it holds a conversation's lock leaves its ticket behind; the other
           # replica waits for it to expire. Messages take well under a second, so 15 s is plenty.
           "TICKET_LOCK_LIFETIME": "15"}
    cluster = Cluster(home)
    cluster.procs.append(subprocess.Popen(
        [sys.executable, "-m", "bot.actionserver", "--port", str(action_port)], cwd=ROOT, env=env,
        stdout=open(home / "actions.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True))
    for n in range(replicas):
        port = free_port()
        cluster.procs.append(subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--no-actions", "--model", str(model), "--port", str(port)],
            cwd=ROOT, env=env, stdout=open(home / f"replica{n}.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True))
        cluster.urls.append(f"http://127.0.0.1:{port}")
    if not wait_healthy(cluster.urls, cluster.procs, 240):
        cluster.stop()
        raise RuntimeError(f"a replica did not start; logs in {home}")
    return cluster


@dataclass
class Counts:
    sent: int = 0
    ok: int = 0
    server_errors: int = 0
    unanswered: int = 0
    retried_in_flight: int = 0
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **kw) -> None:
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


def send(urls: list[str], dead: set, sender: str, text: str, start: int, counts: Counts) -> bool:
    """One message; retried on another replica when the chosen one is down (at most 4 tries)."""
    live = [u for u in urls if u not in dead] or urls
    for attempt in range(4):
        url = live[(start + attempt) % len(live)]
        try:
            r = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
        except requests.RequestException:
            counts.add(retried_in_flight=1)
            live = [u for u in urls if u not in dead] or urls
            time.sleep(1)
            continue
        if r.status_code >= 500:
            counts.add(server_errors=1)
            continue
        counts.add(ok=1)
        if not r.json():
            counts.add(unanswered=1)
        return True
    counts.add(failed=1)
    return False


def run_load(cluster: Cluster, messages: int, conversations: int, kill_at: float | None = None) -> dict:
    run = uuid.uuid4().hex[:8]
    senders = [f"load-{run}-{i}" for i in range(conversations)]
    counts = Counts()
    dead: set[str] = set()
    sent_per_sender = {s: 0 for s in senders}
    progress = {"n": 0}
    plock = threading.Lock()

    def conversation(i: int) -> None:
        sender = senders[i]
        for k in range(i, messages, conversations):
            with plock:
                progress["n"] += 1
                if kill_at is not None and not dead and progress["n"] >= kill_at * messages:
                    dead.add(cluster.urls[0])
                    cluster.kill(0)
            counts.add(sent=1)
            if send(cluster.urls, dead, sender, MESSAGES[k % len(MESSAGES)], k, counts):
                sent_per_sender[sender] += 1

    t0 = time.time()
    with ThreadPoolExecutor(conversations) as pool:
        list(pool.map(conversation, range(conversations)))
    # Simultaneous messages within one conversation, to both replicas: the lock store serialises them.
    burst_sender = f"load-{run}-burst"
    sent_per_sender[burst_sender] = 0
    with ThreadPoolExecutor(8) as pool:
        ok = list(pool.map(lambda k: send(cluster.urls, dead, burst_sender, MESSAGES[k % len(MESSAGES)], k, counts),
                           range(8)))
    sent_per_sender[burst_sender] = sum(ok)
    elapsed = time.time() - t0

    live = next(u for u in cluster.urls if u not in dead)
    lost = duplicated = interleaved = 0
    for sender, sent in sent_per_sender.items():
        events = requests.get(f"{live}/conversations/{sender}/tracker", timeout=60,
                              headers={"Authorization": f"Bearer {API_TOKEN}"}).json()["events"]
        kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
        users = kinds.count("user")
        if users != sent:
            print(f"{sender}: sent {sent}, tracker has {users} user events", file=sys.stderr)
        lost += max(0, sent - users)
        duplicated += max(0, users - sent)
        # Serialised processing: every user message is followed by its own bot reply before the next one.
        interleaved += sum(1 for a, b in zip(kinds, kinds[1:]) if a == b == "user")
    return {
        "messages": counts.sent, "conversations": conversations, "seconds": round(elapsed, 1),
        "per_s": round(counts.sent / elapsed, 1), "ok": counts.ok, "server_errors_5xx": counts.server_errors,
        "unanswered": counts.unanswered, "failed": counts.failed, "retried_in_flight": counts.retried_in_flight,
        "lost_events": lost, "duplicated_events": duplicated, "interleaved": interleaved,
        "killed_replica": bool(dead),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--conversations", type=int, default=32)
    ap.add_argument("--kill", action="store_true", help="kill one replica half-way")
    args = ap.parse_args()
    if not (reachable("127.0.0.1", 5432) and reachable("127.0.0.1", 6379)):
        raise SystemExit("PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) must be running.")
    from bot.training import train

    with fresh_database() as database_url:
        cluster = start_cluster(train(), database_url)
        try:
            result = run_load(cluster, args.messages, args.conversations, 0.5 if args.kill else None)
        finally:
            cluster.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
