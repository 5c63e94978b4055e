"""The product's contract with the outside world: what every entry point accepts, and how exports are written.

Every way in (POST /api/comments, POST /api/triage, `sendiass import`, `sendiass triage`, the Telegram staff
chat's /draft, the review API's item ids) checks its input here, with the same rules and the same messages.
A value that passes fits the store on SQLite and on PostgreSQL alike: text with no NUL and no lone surrogate,
within its column's length; a time that both Python and PostgreSQL can hold; an id within PostgreSQL's
INTEGER. Bad input is an InputError whose message says, in one sentence, what is wrong (HTTP 400, or
"line N: ..." in a batch).

Exports (`sendiass audit export`, the practice report) write every cell through `csv_cell`: text that a
spreadsheet would run as a formula is neutralised as OWASP recommends (a leading apostrophe).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

MAX_TEXT = 10_000          # characters of a comment, message or reply
MAX_AUTHOR = 200           # review_items.author, messages.sender
MAX_URL = 2_000            # review_items.url
MAX_EXTERNAL_ID = 200      # the caller's own "id" of a triage item, echoed back
MAX_RECORD_ID = 2**31 - 1  # our row ids: PostgreSQL INTEGER
CHANNELS = ("public_comment", "direct_message")
PLATFORMS = ("facebook", "x", "youtube", "other")
PLATFORM_ALIASES = {"twitter": "x", "x/twitter": "x", "twitter/x": "x", "fb": "facebook", "yt": "youtube"}
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # no social-media comment is older
FUTURE_SLACK = timedelta(days=1)                     # clocks and time zones differ a little
TIME_EXAMPLE = "2026-11-24T18:05:00Z"


class InputError(ValueError):
    """A bad input item; the message is shown to whoever sent it."""


# ---------------------------------------------------------------- fields

def plain_text(name: str, value: str) -> str:
    """Text that every database stores as it is: no NUL bytes, no undecodable bytes or lone surrogates."""
    if "\x00" in value:
        raise InputError(f"'{name}' contains binary data (NUL bytes)")
    if any("\ud800" <= c <= "\udfff" for c in value):  # undecodable bytes (surrogateescape), lone surrogates
        raise InputError(f"'{name}' is not UTF-8 text")
    return value


def text(value: Any, name: str = "text", limit: int = MAX_TEXT) -> str:
    """Required text: a string, not blank, at most `limit` characters, plain."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"'{name}' is missing or empty")
    if len(value) > limit:
        raise InputError(f"'{name}' is {len(value):,} characters; the limit is {limit:,}")
    return plain_text(name, value)


def author(value: Any, required: bool = True) -> str | None:
    """The name of whoever wrote a comment or message (stripped); None when optional and not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError("'author' is missing or empty")
        return None
    if not isinstance(value, str):
        raise InputError("'author' must be text")
    if len(value) > MAX_AUTHOR:
        raise InputError(f"'author' is longer than {MAX_AUTHOR} characters")
    return plain_text("author", value).strip()


def platform(value: Any, default: str | None = None) -> str:
    """facebook, x, youtube or other (twitter, fb, yt are understood)."""
    raw = value or default
    if not raw:
        raise InputError("'platform' is missing; use facebook, x (or twitter) or youtube")
    if not isinstance(raw, str) or len(raw) > 40:
        raise InputError("'platform' must be one of facebook, x (or twitter), youtube or other")
    name = raw.strip().lower()
    name = PLATFORM_ALIASES.get(name, name)
    if name not in PLATFORMS:
        raise InputError(f"unknown platform {raw!r}; use facebook, x (or twitter), youtube or other")
    return name


def url(value: Any) -> str | None:
    """The comment's web address (http:// or https://), or None."""
    if value is None or value == "":
        return None
    if (not isinstance(value, str) or not value.strip().lower().startswith(("https://", "http://"))
            or len(value) > MAX_URL):
        raise InputError(f"'url' must be the comment's web address (http:// or https://, at most {MAX_URL:,} "
                         f"characters)")
    return plain_text("url", value.strip())


def parse_time(value: Any, name: str = "received_at") -> datetime:
    """An ISO 8601 time ("2026-11-24T18:05:00Z"; no zone means UTC), Unix seconds or a datetime, in UTC.

    Only times the store can hold (from 2000 to a day ahead) pass: "0001-01-01T00:00:00+14:00" is before
    year 1 in UTC, which neither Python nor PostgreSQL can represent."""
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"'{name}' must be a time like {TIME_EXAMPLE}")
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"'{name}' {value!r} is not a time")
        try:
            when = datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise InputError(f"'{name}' {value!r} is not a time")
    else:
        if len(value) > 64:
            raise InputError(f"'{name}' is not a time like {TIME_EXAMPLE}")
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"'{name}' {value!r} is not a time like {TIME_EXAMPLE}")
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
    try:
        when = when.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise InputError(f"'{name}' {value!r} is not a time we can store; give one like {TIME_EXAMPLE}")
    if when < EARLIEST:
        raise InputError(f"'{name}' {value!r} is before {EARLIEST.year}; give the time the comment was made")
    return when


def received_at(value: Any, now: datetime | None = None) -> datetime | None:
    """When the comment was made, or None when not given; never more than a day in the future."""
    if value is None or value == "":
        return None
    when = parse_time(value)
    if when > (now or datetime.now(timezone.utc)) + FUTURE_SLACK:
        raise InputError(f"'received_at' {value!r} is in the future")
    return when


def channel(value: Any) -> str:
    """public_comment (the default) or direct_message."""
    if value is None or value == "":
        return "public_comment"
    if value not in CHANNELS:
        shown = value if isinstance(value, str) and len(value) <= 40 else type(value).__name__
        raise InputError(f"unknown channel {shown!r}; use one of {', '.join(CHANNELS)}")
    return value


def record_id(value: Any, name: str = "item id") -> int:
    """One of our row ids: a whole number from 1 to 2,147,483,647 (PostgreSQL INTEGER)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RECORD_ID:
        raise InputError(f"the {name} must be a whole number from 1 to {MAX_RECORD_ID:,}")
    return value


def external_id(value: Any) -> str | int | None:
    """The caller's own id of an item, echoed back: a string (up to 200 characters) or a whole number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError("'id' must be a string or a whole number")
    if isinstance(value, str):
        if len(value) > MAX_EXTERNAL_ID:
            raise InputError(f"'id' is longer than {MAX_EXTERNAL_ID} characters")
        plain_text("id", value)
    elif abs(value) > 2**63 - 1:
        raise InputError("'id' is too large a number; send it as a string")
    return value


# ---------------------------------------------------------------- whole items

def _object(obj: Any, example: str) -> dict:
    if not isinstance(obj, dict):
        raise InputError(f"each {example} must be a JSON object like " + {
            "line": '{"id": 1, "text": "..."}',
            "comment": '{"platform": "facebook", "author": "...", "text": "..."}',
            "item": '{"id": 1, "text": "...", "channel": "public_comment"}',
        }[example])
    return obj


def validate_item(obj: Any) -> tuple[Any, str, str]:
    """(id, text, channel) of one `sendiass triage` line or triage request, or InputError."""
    obj = _object(obj, "line")
    item_id = external_id(obj.get("id"))
    return item_id, text(obj.get("text")), channel(obj.get("channel"))


def validate_triage_item(obj: Any) -> dict:
    """One POST /api/triage body: {"id", "text", "channel", "author"} (author: None when not given).

    The same rules as /api/comments for the fields they share (text, author)."""
    obj = _object(obj, "item")
    item_id, body, where = validate_item(obj)
    return {"id": item_id, "text": body, "channel": where, "author": author(obj.get("author"), required=False)}


def validate_comment(obj: Any, default_platform: str | None = None, now: datetime | None = None) -> dict:
    """{"platform", "author", "text", "url", "received_at"} of one public comment, or InputError."""
    obj = _object(obj, "comment")
    return {"platform": platform(obj.get("platform"), default_platform), "author": author(obj.get("author")),
            "text": text(obj.get("text")), "url": url(obj.get("url")),
            "received_at": received_at(obj.get("received_at"), now)}


# ---------------------------------------------------------------- exports

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a string starting with = + - @ or a tab, carriage return or line
    feed gets a leading apostrophe (OWASP, "CSV Injection"). Numbers and empty cells stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_row(row: dict) -> dict:
    return {key: csv_cell(value) for key, value in row.items()}
