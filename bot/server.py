"""The main job: Rasa's server with its REST channel, plus the product's HTTP API.

GET  /health                -> {"status": "ok", ...}  (no sign-in)
POST /api/triage            -> one item in, one triage object out (same shape as `sendiass triage`)
POST /api/check             -> {"reply", "comment"?} in, the guard's verdict out
POST /webhooks/rest/webhook -> Rasa's REST channel (conversations, one tracker per sender)

Embedded default: SQLite tracker store and product store under var/, the action server started as
a child process. SENDIASS_ENDPOINTS names an endpoints.yml for other set-ups (PostgreSQL, Redis).
"""
from __future__ import annotations

import asyncio
import atexit
import functools
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bot.profile import ROOT, var_dir

logger = logging.getLogger(__name__)


def default_endpoints(action_url: str):
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    tracker_db = var_dir() / "tracker.db"
    return AvailableEndpoints(
        action=EndpointConfig(url=action_url),
        tracker_store=EndpointConfig(type="SQL", dialect="sqlite", db=str(tracker_db)),
    )


def start_action_server(port: int) -> subprocess.Popen:
    log = open(var_dir() / "logs" / "actions.log", "ab")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    atexit.register(proc.terminate)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"The action server stopped at start; see {log.name}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The action server did not start within 60 s; see {log.name}")


def start_telegram_bot(model_path, with_actions: bool = True) -> subprocess.Popen:
    """`sendiass telegram` as a child process (SENDIASS_TELEGRAM_TOKEN is set); log in var/logs/telegram.log."""
    log_path = var_dir() / "logs" / "telegram.log"
    log = open(log_path, "ab")
    cmd = [sys.executable, "-m", "bot.cli", "telegram", "--model", str(model_path)]
    if not with_actions:
        cmd.append("--no-actions")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    atexit.register(proc.terminate)
    print(f"The Telegram bot is starting (log: {log_path})", flush=True)
    return proc


def add_product_routes(app) -> None:
    """Mount /health, /api/triage and /api/check on Rasa's Sanic app."""
    from sanic import response

    from bot.practice import add_practice_routes
    from bot.store import Store
    from bot.triage import InputError, TriageService, validate_check_item
    from bot.web import add_web_routes

    store = Store()

    def service() -> TriageService:
        svc = getattr(app.ctx, "triage_service", None)
        if svc is None or svc.agent is not app.ctx.agent:
            svc = app.ctx.triage_service = TriageService(app.ctx.agent)
        return svc

    def body(request) -> dict:
        raw = request.body or b""
        if not raw.strip():
            raise InputError("the request body is empty; send a JSON object")
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError("the request body is not UTF-8 text")
        except json.JSONDecodeError as exc:
            raise InputError(f"the request body is not valid JSON ({exc.msg} at column {exc.colno})")
        if not isinstance(obj, dict):
            raise InputError("send a JSON object")
        return obj

    @app.get("/health")
    async def health(request):
        agent = getattr(app.ctx, "agent", None)
        ready = bool(agent and agent.is_ready())
        return response.json({"status": "ok" if ready else "starting", "model": getattr(agent, "model_id", None)},
                             status=200 if ready else 503)

    @app.post("/api/triage")
    async def api_triage(request):
        try:
            obj = body(request)
        except InputError as exc:
            return response.json({"id": None, "error": str(exc)}, status=400)
        result = await service().triage_item(obj)
        if "error" in result:
            return response.json(result, status=400)
        # The write waits on the disk, not the CPU: a worker thread lets other requests be triaged meanwhile.
        message_id = await asyncio.get_running_loop().run_in_executor(None, functools.partial(
            store.record_message,
            channel=obj.get("channel") or "public_comment", direction="in", text=obj["text"],
            sender=str(obj.get("author") or "") or None, route=result["route"],
            flags={k: result[k] for k in ("disclosure", "complaint", "needs_human", "urgent")},
            reply_id=result["reply_id"], guard_ok=True if result["reply"] else None,
        ))
        result["message_id"] = message_id
        return response.json(result)

    @app.post("/api/check")
    async def api_check(request):
        try:
            obj = body(request)
            reply, comment = validate_check_item(obj)
        except InputError as exc:
            return response.json({"error": str(exc)}, status=400)
        verdict = await service().check(reply, comment)
        return response.json({"id": obj.get("id"), **verdict.to_dict()})

    add_web_routes(app, service, store)  # the review page and API
    add_practice_routes(app, store)  # the Practice tab


def serve(model_path, host: str = "127.0.0.1", port: int = 5005, with_actions: bool = True) -> None:
    from rasa.core import run
    from rasa.core.channels.rest import RestInput
    from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers

    action_port = int(os.environ.get("SENDIASS_ACTION_PORT", "5055"))
    endpoints_file = os.environ.get("SENDIASS_ENDPOINTS")
    if endpoints_file:
        endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
    else:
        endpoints = default_endpoints(f"http://127.0.0.1:{action_port}/webhook")
    if with_actions:
        start_action_server(action_port)
    if os.environ.get("SENDIASS_TELEGRAM_TOKEN"):
        start_telegram_bot(model_path, with_actions)

    # Rasa's own HTTP API (trackers, model, training) reads conversations: token-protected when set,
    # and required whenever the server listens beyond this machine.
    token = os.environ.get("SENDIASS_RASA_TOKEN") or None
    if not token and host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"Listening on {host} exposes Rasa's API (conversation trackers): set SENDIASS_RASA_TOKEN "
                         "to a long random secret first (docs/DEPLOY.md).")
    app = run.configure_app([RestInput()], port=port, endpoints=endpoints, enable_api=True, auth_token=token,
                            log_file=str(var_dir() / "logs" / "rasa.log"))
    add_product_routes(app)
    app.register_listener(
        lambda app, loop: run.load_agent_on_start(str(model_path), endpoints, None, app, loop),
        "before_server_start",
    )

    async def announce(app, loop):
        print(f"Safe Replies is listening on http://{host}:{port}  "
              f"(GET /health, POST /api/triage, POST /api/check, POST /webhooks/rest/webhook)", flush=True)

    app.register_listener(announce, "after_server_start")
    # Several workers only with a shared lock store (Redis): Rasa refuses them with the in-memory one.
    workers = number_of_sanic_workers(endpoints.lock_store)
    app.run(host=host, port=port, workers=workers, access_log=False, motd=False)
