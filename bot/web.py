"""The review page and its API, mounted on the main job's Sanic app (bot/server.py).

Pages (HTML + one vanilla JS file, no build step; bot/static/):
GET  /review                      the queue (redirects to the sign-in page without a session)
GET  /review/login, POST          sign in (a double-submit token protects the form)
POST /review/logout               sign out
GET  /review/static/<file>        review.js, review.css (no data in them; readable without signing in)

API (JSON; a session cookie plus the X-CSRF-Token header on every POST, or Authorization: Bearer <token>):
POST /api/comments                          {"platform", "author", "text", "url"?, "received_at"?} -> the item
GET  /api/review/me                         who is signed in, the CSRF token, the two-person rule
GET  /api/review/items?route=&status=       the queue (status: all, open, ready or a state)
GET  /api/review/items/<id>                 {"item", "history"}
POST /api/review/items/<id>/<action>        edit {text} | approve {override_reason?} | reject {reason?} |
                                            hand_off {assignee, note?} | acknowledge; each takes "version"?
POST /api/review/check                      {"item_id", "text"} -> the guard's verdict (the live check)
GET  /api/review/dashboard                  items per route and state, pending, median first response
GET  /api/review/audit?limit=               the latest audit rows
GET  /api/review/users                      active accounts (to hand an item to)

Without a session every page redirects to /review/login and every API call gets 401 (an expired
session says so); a POST without the session's CSRF token gets 403, and so does a POST made with the
cookie (or to the sign-in form) from another origin: cookies ignore ports, so a page on another port of
the same host could otherwise plant a sign-in cookie or post the form (login CSRF). Over HTTPS the
cookies are `__Host-` cookies, which no other port or subdomain can set. Failed sign-ins are limited per
name and per network address, and shown to approvers only. /health, /api/triage and /api/check are
bot/server.py's and unchanged.
"""
from __future__ import annotations

import functools
import html
import os
import secrets
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from bot import auth, contract
from bot.review import Queue, ReviewError, default_queue, two_person_rule, validate_comment
from bot.store import Store
from bot.contract import InputError
from bot.httpcommon import in_thread, read_json

STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8",
                "review.html": "text/html; charset=utf-8"}
SESSION_COOKIE = "sr_session"
LOGIN_COOKIE = "sr_login"
CSRF_HEADER = "x-csrf-token"
HOST_PREFIX = "__Host-"  # over HTTPS: Secure, Path=/, no Domain; no other port or subdomain can set it
MAX_FAILED_SIGN_INS = 5  # per name in 15 minutes
MAX_FAILED_SIGN_INS_PER_CLIENT = 20  # per network address in 15 minutes, whatever the names
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Who:
    """The person behind a request: a signed-in session (CSRF-checked) or an API token (no cookie, no CSRF)."""

    def __init__(self, user: auth.User, session: auth.Session | None):
        self.user, self.session = user, session


def _cookie_secure(request) -> bool:
    """Secure cookies over HTTPS; behind a TLS-terminating proxy set SENDIASS_COOKIE_SECURE=1."""
    return request.scheme == "https" or os.environ.get("SENDIASS_COOKIE_SECURE", "").lower() in ("1", "true", "yes")


def cookie_name(request, name: str) -> str:
    """The name a cookie has on this request: `__Host-<name>` over HTTPS, `<name>` over plain HTTP."""
    return HOST_PREFIX + name if _cookie_secure(request) else name


def session_cookie(request) -> str | None:
    """The session cookie's value. Over HTTPS only the `__Host-` cookie counts, so a cookie planted by
    another port or subdomain of the host (which cannot carry that prefix) is never read."""
    return request.cookies.get(cookie_name(request, SESSION_COOKIE))


def _origin(value: str) -> tuple[str, str, int] | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme, parts.hostname.lower(), port


def own_origins(request) -> set[tuple[str, str, int]]:
    """This site's origin as the browser sees it (the Host header and the scheme), plus SENDIASS_PUBLIC_ORIGIN."""
    scheme = "https" if _cookie_secure(request) else request.scheme
    found = {_origin(f"{scheme}://{request.host}")}
    for extra in os.environ.get("SENDIASS_PUBLIC_ORIGIN", "").split(","):
        found.add(_origin(extra.strip()))
    return {o for o in found if o}


def cross_origin(request) -> str | None:
    """Why a state-changing request made with cookies is refused as coming from another site, or None.

    Browsers send Origin with every POST (Referer as a fallback); a request with neither comes from a
    program, not from a page, and has to pass the CSRF checks on its own."""
    given = request.headers.get("origin") or request.headers.get("referer")
    if not given:
        return None
    if _origin(given) in own_origins(request):
        return None
    return "this request came from another site or port; open the review page itself and try again"


def _set_cookie(request, resp, name: str, value: str, max_age: int) -> None:
    name = cookie_name(request, name)
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    if _cookie_secure(request):
        cookie["secure"] = True


def _clear_cookie(request, resp, name: str) -> None:
    _set_cookie(request, resp, name, "", 0)


def secured(resp):
    """Every response of the review and practice pages carries the security headers."""
    for key, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(key, value)
    return resp


def json_error(message: str, status: int):
    from sanic import response

    return secured(response.json({"error": message}, status=status))


def add_web_routes(app, service_getter: Callable, store: Store | None = None) -> Queue:
    """Mount the review page and API on Rasa's Sanic app; `service_getter()` gives the TriageService."""
    from sanic import response

    auth.session_hours()  # a bad SENDIASS_SESSION_HOURS stops the server at start, not at the first sign-in
    queue = Queue(store) if store is not None else default_queue()
    engine = queue.engine
    static = {name: (STATIC / name).read_bytes() for name in STATIC_TYPES}

    error = json_error
    def identify(request) -> Who | str:
        """The person making the request, or why there is none."""
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            user = auth.token_user(engine, token.strip()) if scheme.lower() == "bearer" else None
            return Who(user, None) if user else "the API token is not valid"
        try:
            session = auth.find_session(engine, session_cookie(request))
        except auth.SessionExpired:
            return "expired"
        return Who(session.user, session) if session else "sign in first"

    def signed_in(page: bool = False):
        """Only for a signed-in person; every POST made with a session cookie must carry its CSRF token."""
        def wrap(handler):
            @functools.wraps(handler)
            async def wrapper(request, *args, **kwargs):
                who = identify(request)
                if isinstance(who, str):
                    if page:
                        target = "/review/login?expired=1" if who == "expired" else "/review/login"
                        return secured(response.redirect(target, status=303))
                    return error("your session has expired; sign in again" if who == "expired" else who, 401)
                if request.method == "POST" and who.session is not None:
                    refused = cross_origin(request)
                    if refused:
                        return error(refused, 403)
                    given = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token")
                    if not auth.csrf_matches(who.session, given):
                        return error("missing or wrong CSRF token; reload the page", 403)
                request.ctx.who = who
                try:
                    return secured(await handler(request, *args, **kwargs))
                except (InputError, ReviewError) as exc:
                    return error(str(exc), getattr(exc, "status", 400))
            return wrapper
        return wrap

    # ------------------------------------------------------------ pages

    def login_page(request, message: str = "", status: int = 200):
        token = secrets.token_urlsafe(24)
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Safe Replies</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/review/static/review.css"></head>
<body class="login"><main class="login-box">
<h1>Safe Replies</h1><p>Sign in to the review queue.</p>
{f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ''}
<form method="post" action="/review/login">
<input type="hidden" name="csrf_token" value="{token}">
<label>Name <input name="name" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form></main></body></html>"""
        resp = response.html(page, status=status)
        _set_cookie(request, resp, LOGIN_COOKIE, token, 1800)
        return secured(resp)

    async def login_form(request):
        message = "Your session has expired; please sign in again." if request.args.get("expired") else ""
        return login_page(request, message)

    def client_of(request) -> str:
        """The network address a request came from (the proxy's forwarded one when Sanic is told to trust it)."""
        return (request.remote_addr or request.ip or "-")[:64]

    async def login(request):
        if cross_origin(request):
            return login_page(request, "This sign-in form was sent from another site or port; sign in on this "
                                       "page instead.", 403)
        form = request.form
        given = form.get("csrf_token") or ""
        expected = request.cookies.get(cookie_name(request, LOGIN_COOKIE)) or ""
        if not expected or not secrets.compare_digest(given.encode("utf-8", "replace"),
                                                      expected.encode("utf-8", "replace")):
            return login_page(request, "The sign-in form had expired; please try again.", 403)
        name, password = (form.get("name") or "").strip(), form.get("password") or ""
        client = client_of(request)
        per_client = await in_thread(functools.partial(queue.failed_sign_ins, client=client))
        if per_client >= MAX_FAILED_SIGN_INS_PER_CLIENT:
            return login_page(request, "Too many failed sign-ins from this computer; wait 15 minutes and try "
                                       "again.", 429)
        if await in_thread(queue.failed_sign_ins, name) >= MAX_FAILED_SIGN_INS:
            return login_page(request, "Too many failed attempts for this name; wait 15 minutes and try again.", 429)
        user = await in_thread(auth.authenticate, engine, name, password)
        if user is None:
            await in_thread(queue.record_failed_sign_in, name, client)
            return login_page(request, "Wrong name or password.", 401)
        value, session = auth.start_session(engine, user)
        queue.record_event(user.name, "sign_in", client=client)
        resp = response.redirect("/review", status=303)
        _set_cookie(request, resp, SESSION_COOKIE, value, int((session.expires_at - auth.now()).total_seconds()))
        _clear_cookie(request, resp, LOGIN_COOKIE)
        return secured(resp)

    @signed_in()
    async def logout(request):
        auth.end_session(engine, session_cookie(request))
        queue.record_event(request.ctx.who.user.name, "sign_out")
        resp = response.redirect("/review/login", status=303)
        _clear_cookie(request, resp, SESSION_COOKIE)
        return resp

    @signed_in(page=True)
    async def review_page(request):
        return response.raw(static["review.html"], content_type=STATIC_TYPES["review.html"])

    async def static_file(request, name: str):
        if name not in static or name == "review.html":
            return error("not found", 404)
        resp = response.raw(static[name], content_type=STATIC_TYPES[name])
        return secured(resp)

    # ------------------------------------------------------------ API

    @signed_in()
    async def me(request):
        who = request.ctx.who
        return response.json({
            "name": who.user.name, "role": who.user.role, "can_approve": who.user.can_approve,
            "csrf": who.session.csrf if who.session else None,
            "expires_at": who.session.expires_at.isoformat() if who.session else None,
            "two_person_rule": two_person_rule(),
        })

    @signed_in()
    async def post_comment(request):
        comment = validate_comment(read_json(request))
        triage = await service_getter().triage(comment["text"], "public_comment")
        item, new = queue.add(comment, triage, source="api", submitted_by=request.ctx.who.user.name)
        return response.json({**item, "duplicate": not new}, status=201 if new else 200)

    @signed_in()
    async def list_items(request):
        return response.json({"items": queue.list(route=request.args.get("route") or None,
                                                  status=request.args.get("status") or None)})

    @signed_in()
    async def get_item(request, item_id: int):
        item_id = contract.record_id(item_id)
        return response.json({"item": queue.get(item_id), "history": queue.history(item_id)})

    def version_of(obj: dict) -> int | None:
        version = obj.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise InputError("'version' must be a whole number")
        return version

    actions = {
        "edit": lambda item_id, user, obj: queue.edit(item_id, user, obj.get("text"), version=version_of(obj)),
        "approve": lambda item_id, user, obj: queue.approve(item_id, user, obj.get("override_reason"),
                                                            version=version_of(obj)),
        "reject": lambda item_id, user, obj: queue.reject(item_id, user, obj.get("reason"), version=version_of(obj)),
        "hand_off": lambda item_id, user, obj: queue.hand_off(item_id, user, obj.get("assignee"), obj.get("note"),
                                                              version=version_of(obj)),
        "acknowledge": lambda item_id, user, obj: queue.acknowledge(item_id, user, version=version_of(obj)),
    }

    @signed_in()
    async def act(request, item_id: int, action: str):
        item_id = contract.record_id(item_id)
        if action not in actions:
            return error(f"unknown action {action[:40]!r}; use one of {', '.join(actions)}", 404)
        obj = read_json(request) if (request.body or b"").strip() else {}
        item = await in_thread(actions[action], item_id, request.ctx.who.user, obj)
        return response.json({"item": item, "history": queue.history(item_id)})

    @signed_in()
    async def check(request):
        obj = read_json(request)
        item_id = contract.record_id(obj.get("item_id"), "'item_id'")
        return response.json(await in_thread(queue.check, item_id, obj.get("text")))

    @signed_in()
    async def dashboard(request):
        return response.json(queue.dashboard())

    @signed_in()
    async def audit_trail(request):
        try:
            limit = min(1000, max(1, int(request.args.get("limit") or 200)))
        except ValueError:
            raise InputError("'limit' must be a number")
        return response.json({"audit": queue.recent_audit(limit, approver=request.ctx.who.user.can_approve)})

    @signed_in()
    async def list_users(request):
        return response.json({"users": [{"name": u["name"], "role": u["role"]} for u in auth.list_users(engine)]})

    routes = [
        (login_form, "/review/login", ["GET"]), (login, "/review/login", ["POST"]),
        (logout, "/review/logout", ["POST"]), (review_page, "/review", ["GET"]),
        (static_file, "/review/static/<name:str>", ["GET"]),
        (me, "/api/review/me", ["GET"]), (post_comment, "/api/comments", ["POST"]),
        (list_items, "/api/review/items", ["GET"]), (get_item, "/api/review/items/<item_id:int>", ["GET"]),
        (act, "/api/review/items/<item_id:int>/<action:str>", ["POST"]), (check, "/api/review/check", ["POST"]),
        (dashboard, "/api/review/dashboard", ["GET"]), (audit_trail, "/api/review/audit", ["GET"]),
        (list_users, "/api/review/users", ["GET"]),
    ]
    for handler, uri, methods in routes:
        app.add_route(handler, uri, methods=methods, name=f"review_{handler.__name__}_{methods[0].lower()}")
    return queue
