"""What every HTTP entry point of the product shares: one JSON body parser, one way to run CPU work off
the event loop, a per-client rate limit, and the response headers for anything that may carry personal data.

Every parser error is an `InputError` whose text is shown to the client with a 400.
"""
from __future__ import annotations

import asyncio
import functools
import json
import os
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from bot.contract import InputError

MAX_BODY_BYTES = 1_000_000  # the whole request; Sanic answers 413 above it (a comment is at most 10,000 characters)
MAX_JSON_DEPTH = 20  # no entry point takes nesting deeper than a few levels


def _no_constants(name: str):
    raise InputError(f"the request body contains {name}, which is not a JSON number")


def _depth_ok(raw: str) -> bool:
    """Nesting depth of a JSON text, counted outside strings, without recursion (no RecursionError)."""
    depth = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates and NUL characters anywhere in the parsed body (they break storage)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InputError("the request body contains a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError("the request body contains an unpaired surrogate (\\ud800-\\udfff); "
                                 "send real characters")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_json_bytes(raw: bytes) -> Any:
    """Any JSON value from raw bytes, or InputError saying in one sentence what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the request body is not UTF-8 text (binary data?)")
    if "\x00" in text:
        raise InputError("the request body contains binary data (NUL bytes)")
    if not _depth_ok(text):
        raise InputError(f"the request body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at column {exc.colno})")
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InputError(f"the request body has a number that is too long ({exc})".split(";")[0])
    _check_strings(value)
    return value


def read_json(request) -> dict:
    """The JSON object in a request body, or InputError."""
    raw = request.body or b""
    if not raw.strip():
        raise InputError("the request body is empty; send a JSON object")
    obj = parse_json_bytes(raw)
    if not isinstance(obj, dict):
        raise InputError("send a JSON object")
    return obj


async def in_thread(func: Callable, *args, **kwargs):
    """Run CPU-bound work (the detector, the classifier, the guard, scrypt) on a worker thread, so that the
    event loop keeps answering other requests, /health included."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))


class RateLimiter:
    """A token bucket per client: `rate` requests a minute on average, bursts of up to `burst`.

    SENDIASS_RATE_LIMIT sets the rate ("off" turns it off, e.g. for a load test behind one address).
    The table of clients is bounded (least recently seen forgotten first), so it cannot grow without end."""

    MAX_CLIENTS = 10_000

    def __init__(self, rate: float | None = None, burst: int | None = None):
        setting = os.environ.get("SENDIASS_RATE_LIMIT", "").strip().lower()
        self.enabled = setting not in ("off", "0", "none")
        if rate is None:
            try:
                rate = float(setting) if setting and self.enabled else 300.0
            except ValueError:
                raise SystemExit(f"SENDIASS_RATE_LIMIT must be a number of requests a minute or 'off', "
                                 f"not {setting!r}")
        self.per_second = rate / 60.0
        self.burst = burst if burst is not None else max(10, int(rate // 5))
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before the next one."""
        if not self.enabled:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.per_second
            while len(self._buckets) > self.MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return wait


def client_of(request) -> str:
    """The client address of a request (the peer; behind a proxy Sanic's PROXIES_COUNT/FORWARDED_SECRET apply)."""
    return request.remote_addr or request.ip or "unknown"


PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def add_private_headers(app) -> None:
    """Every response may carry personal data (triage results, trackers, error pages quoting input):
    no caching anywhere, no content sniffing, Sanic's own error pages included."""

    @app.on_response
    async def _private(request, response):
        if response is not None:
            response.headers.update(PRIVATE_HEADERS)
