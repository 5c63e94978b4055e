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
  staff member asking for a draft in Telegram) or edited a reply cannot also approve it. The rule is per
  person: a web account and its linked `tg-` account (bot.auth.person_of) count as one. A library
  suggestion imported or posted through the API has no human drafter.
- Approved replies are "ready to post": a person copies them to the platform. Nothing here posts.
- Safeguarding items sort first and stay highlighted until someone acknowledges them.
- Every change writes one row to `review_audit`: who, when, what, the reply text and the guard's
  verdict at that moment. The table is append-only: this module has no update or delete for it, and
  database triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), and on SQLite an INSERT that
  reuses an id (REPLACE would otherwise delete the old row). Each row carries the SHA-256 of its contents
  and of the row before it (`prev_hash`, `row_hash`), so `sendiass audit verify` (verify_audit) proves
  that no row was changed, removed or slipped in between, whatever the database allowed.
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
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median
from typing import Any, Iterator

import sqlalchemy as sa

from bot import auth, contract, guard
from bot.auth import User, utc
from bot.contract import (MAX_TEXT, PLATFORM_ALIASES, PLATFORMS, InputError, parse_time,  # noqa: F401
                          validate_comment)
from bot.store import Store, database_url, locked_transaction, metadata, now
from bot.triage import ROUTES, iter_lines, parse_line

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
    sa.Column("client", sa.String(64)),                                      # the network address (sign-ins)
    sa.Column("prev_hash", sa.String(64)),                                   # row_hash of the row before
    sa.Column("row_hash", sa.String(64)),                                    # SHA-256 of prev_hash + this row
    sa.Index("ix_review_audit_item", "item_id"),
    sa.Index("ix_review_audit_at", "at"),
)

# Append-only, enforced by the database as well as by this module having no such code path.
# (bot/migrations/versions/ has the same statements for databases made before them.)
_REFUSE = "review_audit is append-only"
_APPEND_ONLY = {
    "sqlite": [f"CREATE TRIGGER review_audit_no_{op.lower()} BEFORE {op} ON review_audit "
               f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END" for op in ("UPDATE", "DELETE")] + [
        # REPLACE INTO / INSERT OR REPLACE with an existing id would delete the old row first.
        "CREATE TRIGGER review_audit_no_reuse BEFORE INSERT ON review_audit "
        "WHEN EXISTS (SELECT 1 FROM review_audit WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}: that id is taken'); END"],
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

def normal_platform(raw: Any) -> str:
    return contract.platform(raw)


def fingerprint(comment: dict) -> str | None:
    """The same comment enters the queue once: platform, author, text and its address or time.

    A row of an export without an address or a time is told apart from identical ones by `occurrence`: it
    is the n-th row of the file with that platform, author and text (bot.review.import_file counts them), so
    running the same import again, after a crash or a fix, finds every row it stored. Anything else without
    an address or a time (an API post, a Telegram /draft) has no fingerprint: each is queued."""
    when = comment["received_at"].astimezone(timezone.utc).isoformat() if comment.get("received_at") else ""
    parts = [comment["platform"], comment["author"], comment["text"], comment.get("url") or "", when]
    if not comment.get("url") and not when:
        if not comment.get("occurrence"):
            return None
        parts.append(f"#{comment['occurrence']}")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


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
        contract.plain_text("reply", text)
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
    try:
        contract.plain_text(name, value)
    except InputError as exc:
        raise ReviewError(str(exc))
    return value or None


def _item_id(item_id: Any) -> int:
    try:
        return contract.record_id(item_id)
    except InputError as exc:
        raise ReviewError(str(exc))


# ---------------------------------------------------------------- the audit trail: append-only, hash-chained

AUDIT_FIELDS = ("at", "item_id", "actor", "action", "from_state", "to_state", "reply_text", "guard_ok", "guard",
                "override_reason", "details", "client")
SIGN_IN_FAILED = "sign_in_failed"
APPROVER_ONLY_ACTIONS = (SIGN_IN_FAILED,)  # what typed into a sign-in form is shown to approvers only


def audit_hash(prev_hash: str | None, row) -> str:
    """SHA-256 of the row before's hash and this row's contents (a canonical JSON of AUDIT_FIELDS)."""
    fields = {}
    for name in AUDIT_FIELDS:
        value = row[name]
        if name == "at":
            value = utc(value).astimezone(timezone.utc).isoformat(timespec="microseconds")
        fields[name] = value
    blob = json.dumps([prev_hash, fields], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def append_audit(conn, **values) -> None:
    """Add one audit row chained to the latest one. `conn` must be in a locked_transaction(engine, "audit"):
    the lock makes "the latest row" the one this row follows, across processes and replicas."""
    row = {name: values.get(name) for name in AUDIT_FIELDS}
    row["at"] = row["at"] or now()
    row["actor"] = (row["actor"] or "-")[:60]
    prev = conn.execute(sa.select(audit.c.row_hash).order_by(audit.c.id.desc()).limit(1)).scalar()
    conn.execute(audit.insert().values(**row, prev_hash=prev, row_hash=audit_hash(prev, row)))


def audit_transaction(engine):
    return locked_transaction(engine, "audit")


@dataclass
class AuditCheck:
    rows: int
    broken_id: int | None = None
    problem: str | None = None
    last_hash: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None and self.problem is None


def verify_audit(engine) -> AuditCheck:
    """Walk the trail in id order: each row must follow the one before (prev_hash) and hash to row_hash."""
    prev_id, prev_hash, count = None, None, 0
    q = sa.select(audit).order_by(audit.c.id)
    with engine.connect() as conn:
        for row in conn.execution_options(stream_results=True, yield_per=1000).execute(q):
            r = row._mapping
            count += 1
            if r["row_hash"] is None:
                return AuditCheck(count - 1, r["id"], f"row {r['id']} has no hash (written outside Safe Replies)")
            if r["prev_hash"] != prev_hash:
                where = f"row {prev_id}" if prev_id is not None else "the start of the trail"
                return AuditCheck(count - 1, r["id"], f"row {r['id']} does not follow {where}: a row was removed "
                                                      f"or inserted there")
            if audit_hash(r["prev_hash"], r) != r["row_hash"]:
                return AuditCheck(count - 1, r["id"], f"row {r['id']} was changed after it was written")
            prev_id, prev_hash = r["id"], r["row_hash"]
    return AuditCheck(count, last_hash=prev_hash)


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
        self.store = store or Store()  # its schema step (bot.store.ensure_schema) made the review tables
        self.engine = self.store.engine

    # ------------------------------------------------------------ people

    def user(self, user: User | str) -> User:
        if isinstance(user, User):
            return user
        found = auth.get_user(self.engine, user)
        if found is None:
            raise Forbidden(f"no active staff account called {auth.normal_name(user)!r}")
        return found

    def record_event(self, actor: str, action: str, details: dict | None = None, item_id: int | None = None,
                     client: str | None = None) -> None:
        """An audit row that is not a change of an item (accounts, sign-ins)."""
        with audit_transaction(self.engine) as conn:
            append_audit(conn, item_id=item_id, actor=actor, action=action,
                         details=_json(details) if details else None, client=(client or None) and client[:64])

    def record_failed_sign_in(self, typed_name: str, client: str | None) -> str:
        """A failed sign-in, under the account's name or a keyed hash of an unknown one (bot.auth.failure_name)."""
        actor = auth.failure_name(self.engine, typed_name)
        self.record_event(actor, SIGN_IN_FAILED, client=client)
        return actor

    def failed_sign_ins(self, name: str | None = None, *, client: str | None = None, minutes: int = 15) -> int:
        """Failed sign-ins in the last minutes for a typed name (as recorded), or from a network address."""
        q = sa.select(sa.func.count()).select_from(audit).where(
            audit.c.action == SIGN_IN_FAILED, audit.c.at >= now() - timedelta(minutes=minutes))
        if name is not None:
            q = q.where(audit.c.actor == auth.failure_name(self.engine, name))
        if client is not None:
            q = q.where(audit.c.client == client[:64])
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
            with audit_transaction(self.engine) as conn:
                item_id = conn.execute(items.insert().values(**row)).inserted_primary_key[0]
                append_audit(
                    conn, item_id=item_id, actor=submitted_by or source, action="intake",
                    to_state="pending", reply_text=row["reply_text"], guard_ok=verdict["ok"], guard=row["guard"],
                    details=_json({"source": source, "platform": comment["platform"], "route": triage.route}),
                )
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
        item_id = _item_id(item_id)
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
        item_id = _item_id(item_id)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(audit).where(audit.c.item_id == item_id).order_by(audit.c.id))
            return [audit_dict(r) for r in rows]

    def recent_audit(self, limit: int = 200, *, approver: bool = False) -> list[dict]:
        """The latest audit rows, newest first; failed sign-ins only for approvers."""
        q = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
        if not approver:
            q = q.where(audit.c.action.notin_(APPROVER_ONLY_ACTIONS))
        with self.engine.connect() as conn:
            return [audit_dict(r) for r in conn.execute(q)]

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
        item_id = _item_id(item_id)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(items).where(items.c.id == item_id)).first()
        if row is None:
            raise NotFound(f"there is no item {item_id}")
        return self.verdict(row, text)

    # ------------------------------------------------------------ changes

    def _authors(self, conn, row) -> set[str]:
        """Every account that drafted or edited this item's reply."""
        editors = conn.execute(sa.select(audit.c.actor).where(audit.c.item_id == row.id,
                                                               audit.c.action == "edit")).scalars()
        return {*editors, *([row.drafted_by] if row.drafted_by else [])}

    def _change(self, item_id: int, user: User | str, action: str, decide, version: int | None) -> dict:
        item_id = _item_id(item_id)
        user = self.user(user)
        with audit_transaction(self.engine) as conn:
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
            append_audit(
                conn, item_id=item_id, actor=user.name, action=action, from_state=row.state,
                to_state=values.get("state", row.state), reply_text=values.get("reply_text", row.reply_text),
                guard_ok=verdict["ok"], guard=_json(verdict), override_reason=change.override_reason,
                details=_json(change.details) if change.details else None,
            )
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
            me = auth.person_of(conn, user.name)
            mine = sorted(a for a in authors if auth.person_of(conn, a) == me)
            if two_person_rule() and mine:
                via = "" if mine == [user.name] else f" (as {', '.join(mine)}, an account of yours)"
                raise Forbidden(f"you drafted or edited this reply{via}, so under the two-person rule another "
                                f"approver must approve it")
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
    # surrogateescape: a row with bytes that are not UTF-8 is reported (bot.contract.plain_text), not fatal.
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
    every row has a fingerprint (`fingerprint`: its address or time, or else which occurrence of that
    platform, author and text in the file it is), so a row already queued is not queued twice: re-running
    an import, after a crash or after fixing bad rows, is safe.
    """
    queue = queue or default_queue()
    counts = {"rows": 0, "added": 0, "duplicates": 0, "errors": 0}
    seen: Counter = Counter()
    for line, row in read_rows(path, fmt):
        counts["rows"] += 1
        try:
            if isinstance(row, InputError):
                raise row
            comment = validate_comment(row, default_platform=platform)
            if not comment["url"] and not comment["received_at"]:
                key = (comment["platform"], comment["author"], comment["text"])
                seen[key] += 1
                comment["occurrence"] = seen[key]
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
            contract.platform(args.platform)
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
    if args.person and auth.get_user(queue.engine, args.person, active_only=False) is None:
        raise SystemExit(f"Cannot add the user: no user called {auth.normal_name(args.person)} to link to.")
    try:
        user = auth.add_user(queue.engine, args.name, args.role, _read_password(args))
    except auth.AuthError as exc:
        raise SystemExit(f"Cannot add the user: {exc}.")
    queue.record_event(_operator(), "user_add", {"name": user.name, "role": user.role})
    say(f"Added {user.name} ({user.role}). They sign in at /review.")
    if args.person:
        return _link(queue, user.name, args.person)
    return 0


def _link(queue: Queue, name: str, person: str) -> int:
    from bot.cli import say

    try:
        account, owner = auth.link_account(queue.engine, name, person)
    except auth.AuthError as exc:
        raise SystemExit(f"Cannot link the accounts: {exc}.")
    queue.record_event(_operator(), "user_link", {"name": account.name, "person": owner})
    say(f"{account.name} belongs to {owner}: under the two-person rule they count as one person.")
    return 0


def cmd_user_link(args) -> int:
    return _link(default_queue(), args.name, args.person)


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
        linked = f"\tperson {u['person']}" if u["person"] != u["name"] else ""
        print(f"{u['name']}\t{u['role']}\t{'active' if u['active'] else 'disabled'}{linked}")
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
    a.add_argument("--person", metavar="ACCOUNT",
                   help="the same person's main account (e.g. for tg-12345: priya.shah); see `user link`")
    a.set_defaults(func=cmd_user_add)
    k = users.add_parser("link", help="record that two accounts (e.g. a web account and its tg- account) belong "
                                      "to one person: the two-person rule then counts them as one")
    k.add_argument("name", help="the extra account, e.g. tg-12345")
    k.add_argument("person", help="the person's main account, e.g. priya.shah")
    k.set_defaults(func=cmd_user_link)
    t = users.add_parser("token", help="issue an API token (Authorization: Bearer) for a user; replaces their old one")
    t.add_argument("name")
    t.set_defaults(func=cmd_user_token)
    d = users.add_parser("disable", help="stop a user signing in; ends their sessions and API token")
    d.add_argument("name")
    d.set_defaults(func=cmd_user_disable)
    ls = users.add_parser("list", help="list staff accounts")
    ls.add_argument("--all", action="store_true", help="include disabled accounts")
    ls.set_defaults(func=cmd_user_list)
