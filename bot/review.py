"""The review queue: public comments in, suggested replies checked by a line manager, an audit trail.

The social media policy: staff "request your line manager to check content before it is posted",
"listen and reply to criticism", and "we'll monitor all social media postings". So every public
comment (Facebook, X/Twitter, YouTube) that reaches the product through `POST /api/comments`,
`sendiass import FILE` or the Telegram staff chat (`intake()`) is triaged, gets the approved library
reply as a suggestion and the guard's verdict on it, and waits here for a person:

    pending ──edit──▶ pending (the text changed; the guard checks it again)
    pending / handed_off ──approve──▶ approved (library text) | edited_approved (a person's text)
    pending / handed_off ──reject──▶ rejected
    pending / handed_off ──hand_off──▶ handed_off (assignee: the person who deals with it)

- Only role approver may approve; staff may edit, reject, hand off and acknowledge.
- A reply that fails the guard cannot be approved without an override reason, which is recorded.
- Two-person rule (SENDIASS_TWO_PERSON_RULE, default on): whoever drafted (`drafted_by`, e.g. a
  staff member asking for a draft in Telegram) or edited a reply cannot also approve it. A library
  suggestion imported or posted through the API has no human drafter.
- Approved replies are "ready to post": a person copies them to the platform. Nothing here posts.
- Safeguarding items sort first and stay highlighted until someone acknowledges them.
- Every change writes one row to `review_audit`: who, when, what, the reply text and the guard's
  verdict at that moment. The table is append-only: this module has no update or delete for it, and
  database triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
- Each change is one transaction guarded by the item's version, so two people acting at once
  cannot both win; a stale page gets "changed since you opened it" (409).
"""
from __future__ import annotations

import csv
import getpass
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median
from typing import Any, Iterator

import sqlalchemy as sa

from bot import auth, guard
from bot.auth import User, utc
from bot.store import Store, database_url, metadata, now
from bot.triage import MAX_TEXT, ROUTES, InputError, iter_lines, parse_line, validate_item

PLATFORMS = ("facebook", "x", "youtube", "other")
PLATFORM_ALIASES = {"twitter": "x", "x/twitter": "x", "twitter/x": "x", "fb": "facebook", "yt": "youtube"}
SOURCES = ("api", "import", "telegram")
STATES = ("pending", "approved", "edited_approved", "rejected", "handed_off")
OPEN = ("pending", "handed_off")
READY = ("approved", "edited_approved")
STATUS_FILTERS = {**{s: (s,) for s in STATES}, "open": OPEN, "ready": READY}
MIN_OVERRIDE_REASON = 10
MAX_NOTE = 2000
NO_REPLY_NOTE = "There is no approved reply for this route: write one, or hand the comment to a person."

items = sa.Table(
    "review_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),   # when the comment was made/received
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),    # when it entered the queue
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("url", sa.String(2000)),
    sa.Column("source", sa.String(20), nullable=False),                      # api / import / telegram
    sa.Column("submitted_by", sa.String(60)),
    sa.Column("drafted_by", sa.String(40)),                                  # a person who asked for this draft
    sa.Column("fingerprint", sa.String(64), unique=True),                    # the same comment is queued once
    sa.Column("route", sa.String(40), nullable=False),
    sa.Column("flags", sa.Text, nullable=False),                             # JSON: disclosure, complaint, ...
    sa.Column("comment_triage", sa.Text, nullable=False),                    # JSON: route, flags, detections
    sa.Column("intent", sa.String(60)),
    sa.Column("confidence", sa.Float),
    sa.Column("reply_id", sa.String(80)),
    sa.Column("suggested_reply", sa.Text),                                   # the library's text, never changed
    sa.Column("reply_text", sa.Text, nullable=False),                        # the current text
    sa.Column("edited", sa.Boolean, nullable=False, default=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("assignee", sa.String(40)),
    sa.Column("guard_ok", sa.Boolean, nullable=False),
    sa.Column("guard", sa.Text, nullable=False),                             # JSON verdict of the current text
    sa.Column("override_reason", sa.Text),
    sa.Column("decided_by", sa.String(40)),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("first_decision_at", sa.DateTime(timezone=True)),
    sa.Column("acknowledged_by", sa.String(40)),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Index("ix_review_items_state_route", "state", "route"),
)

audit = sa.Table(
    "review_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("review_items.id")),      # None for account events
    sa.Column("actor", sa.String(60), nullable=False),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("from_state", sa.String(20)),
    sa.Column("to_state", sa.String(20)),
    sa.Column("reply_text", sa.Text),                                        # the reply at that moment
    sa.Column("guard_ok", sa.Boolean),
    sa.Column("guard", sa.Text),                                             # JSON verdict at that moment
    sa.Column("override_reason", sa.Text),
    sa.Column("details", sa.Text),                                           # JSON: reason, assignee, ...
    sa.Index("ix_review_audit_item", "item_id"),
    sa.Index("ix_review_audit_at", "at"),
)

# Append-only, enforced by the database as well as by this module having no such code path.
_REFUSE = "review_audit is append-only"
_APPEND_ONLY = {
    "sqlite": [f"CREATE TRIGGER review_audit_no_{op.lower()} BEFORE {op} ON review_audit "
               f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END" for op in ("UPDATE", "DELETE")],
    "postgresql": [
        ("CREATE OR REPLACE FUNCTION review_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
         f"$$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$"),
        ("CREATE TRIGGER review_audit_no_change BEFORE UPDATE OR DELETE ON review_audit "
         "FOR EACH ROW EXECUTE FUNCTION review_audit_append_only()"),
        ("CREATE TRIGGER review_audit_no_truncate BEFORE TRUNCATE ON review_audit "
         "FOR EACH STATEMENT EXECUTE FUNCTION review_audit_append_only()"),
    ],
}
for _dialect, _statements in _APPEND_ONLY.items():
    for _statement in _statements:
        sa.event.listen(audit, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))


# ---------------------------------------------------------------- errors and settings

class ReviewError(Exception):
    """A refused review action; the message is shown to the person. `status` is the HTTP status."""
    status = 400


class NotFound(ReviewError):
    status = 404


class Forbidden(ReviewError):
    status = 403


class Conflict(ReviewError):
    status = 409


def two_person_rule() -> bool:
    """SENDIASS_TWO_PERSON_RULE: on unless set to 0/false/no/off."""
    return os.environ.get("SENDIASS_TWO_PERSON_RULE", "on").strip().lower() not in ("0", "false", "no", "off")


# ---------------------------------------------------------------- comments

def _plain_text(name: str, value: str) -> None:
    if "\x00" in value:
        raise InputError(f"'{name}' contains binary data (NUL bytes)")
    if any("\ud800" <= c <= "\udfff" for c in value):  # undecodable bytes, lone surrogates
        raise InputError(f"'{name}' is not UTF-8 text")


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time ("2026-11-24T18:05:00Z"; no zone means UTC), Unix seconds or a datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, bool):
        raise InputError("'received_at' must be a time like 2026-11-24T18:05:00Z")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise InputError(f"'received_at' {value!r} is not a time")
    if not isinstance(value, str):
        raise InputError("'received_at' must be a time like 2026-11-24T18:05:00Z")
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"'received_at' {value!r} is not a time like 2026-11-24T18:05:00Z")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def normal_platform(raw: Any) -> str:
    if not raw:
        raise InputError("'platform' is missing; use facebook, x (or twitter) or youtube")
    platform = str(raw).strip().lower()
    platform = PLATFORM_ALIASES.get(platform, platform)
    if platform not in PLATFORMS:
        raise InputError(f"unknown platform {raw!r}; use facebook, x (or twitter), youtube or other")
    return platform


def validate_comment(obj: Any, default_platform: str | None = None) -> dict:
    """{"platform", "author", "text", "url", "received_at"} of one public comment, or InputError."""
    if not isinstance(obj, dict):
        raise InputError('each comment must be a JSON object like {"platform": "facebook", "author": "...", '
                         '"text": "..."}')
    platform = normal_platform(obj.get("platform") or default_platform)
    author = obj.get("author")
    if not isinstance(author, str) or not author.strip():
        raise InputError("'author' is missing or empty")
    if len(author) > 200:
        raise InputError("'author' is longer than 200 characters")
    _, text, _ = validate_item({"text": obj.get("text")})
    for name, value in (("author", author), ("text", text)):
        _plain_text(name, value)
    url = obj.get("url") or None
    if url is not None:
        if not isinstance(url, str) or not url.strip().lower().startswith(("https://", "http://")) or len(url) > 2000:
            raise InputError("'url' must be the comment's web address (http:// or https://, at most 2,000 characters)")
        url = url.strip()
        _plain_text("url", url)
    received_raw = obj.get("received_at")
    received_at = None if received_raw in (None, "") else parse_time(received_raw)
    if received_at is not None and received_at > now() + timedelta(days=1):
        raise InputError(f"'received_at' {received_raw!r} is in the future")
    return {"platform": platform, "author": author.strip(), "text": text, "url": url, "received_at": received_at}


def fingerprint(comment: dict) -> str | None:
    """The same comment (platform, author, text and its address or time) enters the queue once.

    Without an address or a time nothing tells two identical comments apart, so each is queued."""
    if not comment.get("url") and not comment.get("received_at"):
        return None
    when = comment["received_at"].astimezone(timezone.utc).isoformat() if comment.get("received_at") else ""
    key = "\x1f".join((comment["platform"], comment["author"], comment["text"], comment.get("url") or "", when))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def guard_context(comment_triage: dict) -> dict:
    """The comment as the guard sees it; as for library replies (bot.triage.draft_reply), signposting
    someone at risk is never held back for want of the complaints procedure."""
    context = dict(comment_triage)
    if context.get("route") == "safeguarding":
        context["complaint"] = False
    return context


def _check_reply_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ReviewError("the reply is empty")
    if len(text) > MAX_TEXT:
        raise ReviewError(f"the reply is {len(text):,} characters; the limit is {MAX_TEXT:,}")
    try:
        _plain_text("reply", text)
    except InputError as exc:
        raise ReviewError(str(exc))
    return text


def _note(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReviewError(f"'{name}' must be text")
    value = value.strip()
    if len(value) > MAX_NOTE:
        raise ReviewError(f"'{name}' is longer than {MAX_NOTE:,} characters")
    return value or None


# ---------------------------------------------------------------- the queue

def _iso(value: datetime | None) -> str | None:
    return utc(value).isoformat() if value else None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def item_dict(row) -> dict:
    """One queue item as the web page and the API show it."""
    r = row._mapping
    comment_triage = json.loads(r["comment_triage"])
    return {
        "id": r["id"], "platform": r["platform"], "author": r["author"], "text": r["text"], "url": r["url"],
        "received_at": _iso(r["received_at"]), "created_at": _iso(r["created_at"]), "source": r["source"],
        "submitted_by": r["submitted_by"], "drafted_by": r["drafted_by"],
        "route": r["route"], "flags": json.loads(r["flags"]), "intent": r["intent"], "confidence": r["confidence"],
        "detections": [{k: d.get(k) for k in ("type", "category", "start", "end")}
                       for d in comment_triage.get("detections") or []],
        "reply_id": r["reply_id"], "suggested_reply": r["suggested_reply"], "reply": r["reply_text"],
        "edited": bool(r["edited"]), "state": r["state"], "assignee": r["assignee"],
        "guard": json.loads(r["guard"]), "override_reason": r["override_reason"],
        "decided_by": r["decided_by"], "decided_at": _iso(r["decided_at"]),
        "first_decision_at": _iso(r["first_decision_at"]),
        "acknowledged_by": r["acknowledged_by"], "acknowledged_at": _iso(r["acknowledged_at"]),
        "needs_acknowledgement": r["route"] == "safeguarding" and r["acknowledged_at"] is None,
        "ready_to_post": r["state"] in READY, "version": r["version"],
    }


def audit_dict(row) -> dict:
    r = dict(row._mapping)
    r["at"] = _iso(r["at"])
    for key in ("guard", "details"):
        r[key] = json.loads(r[key]) if r[key] else None
    return r


@dataclass
class _Change:
    """What one action does to an item: new column values and what the audit row adds."""
    values: dict
    verdict: dict | None = None
    override_reason: str | None = None
    details: dict | None = None


class Queue:
    """The review queue in the product store (SQLite by default, PostgreSQL by URL: the same code)."""

    def __init__(self, store: Store | None = None):
        self.store = store or Store()
        self.engine = self.store.engine
        metadata.create_all(self.engine)  # the review tables, when the Store was made before they were imported

    # ------------------------------------------------------------ people

    def user(self, user: User | str) -> User:
        if isinstance(user, User):
            return user
        found = auth.get_user(self.engine, user)
        if found is None:
            raise Forbidden(f"no active staff account called {auth.normal_name(user)!r}")
        return found

    def record_event(self, actor: str, action: str, details: dict | None = None, item_id: int | None = None) -> None:
        """An audit row that is not a change of an item (accounts, sign-ins)."""
        with self.engine.begin() as conn:
            conn.execute(audit.insert().values(at=now(), item_id=item_id, actor=actor[:60], action=action,
                                               details=_json(details) if details else None))

    def failed_sign_ins(self, name: str, minutes: int = 15) -> int:
        q = sa.select(sa.func.count()).select_from(audit).where(
            audit.c.action == "sign_in_failed", audit.c.actor == auth.normal_name(name)[:60],
            audit.c.at >= now() - timedelta(minutes=minutes))
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    # ------------------------------------------------------------ intake

    def add(self, comment: dict, triage, *, source: str, submitted_by: str | None = None,
            drafted_by: str | None = None) -> tuple[dict, bool]:
        """Queue a validated comment with its triage; (the item, True) or (the item already queued, False)."""
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        if triage.reply is not None:
            suggested = triage.reply.text  # bot.triage.draft_reply held it to the guard already
            verdict = {"ok": True, "violations": [], "suggestion": None}
        else:
            suggested = None
            verdict = {"ok": False, "violations": triage.guard_violations, "suggestion": None,
                       "note": NO_REPLY_NOTE}
        received = comment["received_at"] or now()
        row = dict(
            received_at=received, created_at=now(), platform=comment["platform"], author=comment["author"],
            text=comment["text"], url=comment["url"], source=source, submitted_by=submitted_by,
            drafted_by=auth.normal_name(drafted_by) if drafted_by else None, fingerprint=fingerprint(comment),
            route=triage.route,
            flags=_json({"disclosure": triage.disclosure, "complaint": triage.complaint,
                         "needs_human": triage.needs_human, "urgent": triage.urgent}),
            comment_triage=_json(triage.comment_triage()), intent=triage.intent,
            confidence=round(triage.confidence, 4), reply_id=triage.reply.ref() if triage.reply else None,
            suggested_reply=suggested, reply_text=suggested or "", edited=False, state="pending",
            guard_ok=verdict["ok"], guard=_json(verdict), version=1,
        )
        try:
            with self.engine.begin() as conn:
                item_id = conn.execute(items.insert().values(**row)).inserted_primary_key[0]
                conn.execute(audit.insert().values(
                    at=now(), item_id=item_id, actor=(submitted_by or source)[:60], action="intake",
                    to_state="pending", reply_text=row["reply_text"], guard_ok=verdict["ok"], guard=row["guard"],
                    details=_json({"source": source, "platform": comment["platform"], "route": triage.route}),
                ))
        except sa.exc.IntegrityError:
            if row["fingerprint"] is None:
                raise
            with self.engine.connect() as conn:
                existing = conn.execute(sa.select(items).where(items.c.fingerprint == row["fingerprint"])).first()
            if existing is None:
                raise
            return item_dict(existing), False
        return self.get(item_id), True

    # ------------------------------------------------------------ reading

    def get(self, item_id: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(items).where(items.c.id == item_id)).first()
        if row is None:
            raise NotFound(f"there is no item {item_id}")
        return item_dict(row)

    def list(self, route: str | None = None, status: str | None = None, limit: int = 500) -> list[dict]:
        """Unacknowledged safeguarding first, then open items oldest first, then decided ones newest first."""
        q = sa.select(items)
        if route:
            if route not in ROUTES:
                raise ReviewError(f"unknown route {route!r}; use one of {', '.join(ROUTES)}")
            q = q.where(items.c.route == route)
        if status and status != "all":
            if status not in STATUS_FILTERS:
                raise ReviewError(f"unknown status {status!r}; use one of {', '.join(['all', *STATUS_FILTERS])}")
            q = q.where(items.c.state.in_(STATUS_FILTERS[status]))
        needs_ack = sa.case(((items.c.route == "safeguarding") & items.c.acknowledged_at.is_(None), 0), else_=1)
        is_open = sa.case((items.c.state.in_(OPEN), 0), else_=1)
        open_age = sa.case((items.c.state.in_(OPEN), items.c.received_at), else_=None)
        q = q.order_by(needs_ack, is_open, open_age, items.c.decided_at.desc(), items.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [item_dict(r) for r in conn.execute(q)]

    def history(self, item_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(audit).where(audit.c.item_id == item_id).order_by(audit.c.id))
            return [audit_dict(r) for r in rows]

    def recent_audit(self, limit: int = 200) -> list[dict]:
        """The latest audit rows, newest first."""
        with self.engine.connect() as conn:
            return [audit_dict(r) for r in conn.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit))]

    def dashboard(self) -> dict:
        with self.engine.connect() as conn:
            per_route = dict(conn.execute(sa.select(items.c.route, sa.func.count()).group_by(items.c.route)).all())
            per_state = dict(conn.execute(sa.select(items.c.state, sa.func.count()).group_by(items.c.state)).all())
            unacked = conn.execute(sa.select(sa.func.count()).select_from(items).where(
                items.c.route == "safeguarding", items.c.acknowledged_at.is_(None))).scalar_one()
            times = conn.execute(sa.select(items.c.received_at, items.c.first_decision_at)
                                 .where(items.c.first_decision_at.isnot(None))).all()
        waits = [max(0.0, (utc(d) - utc(r)).total_seconds()) for r, d in times]
        return {
            "per_route": {route: per_route.get(route, 0) for route in ROUTES},
            "per_state": {state: per_state.get(state, 0) for state in STATES},
            "pending": per_state.get("pending", 0),
            "total": sum(per_state.values()),
            "unacknowledged_safeguarding": unacked,
            "decided": len(waits),
            "median_first_response_seconds": round(median(waits), 1) if waits else None,
        }

    @staticmethod
    def verdict(row, text: str, rewrite: bool = True) -> dict:
        """The guard's verdict on a reply to the comment of an item (its stored row)."""
        return guard.check(text, comment=row.text, comment_triage=guard_context(json.loads(row.comment_triage)),
                           rewrite=rewrite).to_dict()

    def check(self, item_id: int, text: Any) -> dict:
        """The live check of an edit as it is typed."""
        text = _check_reply_text(text)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(items).where(items.c.id == item_id)).first()
        if row is None:
            raise NotFound(f"there is no item {item_id}")
        return self.verdict(row, text)

    # ------------------------------------------------------------ changes

    def _authors(self, conn, row) -> set[str]:
        """Everyone who drafted or edited this item's reply."""
        editors = conn.execute(sa.select(audit.c.actor).where(audit.c.item_id == row.id,
                                                               audit.c.action == "edit")).scalars()
        return {*editors, *([row.drafted_by] if row.drafted_by else [])}

    def _change(self, item_id: int, user: User | str, action: str, decide, version: int | None) -> dict:
        user = self.user(user)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(items).where(items.c.id == item_id).with_for_update()).first()
            if row is None:
                raise NotFound(f"there is no item {item_id}")
            if version is not None and version != row.version:
                raise Conflict("someone changed this item since you opened it; reload it and try again")
            change: _Change = decide(conn, row, user)
            values = {**change.values, "version": row.version + 1}
            done = conn.execute(items.update().where(items.c.id == item_id, items.c.version == row.version)
                                .values(**values)).rowcount
            if done != 1:
                raise Conflict("someone changed this item at the same moment; reload it and try again")
            verdict = change.verdict if change.verdict is not None else json.loads(row.guard)
            conn.execute(audit.insert().values(
                at=now(), item_id=item_id, actor=user.name, action=action, from_state=row.state,
                to_state=values.get("state", row.state), reply_text=values.get("reply_text", row.reply_text),
                guard_ok=verdict["ok"], guard=_json(verdict), override_reason=change.override_reason,
                details=_json(change.details) if change.details else None,
            ))
        return self.get(item_id)

    @staticmethod
    def _must_be_open(row, action: str) -> None:
        if row.state not in OPEN:
            raise Conflict(f"item {row.id} is already {row.state.replace('_', ' ')}; it cannot be {action} now")

    def edit(self, item_id: int, user: User | str, text: Any, *, version: int | None = None) -> dict:
        text = _check_reply_text(text)

        def decide(conn, row, user):
            self._must_be_open(row, "edited")
            if text == row.reply_text:
                raise ReviewError("the reply is unchanged")
            verdict = self.verdict(row, text)
            return _Change(values={"reply_text": text, "edited": True, "guard_ok": verdict["ok"],
                                   "guard": _json(verdict)}, verdict=verdict)

        return self._change(item_id, user, "edit", decide, version)

    def approve(self, item_id: int, user: User | str, override_reason: str | None = None, *,
                version: int | None = None) -> dict:
        reason = _note(override_reason, "override_reason")

        def decide(conn, row, user):
            if not user.can_approve:
                raise Forbidden("only an approver (a line manager) can approve a reply")
            self._must_be_open(row, "approved")
            if not row.reply_text.strip():
                raise ReviewError("there is no reply to approve; write one first")
            authors = self._authors(conn, row)
            if two_person_rule() and user.name in authors:
                raise Forbidden("you drafted or edited this reply, so under the two-person rule another approver "
                                "must approve it")
            verdict = self.verdict(row, row.reply_text, rewrite=False)
            details = {"authors": sorted(authors)} if authors else None
            if not verdict["ok"]:
                rules = ", ".join(sorted({v["rule"] for v in verdict["violations"]}))
                if not reason or len(reason) < MIN_OVERRIDE_REASON:
                    raise ReviewError(f"the reply fails the policy guard ({rules}); fix it, or give an override "
                                      f"reason of at least {MIN_OVERRIDE_REASON} characters")
            t = now()
            return _Change(values={
                "state": "edited_approved" if row.edited else "approved", "decided_by": user.name, "decided_at": t,
                "first_decision_at": row.first_decision_at or t, "guard_ok": verdict["ok"],
                "guard": _json(verdict), "override_reason": None if verdict["ok"] else reason,
            }, verdict=verdict, override_reason=None if verdict["ok"] else reason, details=details)

        return self._change(item_id, user, "approve", decide, version)

    def reject(self, item_id: int, user: User | str, reason: str | None = None, *,
               version: int | None = None) -> dict:
        reason = _note(reason, "reason")

        def decide(conn, row, user):
            self._must_be_open(row, "rejected")
            t = now()
            return _Change(values={"state": "rejected", "decided_by": user.name, "decided_at": t,
                                   "first_decision_at": row.first_decision_at or t},
                           details={"reason": reason} if reason else None)

        return self._change(item_id, user, "reject", decide, version)

    def hand_off(self, item_id: int, user: User | str, assignee: str, note: str | None = None, *,
                 version: int | None = None) -> dict:
        note = _note(note, "note")
        if not isinstance(assignee, str) or not assignee.strip():
            raise ReviewError("say who takes it over ('assignee')")
        person = auth.get_user(self.engine, assignee)
        if person is None:
            raise ReviewError(f"no active staff account called {auth.normal_name(assignee)!r}")

        def decide(conn, row, user):
            self._must_be_open(row, "handed off")
            t = now()
            return _Change(values={"state": "handed_off", "assignee": person.name, "decided_by": user.name,
                                   "decided_at": t, "first_decision_at": row.first_decision_at or t},
                           details={"assignee": person.name, **({"note": note} if note else {})})

        return self._change(item_id, user, "hand_off", decide, version)

    def acknowledge(self, item_id: int, user: User | str, *, version: int | None = None) -> dict:
        def decide(conn, row, user):
            if row.route != "safeguarding":
                raise ReviewError("only safeguarding items are acknowledged")
            if row.acknowledged_at is not None:
                raise Conflict(f"{row.acknowledged_by} acknowledged this already")
            return _Change(values={"acknowledged_by": user.name, "acknowledged_at": now()})

        return self._change(item_id, user, "acknowledge", decide, version)


_queues: dict[str, Queue] = {}


def default_queue() -> Queue:
    """The queue in the store named by SENDIASS_DATABASE_URL / SENDIASS_VAR (one per database)."""
    url = database_url()
    if url not in _queues:
        _queues[url] = Queue(Store(url))
    return _queues[url]


# ---------------------------------------------------------------- the functions other channels call

async def intake(service, *, platform: str, author: str, text: str, url: str | None = None,
                 received_at: Any = None, source: str = "telegram", submitted_by: str | None = None,
                 drafted_by: str | None = None, queue: Queue | None = None) -> dict:
    """Triage one public comment and queue it for review (the Telegram staff chat's `/draft text`).

    `service` is a bot.triage.TriageService (``TriageService(agent)`` wraps a loaded Rasa agent).
    `drafted_by` names the staff account of a person asking for the draft: under the two-person rule
    they cannot approve it. Raises InputError for a bad comment. Returns the item, with "duplicate":
    True when the same comment (same address or time) was queued before.
    """
    comment = validate_comment({"platform": platform, "author": author, "text": text, "url": url,
                                "received_at": received_at})
    triage = await service.triage(comment["text"], "public_comment")
    item, new = (queue or default_queue()).add(comment, triage, source=source, submitted_by=submitted_by,
                                               drafted_by=drafted_by)
    return {**item, "duplicate": not new}


def approve(item_id: int, user: User | str, override_reason: str | None = None, *,
            version: int | None = None, queue: Queue | None = None) -> dict:
    return (queue or default_queue()).approve(item_id, user, override_reason, version=version)


def reject(item_id: int, user: User | str, reason: str | None = None, *,
           version: int | None = None, queue: Queue | None = None) -> dict:
    return (queue or default_queue()).reject(item_id, user, reason, version=version)


def edit(item_id: int, user: User | str, text: str, *, version: int | None = None,
         queue: Queue | None = None) -> dict:
    return (queue or default_queue()).edit(item_id, user, text, version=version)


def hand_off(item_id: int, user: User | str, assignee: str, note: str | None = None, *,
             version: int | None = None, queue: Queue | None = None) -> dict:
    return (queue or default_queue()).hand_off(item_id, user, assignee, note, version=version)


def acknowledge(item_id: int, user: User | str, *, queue: Queue | None = None) -> dict:
    return (queue or default_queue()).acknowledge(item_id, user)


REVIEW_AUDIT_COLUMNS = ("record", "id", "created_at", "channel", "sender", "route", "guard_ok", "guard", "text",
                        "status", "item_id", "action", "from_state", "override_reason", "details")


def review_audit_rows(since: datetime, queue: Queue | None = None) -> list[dict]:
    """The review trail since a time, oldest first, shaped for `sendiass audit export`.

    Each row: record="review", id, created_at (when), sender (who), action (what), item_id, from_state,
    status (the state after), text (the reply at that moment), guard_ok and guard (the verdict then, JSON),
    override_reason, details (JSON), channel (the platform) and route of the item.
    """
    q = (sa.select(audit, items.c.platform, items.c.route)
         .select_from(audit.outerjoin(items, items.c.id == audit.c.item_id))
         .where(audit.c.at >= since).order_by(audit.c.id))
    with (queue or default_queue()).engine.connect() as conn:
        rows = conn.execute(q).all()
    return [{"record": "review", "id": r.id, "created_at": r.at, "channel": r.platform, "sender": r.actor,
             "route": r.route, "guard_ok": r.guard_ok, "guard": r.guard, "text": r.reply_text,
             "status": r.to_state, "item_id": r.item_id, "action": r.action, "from_state": r.from_state,
             "override_reason": r.override_reason, "details": r.details} for r in rows]


# ---------------------------------------------------------------- import

CSV_ALIASES = {
    "platform": ("platform", "network", "site", "source"),
    "author": ("author", "name", "from", "user", "username", "commenter", "author_name"),
    "text": ("text", "comment", "message", "body", "content"),
    "url": ("url", "link", "permalink", "comment_url"),
    "received_at": ("received_at", "created_time", "created_at", "date", "time", "timestamp", "published_at"),
}


def _csv_rows(path: Path) -> Iterator[tuple[int, dict | InputError]]:
    # surrogateescape: a row with bytes that are not UTF-8 is reported (bot.review._plain_text), not fatal.
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield 1, InputError(f"the header row cannot be read ({exc})")
            return
        names = [h.strip().lower().replace(" ", "_") for h in header]
        columns = {}
        for field, aliases in CSV_ALIASES.items():
            for alias in aliases:
                if alias in names:
                    columns[field] = names.index(alias)
                    break
        if "text" not in columns:
            yield 1, InputError(f"the header has no text column (one of {', '.join(CSV_ALIASES['text'])}); "
                                f"it has: {', '.join(header)}")
            return
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, InputError(f"unreadable CSV ({exc})")
                continue
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(names):
                yield reader.line_num, InputError(f"{len(values)} fields but the header has {len(names)} "
                                                  f"(a comma in an unquoted field?)")
                continue
            yield reader.line_num, {field: values[i] if i < len(values) else None for field, i in columns.items()}


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict | InputError]]:
    with open(path, "rb") as stream:
        for n, raw in iter_lines(stream):
            try:
                yield n, parse_line(raw)
            except InputError as exc:
                yield n, exc


def read_rows(path: Path, fmt: str | None = None) -> list[tuple[int, dict | InputError]]:
    """(line number, the row or what is wrong with it) for each row of a CSV or JSON-lines export."""
    if fmt is None:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            fmt = "csv"
        elif suffix in (".jsonl", ".ndjson", ".json"):
            fmt = "jsonl"
        else:
            with open(path, "rb") as f:
                fmt = "jsonl" if f.read(4096).lstrip().startswith(b"{") else "csv"
    return list(_csv_rows(path) if fmt == "csv" else _jsonl_rows(path))


def import_file(service, path: Path, *, queue: Queue | None = None, fmt: str | None = None,
                platform: str | None = None, submitted_by: str | None = None, progress=None, report=print) -> dict:
    """Queue every good row of an export; bad rows are reported ("line N: ...") and skipped.

    Each row is stored in its own transaction, so a bad row or a crash loses nothing already stored, and
    a comment already queued (same address or time) is not queued twice: re-running an import is safe.
    """
    queue = queue or default_queue()
    counts = {"rows": 0, "added": 0, "duplicates": 0, "errors": 0}
    for line, row in read_rows(path, fmt):
        counts["rows"] += 1
        try:
            if isinstance(row, InputError):
                raise row
            comment = validate_comment(row, default_platform=platform)
            triage = service.run(service.triage(comment["text"], "public_comment"))
            _, new = queue.add(comment, triage, source="import", submitted_by=submitted_by)
            counts["added" if new else "duplicates"] += 1
        except InputError as exc:
            counts["errors"] += 1
            report(f"line {line}: {exc}")
        if progress:
            progress()
    return counts


# ---------------------------------------------------------------- command line

def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def cmd_import(args) -> int:
    from bot.cli import load_service, paint, progress_bar, say

    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f"Input file not found: {args.file}")
    if args.platform:
        try:
            normal_platform(args.platform)
        except InputError as exc:
            raise SystemExit(f"--platform: {exc}")
    service = load_service(args)
    queue = default_queue()
    total = len(read_rows(path, args.format))
    bar = progress_bar(total, f"Importing {path.name}")

    def report(text: str) -> None:
        bar.write(paint(text, "red"), file=sys.stderr)

    try:
        counts = import_file(service, path, queue=queue, fmt=args.format, platform=args.platform,
                             submitted_by=_operator(), progress=lambda: bar.update(1), report=report)
    finally:
        bar.close()
    say(paint(f"{counts['added']} comment(s) added to the review queue, {counts['duplicates']} already there, "
              f"{counts['errors']} bad row(s) skipped", "red" if counts["errors"] else "green"))
    return 1 if counts["errors"] else 0


def _read_password(args) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("No terminal to ask for the password on: use --password-stdin.")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("The same password again: ") != first:
        raise SystemExit("The passwords differ; nothing changed.")
    return first


def cmd_user_add(args) -> int:
    from bot.cli import say

    queue = default_queue()
    try:
        user = auth.add_user(queue.engine, args.name, args.role, _read_password(args))
    except auth.AuthError as exc:
        raise SystemExit(f"Cannot add the user: {exc}.")
    queue.record_event(_operator(), "user_add", {"name": user.name, "role": user.role})
    say(f"Added {user.name} ({user.role}). They sign in at /review.")
    return 0


def cmd_user_token(args) -> int:
    from bot.cli import say

    queue = default_queue()
    try:
        user, token = auth.issue_token(queue.engine, args.name)
    except auth.AuthError as exc:
        raise SystemExit(f"Cannot issue a token: {exc}.")
    queue.record_event(_operator(), "user_token", {"name": user.name})
    print(token)
    say(f"An API token for {user.name} ({user.role}); send it as 'Authorization: Bearer <token>'. "
        f"It is shown only now; their earlier token no longer works.")
    return 0


def cmd_user_disable(args) -> int:
    from bot.cli import say

    queue = default_queue()
    try:
        user = auth.disable_user(queue.engine, args.name)
    except auth.AuthError as exc:
        raise SystemExit(f"Cannot disable the user: {exc}.")
    queue.record_event(_operator(), "user_disable", {"name": user.name})
    say(f"{user.name} can no longer sign in; their sessions and API token have ended.")
    return 0


def cmd_user_list(args) -> int:
    for u in auth.list_users(default_queue().engine, active_only=not args.all):
        print(f"{u['name']}\t{u['role']}\t{'active' if u['active'] else 'disabled'}")
    return 0


def add_cli(subparsers) -> None:
    """`sendiass import FILE` and `sendiass user add|token|disable|list` (called from bot/cli.py)."""
    s = subparsers.add_parser("import", help="queue public comments exported from a page (CSV or JSON lines)",
                              description="Triage each comment, suggest the approved reply, check it with the guard "
                                          "and queue it for review. Bad rows are reported and skipped (exit 1).")
    s.add_argument("file", help="a CSV with a header (platform, author, text, url, received_at) or JSON lines")
    s.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file name or its first byte")
    s.add_argument("--platform", help="the platform of rows that don't name one (facebook, x, youtube)")
    s.add_argument("--model", help="a trained model (.tar.gz); default: the newest, trained if needed")
    s.set_defaults(func=cmd_import)

    u = subparsers.add_parser("user", help="staff accounts for the review page and API")
    users = u.add_subparsers(dest="user_command", required=True)
    a = users.add_parser("add", help="add a staff account (the password is asked for)")
    a.add_argument("name", help="the sign-in name, e.g. priya.shah")
    a.add_argument("--role", required=True, choices=auth.ROLES, help="approver: a line manager who approves replies")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(func=cmd_user_add)
    t = users.add_parser("token", help="issue an API token (Authorization: Bearer) for a user; replaces their old one")
    t.add_argument("name")
    t.set_defaults(func=cmd_user_token)
    d = users.add_parser("disable", help="stop a user signing in; ends their sessions and API token")
    d.add_argument("name")
    d.set_defaults(func=cmd_user_disable)
    ls = users.add_parser("list", help="list staff accounts")
    ls.add_argument("--all", action="store_true", help="include disabled accounts")
    ls.set_defaults(func=cmd_user_list)
