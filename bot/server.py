"""The main job: Rasa's server with its REST channel, plus the product's HTTP API.

GET  /health                -> {"status": "ok", ...}  (no sign-in)
POST /api/triage            -> one item in, one triage object out (same shape as `sendiass triage`)
POST /api/check             -> {"reply", "comment"?} in, the guard's verdict out
POST /webhooks/rest/webhook -> Rasa's REST channel (conversations, one tracker per sender)

Embedded default: SQLite tracker store and product store under var/, the action server started as
a child process. SENDIASS_ENDPOINTS names an endpoints.yml for other set-ups (PostgreSQL, Redis).
"""
from __future__ import annotations

import atexit
import errno
import hmac
import logging
import os
import secrets
import socket
import subprocess
import sys
import time

from bot.actionserver import die_with_parent
from bot.httpcommon import MAX_BODY_BYTES, RateLimiter, add_private_headers, client_of, in_thread, read_json
from bot.profile import ROOT, var_dir

logger = logging.getLogger(__name__)


def ensure_action_secret() -> str:
    """The shared secret between Rasa and the action server: SENDIASS_ACTION_SECRET, or a random one made
    now for the action server this process starts (children inherit it through the environment)."""
    from bot.actionserver import MIN_SECRET, SECRET_ENV

    secret = os.environ.get(SECRET_ENV)
    if not secret:
        secret = os.environ[SECRET_ENV] = secrets.token_urlsafe(32)
    elif len(secret) < MIN_SECRET:
        raise SystemExit(f"{SECRET_ENV} is shorter than {MIN_SECRET} characters: use a long random secret.")
    return secret


def action_endpoint(url: str):
    """Rasa's action endpoint, sending the shared secret with every call."""
    from rasa.utils.endpoints import EndpointConfig

    from bot.actionserver import SECRET_HEADER

    return EndpointConfig(url=url, headers={SECRET_HEADER: ensure_action_secret()})


def default_endpoints(action_url: str):
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    tracker_db = var_dir() / "tracker.db"
    return AvailableEndpoints(
        action=action_endpoint(action_url),
        tracker_store=EndpointConfig(type="SQL", dialect="sqlite", db=str(tracker_db)),
    )


def read_endpoints():
    """The endpoints of this process: SENDIASS_ENDPOINTS (an endpoints.yml), else the embedded default."""
    from rasa.core.utils import AvailableEndpoints

    endpoints_file = os.environ.get("SENDIASS_ENDPOINTS")
    if endpoints_file:
        endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
        if endpoints.action is not None:
            from bot.actionserver import SECRET_HEADER

            endpoints.action.headers.setdefault(SECRET_HEADER, ensure_action_secret())
        return endpoints
    action_port = int(os.environ.get("SENDIASS_ACTION_PORT", "5055"))
    return default_endpoints(f"http://127.0.0.1:{action_port}/webhook")


def start_action_server(port: int) -> subprocess.Popen:
    """The custom-action server on 127.0.0.1:port, answering only this product (bot/actionserver.py).
    It dies with this process, even when this process is killed with SIGKILL."""
    ensure_action_secret()
    log = open(var_dir() / "logs" / "actions.log", "ab")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.actionserver", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=die_with_parent(os.getpid()),
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
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=die_with_parent(os.getpid()))
    atexit.register(proc.terminate)
    print(f"The Telegram bot is starting (log: {log_path})", flush=True)
    return proc


def _who_answers(host: str, port: int) -> str:
    """One phrase naming what listens on a port: this product, another web server, or another program."""
    import requests

    try:
        r = requests.get(f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/health", timeout=2)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    except (requests.RequestException, ValueError):
        return "another program"
    if isinstance(body, dict) and "status" in body:
        return "another Safe Replies or Rasa server (is one already running?)"
    return "another web server"


def check_ports(ports: list[tuple[str, str, int]]) -> None:
    """Before anything slow: each (what, host, port) must be free, or the job stops saying what is in the way."""
    for what, host, port in ports:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise SystemExit(f"Cannot listen on {host}:{port} for the {what}: {exc.strerror}.")
                raise SystemExit(f"Port {port} on {host}, needed for the {what}, is already in use by "
                                 f"{_who_answers(host, port)}: stop it, or choose another port "
                                 f"(--port / SENDIASS_PORT, SENDIASS_ACTION_PORT).")


# Paths of this product's own routes; with Rasa's HTTP API on, everything else needs its token.
PRODUCT_PATHS = ("/health", "/api/", "/review", "/practice", "/webhooks/rest/")
# Rasa API routes that replace or retrain the model (a model file holds pickles: code execution).
MODEL_ROUTES = ("/model/train", "/model/test/")
RESERVED_SENDER = ":"  # channel conversations are named "<channel>:<id>" (telegram:123); REST senders can't be


def rasa_api_mode() -> str:
    """SENDIASS_RASA_API: off (default), on (trackers and status, with a token), or admin (also the model)."""
    mode = (os.environ.get("SENDIASS_RASA_API") or "off").strip().lower()
    if mode not in ("off", "on", "admin"):
        raise SystemExit(f"SENDIASS_RASA_API must be off, on or admin, not {mode!r}.")
    return mode


def rasa_api_token(mode: str) -> str | None:
    token = os.environ.get("SENDIASS_RASA_TOKEN") or None
    if mode != "off" and (token is None or len(token) < 24):
        raise SystemExit("SENDIASS_RASA_API is on: set SENDIASS_RASA_TOKEN to a random secret of at least 24 "
                         "characters first; clients send it as 'Authorization: Bearer <token>' (docs/DEPLOY.md).")
    return token


def guard_rasa_api(app, mode: str, token: str | None) -> None:
    """Rasa's own HTTP API (conversations, model) only for a caller with the token, sent in a header."""
    from sanic import response

    @app.on_request
    async def rasa_api_guard(request):
        path = request.path
        if path == "/" or path.startswith(PRODUCT_PATHS):
            return None
        if mode == "off":
            return response.json({"error": "not found"}, status=404)
        if "token" in request.args:
            return response.json({"error": "send the token in the Authorization header, not in the URL"},
                                 status=400)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            return response.json({"error": "Rasa's API needs 'Authorization: Bearer <SENDIASS_RASA_TOKEN>'"},
                                 status=401)
        model_change = path.startswith(MODEL_ROUTES) or (path == "/model" and request.method in ("PUT", "DELETE"))
        if model_change and mode != "admin":
            return response.json({"error": "changing the model over HTTP is off (SENDIASS_RASA_API=admin turns "
                                           "it on); use `sendiass train` and restart"}, status=403)
        return None


class Health:
    """What /health reports besides the model: the action server and the store, checked at most every 2 s."""

    def __init__(self, action_url: str | None, store):
        self.action_url = action_url[: -len("/webhook")] + "/health" if action_url and action_url.endswith(
            "/webhook") else None
        self.store = store
        self._checked = 0.0
        self._last: dict = {}

    async def parts(self) -> dict:
        if time.monotonic() - self._checked < 2.0:
            return self._last
        import aiohttp

        parts = {}
        if self.action_url:
            try:
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
                    async with session.get(self.action_url) as r:
                        parts["actions"] = "ok" if r.status == 200 else f"answers {r.status}"
            except Exception as exc:  # refused, timed out
                parts["actions"] = f"unreachable ({type(exc).__name__})"
        try:
            await in_thread(self.store.ping)
            parts["store"] = "ok"
        except Exception as exc:
            parts["store"] = f"unreachable ({type(exc).__name__})"
        self._checked, self._last = time.monotonic(), parts
        return parts


def product_rest_input(store, limiter):
    """Rasa's REST channel with the product's rules: the same body parser and limits as every entry point,
    no writing into another channel's conversations, and never a silent `200 []` when the assistant could
    not triage the message (the action server is down): then 503, the message is kept, a ticket opened,
    and the person gets the safeguarding signposting or the holding message."""
    import uuid

    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.channels.rest import RestInput
    from sanic import Blueprint, response

    from bot import contract
    from bot.contract import CHANNELS, InputError

    def bad(message: str, status: int = 400):
        return response.json({"error": message}, status=status)

    class ProductRestInput(RestInput):
        def blueprint(self, on_new_message):
            bp = Blueprint("product_rest_webhook", __name__)

            @bp.route("/", methods=["GET"])
            async def health(request):
                return response.json({"status": "ok"})

            @bp.route("/webhook", methods=["POST"])
            async def receive(request):
                wait = limiter.allow(client_of(request))
                if wait:
                    return response.json({"error": "too many requests; try again shortly"}, status=429,
                                         headers={"Retry-After": str(max(1, round(wait)))})
                try:
                    obj = read_json(request)
                    sender, text = obj.get("sender"), obj.get("message")
                    if not isinstance(sender, str) or not sender.strip() or len(sender) > 100:
                        raise InputError("'sender' must be text of 1 to 100 characters")
                    if RESERVED_SENDER in sender or any(ord(c) < 32 for c in sender):
                        raise InputError("'sender' may not contain ':' or control characters (those names "
                                         "belong to the product's own channels)")
                    text = contract.text(text, "message")
                    meta = obj.get("metadata") or {}
                    if not isinstance(meta, dict) or set(meta) - {"channel"} or \
                            meta.get("channel", "direct_message") not in CHANNELS:
                        raise InputError(f"'metadata' may only give a channel ({', '.join(CHANNELS)})")
                except InputError as exc:
                    return bad(str(exc))
                agent = request.app.ctx.agent
                before = await agent.tracker_store.retrieve(sender)
                was_paused = before is not None and before.is_paused()
                message_id = f"rest:{uuid.uuid4().hex}"
                collector = CollectingOutputChannel()
                try:
                    await on_new_message(UserMessage(text, collector, sender, input_channel="rest",
                                                     metadata={"channel": meta.get("channel", "direct_message")},
                                                     message_id=message_id))
                    failure = None if was_paused else await _triage_failure(agent, sender, message_id)
                except Exception as exc:  # noqa: BLE001 (Rasa raised: the person still gets an answer)
                    logger.exception("the REST channel failed on a message")
                    failure = f"the assistant failed ({type(exc).__name__})"
                if failure is None:
                    return response.json(collector.messages)
                return response.json(await in_thread(_fallback, store, sender, text, failure), status=503)

            return bp

    return ProductRestInput()


async def _triage_failure(agent, sender: str, message_id: str) -> str | None:
    """Why the triage action did not run for this message, or None when it did."""
    from rasa.shared.core.events import SlotSet, UserUttered

    tracker = await agent.tracker_store.retrieve(sender)
    events = list(tracker.events) if tracker is not None else []
    start = next((i for i in range(len(events) - 1, -1, -1)
                  if isinstance(events[i], UserUttered) and events[i].message_id == message_id), None)
    if start is None:
        return "the assistant did not record the message"
    if any(isinstance(e, SlotSet) and e.key == "route" for e in events[start + 1:]):
        return None
    return "the triage action did not run (the action server did not answer)"


def _fallback(store, sender: str, text: str, failure: str) -> dict:
    """Without the assistant: keep the message, open a ticket (urgent on a risk signal), and give the person
    the approved safeguarding signposting or holding message, as the Telegram bot does."""
    from bot import guard
    from bot.detector import detect
    from bot.replies import select

    risk = sorted({d.type for d in detect(text, categories=["risk"])})
    route = "safeguarding" if risk else "handoff"
    conversation = f"rest:{sender}"
    message_id = store.record_message(channel="rest", direction="in", text=text, conversation_id=conversation,
                                      sender=sender, route=route, flags={"assistant_failed": failure})
    summary = (f"The assistant failed on a REST-channel message ({failure}). "
               + ("Possible safeguarding concern (" + ", ".join(risk) + "): a person must read it now."
                  if risk else "A person should answer it."))
    ticket = store.open_ticket(kind=route, summary=summary, urgent=bool(risk), conversation_id=conversation,
                               channel="rest", message_id=message_id)
    reply = select(route, "direct_message", None)
    text_out = None
    if reply is not None and guard.check(reply.text, comment=text, rewrite=False,
                                         comment_triage={"route": route, "disclosure": bool(risk),
                                                         "complaint": False, "detections": []}).ok:
        text_out = reply.text
    return {"error": f"The assistant could not answer ({failure}); the message is kept and a person has been "
                     f"told (ticket #{ticket}).", "ticket": ticket,
            "messages": [{"recipient_id": sender, "text": text_out}] if text_out else []}


def add_product_routes(app, action_url: str | None = None) -> None:
    """Mount /health, /api/triage and /api/check on Rasa's Sanic app."""
    from sanic import response

    from bot.practice import add_practice_routes
    from bot.store import Store
    from bot.contract import InputError, validate_triage_item
    from bot.triage import TriageService, validate_check_item
    from bot.web import add_web_routes

    store = app.ctx.product_store if hasattr(app.ctx, "product_store") else Store()
    limiter = app.ctx.rate_limiter if hasattr(app.ctx, "rate_limiter") else RateLimiter()
    health_parts = Health(action_url, store)

    def service() -> TriageService:
        svc = getattr(app.ctx, "triage_service", None)
        if svc is None or svc.agent is not app.ctx.agent:
            svc = app.ctx.triage_service = TriageService(app.ctx.agent)
        return svc

    def limited(request):
        wait = limiter.allow(client_of(request))
        if wait:
            return response.json({"error": "too many requests; try again shortly"}, status=429,
                                 headers={"Retry-After": str(max(1, round(wait)))})
        return None

    @app.get("/health")
    async def health(request):
        agent = getattr(app.ctx, "agent", None)
        ready = bool(agent and agent.is_ready())
        parts = await health_parts.parts()
        ok = ready and all(v == "ok" for v in parts.values())
        status = "ok" if ok else ("starting" if not ready else "degraded")
        return response.json({"status": status, "model": getattr(agent, "model_id", None), **parts},
                             status=200 if ok else 503)

    @app.post("/api/triage")
    async def api_triage(request):
        refused = limited(request)
        if refused:
            return refused
        try:
            obj = read_json(request)
            item = validate_triage_item(obj)
        except InputError as exc:
            return response.json({"id": None, "error": str(exc)}, status=400)
        triage = await in_thread(service().triage_blocking, item["text"], item["channel"])
        result = triage.to_dict(item["id"])
        result["message_id"] = await in_thread(
            store.record_message, channel=item["channel"], direction="in", text=item["text"], sender=item["author"],
            route=result["route"],
            flags={k: result[k] for k in ("disclosure", "complaint", "needs_human", "urgent")},
            reply_id=result["reply_id"], guard_ok=True if result["reply"] else None,
        )
        return response.json(result)

    @app.post("/api/check")
    async def api_check(request):
        refused = limited(request)
        if refused:
            return refused
        try:
            obj = read_json(request)
            reply, comment = validate_check_item(obj)
        except InputError as exc:
            return response.json({"error": str(exc)}, status=400)
        verdict = await in_thread(service().check_blocking, reply, comment)
        return response.json({"id": obj.get("id"), **verdict.to_dict()})

    add_web_routes(app, service, store)  # the review page and API
    add_practice_routes(app, store)  # the Practice tab


def serve(model_path, host: str = "127.0.0.1", port: int = 5005, with_actions: bool = True) -> None:
    from rasa.core import run
    from rasa.core.utils import number_of_sanic_workers

    from bot.store import Store

    mode = rasa_api_mode()
    token = rasa_api_token(mode)
    action_port = int(os.environ.get("SENDIASS_ACTION_PORT", "5055"))
    endpoints = read_endpoints()
    if with_actions:
        start_action_server(action_port)
    if os.environ.get("SENDIASS_TELEGRAM_TOKEN"):
        start_telegram_bot(model_path, with_actions)

    store, limiter = Store(), RateLimiter()
    app = run.configure_app([product_rest_input(store, limiter)], port=port, endpoints=endpoints,
                            enable_api=mode != "off", auth_token=None,
                            log_file=str(var_dir() / "logs" / "rasa.log"))
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES  # larger bodies get 413 before anything reads them
    app.ctx.product_store, app.ctx.rate_limiter = store, limiter
    guard_rasa_api(app, mode, token)
    add_private_headers(app)
    add_product_routes(app, endpoints.action.url if endpoints.action else None)
    app.register_listener(
        lambda app, loop: run.load_agent_on_start(str(model_path), endpoints, None, app, loop),
        "before_server_start",
    )

    async def announce(app, loop):
        print(f"Safe Replies is listening on http://{host}:{port}  "
              f"(GET /health, POST /api/triage, POST /api/check, POST /webhooks/rest/webhook; "
              f"Rasa's API {mode})", flush=True)

    app.register_listener(announce, "after_server_start")
    # Several workers only with a shared lock store (Redis): Rasa refuses them with the in-memory one.
    workers = number_of_sanic_workers(endpoints.lock_store)
    app.run(host=host, port=port, workers=workers, access_log=False, motd=False)
