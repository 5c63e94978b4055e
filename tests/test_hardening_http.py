"""Issue 10, as an outsider and a careless operator see the running server: Rasa's API, the action server,
the REST channel, input limits, rate limits, headers, ports, and a `kill -9` of the main job."""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from bench.loadtest import wait_healthy
from tests.conftest import ROOT, free_port

TOKEN = "operator-token-" + "x" * 24


def start_serve(model_path, home: Path, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, str, int]:
    """`sendiass serve` in its own process group; returns (process, base url, action port)."""
    port, action_port = free_port(), free_port()
    full_env = {**os.environ, "SENDIASS_VAR": str(home), "SENDIASS_ACTION_PORT": str(action_port), "NO_COLOR": "1",
                **(env or {})}
    for name in ("SENDIASS_DATABASE_URL", "SENDIASS_ENDPOINTS", "SENDIASS_RASA_API", "SENDIASS_ACTION_SECRET"):
        if name not in (env or {}):
            full_env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--model", str(model_path), "--port", str(port), *args],
        cwd=ROOT, env=full_env, stdout=open(home / "server.out", "ab"), stderr=subprocess.STDOUT,
        start_new_session=True)
    return proc, f"http://127.0.0.1:{port}", action_port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def api_server(model_path, tmp_path_factory):
    """A server whose operator turned Rasa's API on (with a token) and set a low rate limit."""
    home = tmp_path_factory.mktemp("api-server")
    proc, url, _ = start_serve(model_path, home, env={"SENDIASS_RASA_API": "on", "SENDIASS_RASA_TOKEN": TOKEN,
                                                      "SENDIASS_RATE_LIMIT": "60"})
    try:
        if not wait_healthy([url], [proc], 180):
            raise RuntimeError("server did not start:\n" + (home / "server.out").read_text()[-3000:])
        yield {"url": url, "home": home}
    finally:
        stop(proc)


def message_count(home: Path) -> int:
    with sqlite3.connect(home / "sendiass.db") as db:
        return db.execute("select count(*) from messages").fetchone()[0]


def ticket_rows(home: Path) -> list[tuple]:
    with sqlite3.connect(home / "sendiass.db") as db:
        return db.execute("select kind, urgent, summary from tickets order by id").fetchall()


def test_rasa_api_is_off_by_default(server):
    base = server["url"]
    for method, path in [("GET", "/conversations/someone/tracker"), ("POST", "/conversations/x/tracker/events"),
                         ("DELETE", "/model"), ("PUT", "/model"), ("GET", "/status"), ("POST", "/model/parse")]:
        r = requests.request(method, base + path, json={}, timeout=10)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    assert requests.get(f"{base}/health", timeout=10).status_code == 200  # the model is still loaded


def test_rasa_api_needs_its_token_in_a_header(api_server):
    base, sender = api_server["url"], f"api-{uuid.uuid4().hex[:8]}"
    tracker = f"{base}/conversations/{sender}/tracker"
    assert requests.get(tracker, timeout=10).status_code == 401
    assert requests.get(tracker, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    in_url = requests.get(tracker, params={"token": TOKEN}, timeout=10)
    assert in_url.status_code == 400 and "header" in in_url.json()["error"]
    ok = requests.get(tracker, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert ok.status_code == 200 and ok.json()["sender_id"] == sender
    # even with the token, the model cannot be unloaded or replaced unless the operator chose "admin"
    for method in ("DELETE", "PUT"):
        r = requests.request(method, f"{base}/model", headers={"Authorization": f"Bearer {TOKEN}"}, json={}, timeout=10)
        assert r.status_code == 403, (method, r.text)
    assert requests.get(f"{base}/health", timeout=10).status_code == 200


def test_rest_channel_cannot_write_into_another_channels_conversation(server):
    url = f"{server['url']}/webhooks/rest/webhook"
    before = message_count(server["home"])
    for sender in ("telegram:123456", "telegram:1:x", "a\nb", "x" * 101, "", 5):
        r = requests.post(url, json={"sender": sender, "message": "hello"}, timeout=30)
        assert r.status_code == 400 and r.json()["error"], sender
    with sqlite3.connect(server["home"] / "tracker.db") as db:
        assert db.execute("select count(*) from events where sender_id like 'telegram:%'").fetchone()[0] == 0
    assert message_count(server["home"]) == before


def test_rest_channel_limits_and_metadata(server):
    url = f"{server['url']}/webhooks/rest/webhook"
    sender = f"dm-{uuid.uuid4().hex[:8]}"
    too_long = requests.post(url, json={"sender": sender, "message": "a" * 10_001}, timeout=30)
    assert too_long.status_code == 400 and "10,000" in too_long.json()["error"]
    huge = requests.post(url, data=b'{"sender": "s", "message": "' + b"a" * 2_000_000 + b'"}', timeout=30)
    assert huge.status_code == 413
    spoofed = requests.post(url, json={"sender": sender, "message": "hi", "metadata": {"channel": "x", "admin": 1}},
                            timeout=30)
    assert spoofed.status_code == 400
    assert requests.get(f"{server['url']}/health", timeout=10).status_code == 200


def test_action_server_answers_only_the_assistant(server):
    home = server["home"]
    port = int(server["action_port"])
    # bound to loopback only: another address of this machine does not answer
    others = [a for a in subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
              if ":" not in a and not a.startswith("127.")]
    for address in others:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()
    tickets_before = ticket_rows(home)
    call = {"next_action": "action_hand_to_person", "sender_id": "attacker", "version": "3.6.21",
            "tracker": {"sender_id": "attacker", "slots": {"route": "safeguarding"}, "latest_message": {},
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": None},
            "domain": {}}
    r = requests.post(f"http://127.0.0.1:{port}/webhook", json=call, timeout=10)
    assert r.status_code == 401
    r = requests.post(f"http://127.0.0.1:{port}/webhook", json=call, timeout=10,
                      headers={"X-Sendiass-Action-Secret": "guessed-" + "y" * 30})
    assert r.status_code == 401
    assert ticket_rows(home) == tickets_before  # no urgent ticket was created
    assert requests.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200


def test_bad_json_bodies_get_a_400_with_a_message(server):
    base = server["url"]
    before = message_count(server["home"])
    bodies = {
        "deep nesting": b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "long number": b'{"text": "hi", "id": ' + b"9" * 5000 + b"}",
        "lone surrogate": b'{"text": "hello \\ud800 there"}',
        "NaN": b'{"text": "hi", "id": NaN}',
        "NUL escape": b'{"text": "hi\\u0000"}',
    }
    for path in ("/api/triage", "/api/check", "/webhooks/rest/webhook"):
        for name, body in bodies.items():
            r = requests.post(base + path, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            assert r.status_code == 400, (path, name, r.status_code, r.text[:200])
            assert r.json()["error"], (path, name)
    assert message_count(server["home"]) == before


def test_api_triage_validates_every_field_and_stores_nothing_bad(server):
    url = f"{server['url']}/api/triage"
    before = message_count(server["home"])
    cases = {
        "author too long": {"text": "hello", "author": "a" * 201},
        "author with NUL": {"text": "hello", "author": "bad\u0000name"},
        "author not text": {"text": "hello", "author": {"name": "x"}},
        "id an object": {"text": "hello", "id": {"a": 1}},
    }
    for name, obj in cases.items():
        r = requests.post(url, json=obj, timeout=30)
        assert r.status_code == 400 and r.json()["error"], name
    big = requests.post(url, json={"text": "hello", "author": "a" * 10_000_000}, timeout=60)
    assert big.status_code == 413
    assert message_count(server["home"]) == before
    ok = requests.post(url, json={"text": "thanks!", "author": "Dawn"}, timeout=30)
    assert ok.status_code == 200 and message_count(server["home"]) == before + 1


def test_responses_that_may_carry_personal_data_are_not_cached(server):
    base = server["url"]
    responses = [
        requests.post(f"{base}/api/triage", json={"text": "my son Kai has autism"}, timeout=30),
        requests.post(f"{base}/api/check", json={"reply": "Thanks for asking!"}, timeout=30),
        requests.post(f"{base}/webhooks/rest/webhook", json={"sender": "hdr-1", "message": "thanks"}, timeout=30),
        requests.get(f"{base}/no/such/page", timeout=10),  # Sanic's own error page
        requests.post(f"{base}/api/triage", data=b"not json", timeout=10),
    ]
    for r in responses:
        assert r.headers.get("Cache-Control") == "no-store", (r.url, r.status_code, dict(r.headers))
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (r.url, dict(r.headers))


def test_unauthenticated_endpoints_are_rate_limited_per_client(api_server):
    url = f"{api_server['url']}/api/check"
    statuses = [requests.post(url, json={"reply": "Thank you!"}, timeout=30) for _ in range(40)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert int(limited[0].headers["Retry-After"]) >= 1 and "too many" in limited[0].json()["error"]
    assert all(r.status_code in (200, 429) for r in statuses)
    assert requests.get(f"{api_server['url']}/health", timeout=10).status_code == 200  # /health is never limited


def test_heavy_checks_run_off_the_event_loop(server):
    """Eight costly /api/check requests at once: every one answered, and /health answers meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    base = server["url"]
    with ThreadPoolExecutor(9) as pool:
        heavy = [pool.submit(requests.post, f"{base}/api/check", json={"reply": "a@" * 4999}, timeout=120)
                 for _ in range(8)]
        health = pool.submit(requests.get, f"{base}/health", timeout=60)
        assert health.result().status_code == 200
        assert [f.result().status_code for f in heavy] == [200] * 8


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return state not in ("Z", "X")


def test_kill_9_leaves_no_orphan_and_a_missing_action_server_is_reported(model_path, tmp_path):
    proc, url, action_port = start_serve(model_path, tmp_path)
    try:
        assert wait_healthy([url], [proc], 180), (tmp_path / "server.out").read_text()[-3000:]
        health = requests.get(f"{url}/health", timeout=10).json()
        assert health["actions"] == "ok" and health["store"] == "ok"
        children = _children(proc.pid)
        assert children
        os.kill(proc.pid, signal.SIGKILL)  # the main job only, not its process group
        proc.wait(10)
        deadline = time.time() + 20
        while time.time() < deadline and any(_alive(c) for c in children):
            time.sleep(0.2)
        assert not any(_alive(c) for c in children), "a child of the killed server lives on"
        with socket.socket() as s:  # the action port is free again
            s.bind(("127.0.0.1", action_port))
    finally:
        stop(proc)

    # The next start without an action server: /health says so, and the REST channel does not answer 200 [].
    home = tmp_path / "again"
    home.mkdir()
    proc, url, _ = start_serve(model_path, home, "--no-actions")
    try:
        deadline = time.time() + 180
        body = {}
        while time.time() < deadline and proc.poll() is None:
            try:
                r = requests.get(f"{url}/health", timeout=5)
                body = r.json()
                if body.get("model"):
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        assert r.status_code == 503 and body["status"] == "degraded" and body["actions"].startswith("unreachable"), body
        r = requests.post(f"{url}/webhooks/rest/webhook",
                          json={"sender": "at-risk", "message": "I am going to kill myself tonight"},
                          timeout=60)
        assert r.status_code == 503, r.text
        out = r.json()
        assert "ticket" in out["error"] and out["messages"], out
        from bot.profile import load_profile

        assert load_profile().signposting["emergency"]["phone"] in out["messages"][0]["text"]
        kind, urgent, summary = ticket_rows(home)[-1]
        assert kind == "safeguarding" and urgent and "kill" not in summary
    finally:
        stop(proc)


def test_serve_on_a_busy_port_says_so_at_once_and_fails(model_path, server, tmp_path):
    busy = int(server["url"].rsplit(":", 1)[1])
    env = {**os.environ, "SENDIASS_VAR": str(tmp_path), "SENDIASS_ACTION_PORT": str(free_port()), "NO_COLOR": "1"}
    env.pop("SENDIASS_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--model", str(model_path), "--port", str(busy)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"Port {busy}" in done.stderr and "already in use" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert not (tmp_path / "logs" / "rasa.log").exists()  # it stopped before Rasa or the model was loaded
