"""Shared fixtures: one real model trained per test session, a real server over real HTTP."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.loadtest import wait_healthy

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL = ROOT.parent / "shared" / "eval"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def model_path(tmp_path_factory) -> Path:
    """The product's own configuration, trained once for the whole session (log in the tmp dir).

    SENDIASS_TEST_MODEL=path reuses a model you trained already (quicker local runs).
    """
    reuse = os.environ.get("SENDIASS_TEST_MODEL")
    if reuse:
        return Path(reuse)
    from bot.training import train

    out = tmp_path_factory.mktemp("models")
    return train(out_dir=out, log_file=out / "train.log", fixed_name="test-model")


@pytest.fixture(scope="session")
def service(model_path):
    from bot.triage import TriageService

    return TriageService.load(model_path)


@pytest.fixture()
def var_dir(tmp_path, monkeypatch) -> Path:
    """A fresh embedded store for one test."""
    monkeypatch.setenv("SENDIASS_VAR", str(tmp_path))
    monkeypatch.delenv("SENDIASS_DATABASE_URL", raising=False)
    return tmp_path


def sendiass(*args: str, input: bytes | None = None, env: dict | None = None, timeout: int = 300):
    """Run the real `sendiass` command line in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=input, capture_output=True, cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", **(env or {})}, timeout=timeout,
    )


def json_lines(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


@contextmanager
def running_server(model_path, home: Path, env: dict | None = None):
    """`sendiass serve` on a free port of 127.0.0.1, with its action server, on an embedded store in `home`."""
    port, action_port = free_port(), free_port()
    # The whole suite talks to these servers from one address: no per-client rate limit here
    # (tests/test_hardening_http.py checks the limit on a server of its own).
    env = {**os.environ, "SENDIASS_VAR": str(home), "SENDIASS_ACTION_PORT": str(action_port), "NO_COLOR": "1",
           "SENDIASS_RATE_LIMIT": "off", **(env or {})}
    env.pop("SENDIASS_DATABASE_URL", None)
    log = open(home / "server.out", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--model", str(model_path), "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_healthy([base], [proc], 180):
            raise RuntimeError("server did not become healthy:\n" + (home / "server.out").read_text()[-3000:])
        yield {"url": base, "home": home, "output": home / "server.out", "action_port": action_port}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def server(model_path, tmp_path_factory):
    """`sendiass serve` on a free port of 127.0.0.1, with its action server, on an embedded store."""
    with running_server(model_path, tmp_path_factory.mktemp("server")) as running:
        yield running


def require_service(name: str, host: str, port: int) -> None:
    """PostgreSQL/Redis tests: in CI a missing service is a failure; on a laptop, a skip that says why."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        message = f"{name} is not reachable on {host}:{port}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}, and CI=true: the project's machines run it (see docs/DEPLOY.md)")
        pytest.skip(f"{message}; start it to run this test (CI runs it)")


def _postgres_server() -> str:
    """The machine's PostgreSQL (127.0.0.1:5432, trust) as a server URL without a database; fail (CI) or skip."""
    import sqlalchemy as sa

    require_service("PostgreSQL", "127.0.0.1", 5432)
    problems = []
    for user in ("postgres", "root"):
        server = f"postgresql://{user}@127.0.0.1:5432"
        engine = sa.create_engine(f"{server}/test", connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                if conn.execute(sa.text("select rolcreatedb or rolsuper from pg_roles where rolname = current_user"))\
                        .scalar():
                    return server
            problems.append(f"{user}: may not create databases")
        except sa.exc.DBAPIError as exc:
            problems.append(f"{user}: {str(exc.orig).strip().splitlines()[0]}")
        finally:
            engine.dispose()
    reason = "PostgreSQL on 127.0.0.1:5432 gave no user who may create a database: " + "; ".join(problems)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pg_database() -> str:
    """A fresh, empty, uniquely named PostgreSQL database for one test module (its URL), dropped afterwards.

    Nothing relies on tables in the shared `test` database: the product creates its schema itself, as on a
    deployment's first start."""
    from bench.loadtest import fresh_database

    with fresh_database(_postgres_server()) as url:
        yield url


CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium package: Playwright drives it, nothing is downloaded
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the web page tests; missing in CI is a failure, on a laptop a skip.

    Module scope, not session: Playwright's sync API keeps an event loop running in this thread while it
    is open, and later tests run their own (TriageService.run)."""
    if not CHROMIUM.exists():
        reason = "headless Chromium is missing: apt-get install -y chromium (Debian's package, /usr/bin/chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
