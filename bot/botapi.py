"""A small local Telegram Bot API server, for tests and demonstrations without Telegram.

Telegram cannot be reached from the test machines, so the tests run the real python-telegram-bot
Application against this server over real HTTP on 127.0.0.1. It speaks the part of the Bot API the
product uses, with Telegram's semantics:

getMe, getUpdates (offset acknowledges earlier updates; long polling with timeout), sendMessage,
answerCallbackQuery, getChatMember, setWebhook / deleteWebhook / getWebhookInfo (with a webhook set,
updates are POSTed to it, with the secret token header, and retried until it answers 2xx; getUpdates
then fails with 409 Conflict like Telegram's), setMyCommands.

Python API for tests::

    server = FakeBotAPI(token).start()          # a free port; server.base_url for PTB's base_url
    update_id = server.push_message(chat_id, user_id, "What is an EHCP?")
    server.sent                                 # every sendMessage Telegram accepted, in order
    server.members[user_id] = "member"          # staff chat membership (member/administrator/creator)
    server.fail_next("sendMessage", status=429, retry_after=1)
    server.drop_next("sendMessage")             # close the connection without a response
    server.stall("sendMessage", after=2)        # the 3rd call onwards never gets an answer...
    server.unstall()                            # ...until now: they are closed unanswered (not sent)
    server.stop()

Run it by hand with ``python -m bot.botapi --port 8081 --token 123:ABC`` and point
SENDIASS_TELEGRAM_BASE_URL at ``http://127.0.0.1:8081/bot``.
"""
from __future__ import annotations

import argparse
import itertools
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:SAFE-REPLIES-LOCAL-TEST-TOKEN"

# Parameters whose form values are JSON (python-telegram-bot sends them JSON-encoded) or integers.
JSON_PARAMS = frozenset({"reply_markup", "reply_parameters", "allowed_updates", "commands", "scope", "entities",
                         "link_preview_options"})
INT_PARAMS = frozenset({"chat_id", "user_id", "offset", "limit", "timeout", "message_id", "max_connections",
                        "reply_to_message_id", "cache_time"})

STAFF_STATUSES = ("creator", "administrator", "member")


@dataclass
class Fault:
    kind: str  # "error" or "drop"
    status: int = 429
    retry_after: int | None = None
    description: str | None = None


class _Drop(Exception):
    """Close the connection without an answer."""


class FakeBotAPI:
    """The Bot API on 127.0.0.1, in a background thread. Thread-safe; all state is inspectable."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, host: str = "127.0.0.1", port: int = 0,
                 bot_id: int | None = None, bot_username: str = "sendiass_local_bot", first_update_id: int = 1):
        self.token = token
        self.host, self.port = host, port
        self.bot_id = bot_id or int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self._cond = threading.Condition()
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1)
        self.pending: list[dict] = []          # updates not acknowledged yet
        self.sent: list[dict] = []             # sendMessage calls accepted: {chat_id, text, message_id, params}
        self.returned: list[int] = []          # update ids getUpdates returned, in order (re-deliveries too)
        self.calls: list[tuple[str, dict]] = []  # every call, in order (method, params)
        self.dropped: list[tuple[str, dict]] = []  # calls closed without an answer (never accepted)
        self.members: dict[int, str] = {}      # user id -> status in the staff chat (default "left")
        self.commands: list[dict] = []         # setMyCommands calls
        self.callback_answers: list[dict] = []
        self.webhook: dict = {"url": "", "secret_token": None}
        self.webhook_deliveries: list[dict] = []  # {update_id, status, at}
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._stall: dict[str, int] = {}       # method -> calls still answered before stalling
        self._unstalled = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._webhook_thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ life cycle

    def start(self) -> "FakeBotAPI":
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                api._serve(self)

            def do_POST(self):
                api._serve(self)

            def log_message(self, *args):  # quiet
                pass

        httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, name="fake-bot-api", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.unstall()
        with self._cond:
            self._cond.notify_all()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> "FakeBotAPI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's ``base_url`` (SENDIASS_TELEGRAM_BASE_URL) should be."""
        return f"http://{self.host}:{self.port}/bot"

    # ------------------------------------------------------------------ the test API

    def push_update(self, update: dict) -> int:
        """Queue an update (its update_id is assigned here) and return its id."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self.pending.append(update)
            self._cond.notify_all()
        return update["update_id"]

    def push_message(self, chat_id: int, user_id: int, text: str, chat_type: str = "private",
                     first_name: str = "Sam", chat_title: str = "SENDIASS staff") -> int:
        """A person sends `text` in a chat; commands get their bot_command entity like Telegram's."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = chat_title
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "from": user,
                   "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.push_update({"message": message})

    def push_callback(self, chat_id: int, user_id: int, data: str, chat_type: str = "supergroup") -> int:
        """A person presses an inline button (callback data `data`) under a message of the bot's."""
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": chat_type, "title": "SENDIASS staff"},
                   "from": self._me(), "text": "(button)"}
        return self.push_update({"callback_query": {
            "id": str(next(self._message_ids)), "from": {"id": user_id, "is_bot": False, "first_name": "Staff"},
            "chat_instance": str(chat_id), "data": data, "message": message}})

    def fail_next(self, method: str, status: int = 429, retry_after: int | None = 1,
                  description: str | None = None) -> None:
        """The next call of `method` fails with an error answer (429 with retry_after by default)."""
        self._faults[method].append(Fault("error", status, retry_after if status == 429 else None, description))

    def drop_next(self, method: str) -> None:
        """The next call of `method` is read, then the connection is closed without an answer."""
        self._faults[method].append(Fault("drop"))

    def stall(self, method: str, after: int = 0) -> None:
        """Answer `after` more calls of `method`, then hold every later one unanswered until unstall()."""
        self._unstalled.clear()
        self._stall[method] = after

    def unstall(self) -> None:
        """Close the held calls without an answer (Telegram never accepted them) and stop holding."""
        self._stall.clear()
        self._unstalled.set()

    def messages_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in list(self.sent) if m["chat_id"] == chat_id]

    def wait_for(self, predicate, timeout: float = 30.0, interval: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return bool(predicate())

    def called(self, method: str) -> list[dict]:
        return [params for m, params in list(self.calls) if m == method]

    # ------------------------------------------------------------------ HTTP

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)/?", parts.path)
        if not match:
            return self._answer(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = match.groups()
        try:
            params = self._params(handler, parts.query)
        except ValueError as exc:
            return self._answer(handler, 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
        if token != self.token:
            return self._answer(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.calls.append((method, params))
        fault = self._faults[method].pop(0) if self._faults.get(method) else None
        if fault and fault.kind == "drop":
            self.dropped.append((method, params))
            return self._close(handler)
        if fault:
            body = {"ok": False, "error_code": fault.status,
                    "description": fault.description or _DESCRIPTIONS.get(fault.status, "Error")}
            if fault.retry_after is not None:
                body["description"] = f"Too Many Requests: retry after {fault.retry_after}"
                body["parameters"] = {"retry_after": fault.retry_after}
            return self._answer(handler, fault.status, body)
        if method in self._stall:
            if self._stall[method] > 0:
                self._stall[method] -= 1
            else:
                self._unstalled.wait()
                self.dropped.append((method, params))
                return self._close(handler)
        api_method = getattr(self, f"_api_{method}", None)
        if api_method is None:
            return self._answer(handler, 404, {"ok": False, "error_code": 404,
                                               "description": "Not Found: method not found"})
        try:
            result = api_method(params)
        except _ApiError as exc:
            return self._answer(handler, exc.status, {"ok": False, "error_code": exc.status,
                                                      "description": exc.description})
        self._answer(handler, 200, {"ok": True, "result": result})

    @staticmethod
    def _params(handler: BaseHTTPRequestHandler, query: str) -> dict:
        raw: dict[str, str] = dict(parse_qsl(query))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        ctype = handler.headers.get("Content-Type", "")
        if body and "json" in ctype:
            return json.loads(body)
        if body and "multipart/form-data" in ctype:
            raise ValueError("file uploads are not supported by the local Bot API server")
        if body:
            raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        params: dict = {}
        for key, value in raw.items():
            if key in JSON_PARAMS:
                params[key] = json.loads(value)
            elif key in INT_PARAMS:
                params[key] = int(value)
            else:
                params[key] = value
        return params

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client went away (e.g. a bot process killed during a long poll)
            pass

    @staticmethod
    def _close(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        try:
            handler.connection.shutdown(2)
        except OSError:
            pass

    # ------------------------------------------------------------------ Bot API methods

    def _me(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "SENDIASS", "username": self.bot_username}

    def _api_getMe(self, params: dict) -> dict:
        return {**self._me(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _api_getUpdates(self, params: dict) -> list[dict]:
        if self.webhook["url"]:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first")
        offset = params.get("offset")
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset is not None:  # Telegram: an offset acknowledges every earlier update
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
            while not self.pending and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch = [dict(u) for u in self.pending[:limit]]
            self.returned.extend(u["update_id"] for u in batch)
            return batch

    def _api_sendMessage(self, params: dict) -> dict:
        chat_id = params.get("chat_id")
        text = params.get("text")
        if chat_id is None or not text:
            raise _ApiError(400, "Bad Request: message text is empty" if chat_id is not None
                            else "Bad Request: chat_id is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        message_id = next(self._message_ids)
        self.sent.append({"chat_id": chat_id, "text": text, "message_id": message_id, "params": params,
                          "at": time.time()})
        chat_type = "private" if chat_id > 0 else "supergroup"
        chat = {"id": chat_id, "type": chat_type, **({"first_name": "Sam"} if chat_id > 0 else {"title": "Chat"})}
        return {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": self._me(), "text": text}

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        self.callback_answers.append(params)
        return True

    def _api_getChatMember(self, params: dict) -> dict:
        user_id = params.get("user_id")
        user = {"id": user_id, "is_bot": user_id == self.bot_id, "first_name": "Member"}
        status = "member" if user_id == self.bot_id else self.members.get(user_id, "left")
        member = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(dict.fromkeys((
                "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories"), False))
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _api_setMyCommands(self, params: dict) -> bool:
        self.commands.append(params)
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        self.webhook = {"url": url, "secret_token": params.get("secret_token"),
                        "max_connections": params.get("max_connections"),
                        "allowed_updates": params.get("allowed_updates")}
        if url and (self._webhook_thread is None or not self._webhook_thread.is_alive()):
            self._webhook_thread = threading.Thread(target=self._deliver_to_webhook, name="fake-bot-api-webhook",
                                                    daemon=True)
            self._webhook_thread.start()
        with self._cond:
            self._cond.notify_all()
        return True

    def _api_deleteWebhook(self, params: dict) -> bool:
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            with self._cond:
                self.pending.clear()
        self.webhook = {"url": "", "secret_token": None}
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook["url"], "has_custom_certificate": False,
                "pending_update_count": len(self.pending)}

    # ------------------------------------------------------------------ webhook delivery (like Telegram's)

    def _deliver_to_webhook(self) -> None:
        """POST pending updates, in order, one at a time, to the webhook; retry until it answers 2xx."""
        while not self._stopping.is_set():
            with self._cond:
                while not self._stopping.is_set() and self.webhook["url"] and not self.pending:
                    self._cond.wait(0.5)
                if self._stopping.is_set() or not self.webhook["url"]:
                    return
                update, url, secret = self.pending[0], self.webhook["url"], self.webhook["secret_token"]
            request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST",
                                             headers={"Content-Type": "application/json"})
            if secret:
                request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = None
            self.webhook_deliveries.append({"update_id": update["update_id"], "status": status, "at": time.time()})
            if status is not None and 200 <= status < 300:
                with self._cond:
                    self.pending = [u for u in self.pending if u["update_id"] != update["update_id"]]
            else:
                time.sleep(0.5)


class _ApiError(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


_DESCRIPTIONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden: bot was blocked by the user",
                 409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
                 502: "Bad Gateway"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="A local Telegram Bot API server for trying Safe Replies without Telegram.")
    p.add_argument("--port", type=int, default=8081)
    p.add_argument("--token", default=DEFAULT_TOKEN)
    args = p.parse_args(argv)
    server = FakeBotAPI(args.token, port=args.port).start()
    print(f"Local Bot API on {server.base_url}{args.token}/ (SENDIASS_TELEGRAM_BASE_URL={server.base_url}); "
          f"Ctrl-C stops it.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
