"""The review queue (bot/review.py) on the real model, on SQLite and on PostgreSQL: intake, every state
transition and every refused one, the two-person rule, override reasons, the append-only audit trail.

PostgreSQL: 127.0.0.1:5432, trust auth; the module gets a fresh, empty database of its own
(tests/conftest.py: pg_database) and each test a schema in it (SENDIASS_DATABASE_URL
...?options=-csearch_path=<schema>), dropped afterwards. When it is unreachable the PostgreSQL cases FAIL
under CI=true and are skipped on a laptop.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot import auth, review
from bot.profile import load_profile
from bot.review import Conflict, Forbidden, Queue, ReviewError
from bot.store import Store
from bot.triage import InputError

PASSWORD = "a long enough passphrase"

DISCLOSURE = ("My daughter Evie is 9 and at Eyres Monsell Primary, they still haven't put her 1:1 support in "
              "place. What can I do?")
SAFEGUARDING = "My ex keeps turning up drunk and hitting the kids when they stay at his. I don't know who to tell"
COMPLAINT = ("I left three voicemails for SENDIASS last month and nobody ever called me back. Really disappointed "
             "with your service.")
QUESTION = "Is your service free for parents?"
OFF_TOPIC = "can anyone recommend a good plumber in Wigston? my boiler is broken again"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def queue(request, tmp_path, monkeypatch):
    """A fresh review queue on SQLite (a file in tmp) or PostgreSQL (a schema of its own, dropped after)."""
    monkeypatch.setenv("SENDIASS_VAR", str(tmp_path))
    monkeypatch.delenv("SENDIASS_TWO_PERSON_RULE", raising=False)
    if request.param == "sqlite":
        monkeypatch.delenv("SENDIASS_DATABASE_URL", raising=False)
        q = Queue(Store())
        yield q
        q.engine.dispose()
        return
    base = request.getfixturevalue("pg_database")
    schema = f"sr_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    url = f"{base}?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("SENDIASS_DATABASE_URL", url)  # the same code path as production: only the URL differs
    q = Queue(Store())
    try:
        with q.engine.connect() as conn:
            assert conn.execute(sa.text("select current_schema()")).scalar() == schema
        yield q
    finally:
        q.engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture()
def people(queue):
    return {name: auth.add_user(queue.engine, name, role, PASSWORD)
            for name, role in (("amira", "staff"), ("priya", "approver"), ("omar", "approver"))}


def take_in(service, queue, text, platform="facebook", author="Dawn Patel", **kwargs):
    item = service.run(review.intake(service, platform=platform, author=author, text=text, queue=queue,
                                     **{"source": "api", "submitted_by": "amira", **kwargs}))
    assert item["state"] == "pending" and item["version"] == 1
    return item


def actions(queue, item) -> list[tuple]:
    return [(h["action"], h["actor"], h["to_state"]) for h in queue.history(item["id"])]


# ---------------------------------------------------------------- intake

def test_intake_triages_suggests_checks_and_audits(queue, service, people):
    item = take_in(service, queue, DISCLOSURE, url="https://www.facebook.com/SENDIASSLeicester/posts/1?comment_id=9",
                   received_at="2026-11-24T18:05:00Z")
    assert item["route"] == "redirect_private" and item["flags"]["disclosure"] is True
    assert item["received_at"] == "2026-11-24T18:05:00+00:00"
    # the suggestion is the library's text, unchanged, with the service's own contact details only
    assert item["reply"] == item["suggested_reply"] and item["reply_id"].startswith("redirect.")
    assert load_profile().phone in item["reply"] and "Evie" not in item["reply"]
    assert item["guard"]["ok"] is True and item["edited"] is False and item["ready_to_post"] is False
    # the detector's spans point into the comment (the page highlights them)
    spans = {DISCLOSURE[d["start"]:d["end"]] for d in item["detections"]}
    assert "Evie" in spans
    [entry] = queue.history(item["id"])
    assert entry["action"] == "intake" and entry["actor"] == "amira" and entry["to_state"] == "pending"
    assert entry["guard_ok"] is True and entry["reply_text"] == item["reply"]

    # the same comment (same address) is queued once
    again = take_in(service, queue, DISCLOSURE, url="https://www.facebook.com/SENDIASSLeicester/posts/1?comment_id=9",
                    received_at="2026-11-24T18:05:00Z")
    assert again["id"] == item["id"] and again["duplicate"] is True
    assert len(queue.list(status="all")) == 1


def test_a_route_without_a_library_reply_needs_a_written_one(queue, service, people):
    item = take_in(service, queue, OFF_TOPIC)
    assert item["route"] == "handoff" and item["suggested_reply"] is None and item["reply"] == ""
    assert item["guard"]["ok"] is False and "no approved reply" in item["guard"]["note"].lower()
    with pytest.raises(ReviewError, match="no reply to approve"):
        queue.approve(item["id"], "priya")
    written = queue.edit(item["id"], "amira", "Thanks for your message. We can only help with special educational "
                                              "needs and disabilities, so we can't recommend local trades, sorry.")
    assert written["guard"]["ok"] is True, written["guard"]
    assert queue.approve(written["id"], "priya")["state"] == "edited_approved"


def test_bad_comments_are_refused_with_a_reason():
    good = {"platform": "Twitter", "author": "@leicsmum", "text": "Is your service free?"}
    assert review.validate_comment(good)["platform"] == "x"
    cases = {
        "platform": ({**good, "platform": "myspace"}, "unknown platform"),
        "no platform": ({**good, "platform": None}, "'platform' is missing"),
        "no author": ({**good, "author": " "}, "'author' is missing"),
        "no text": ({**good, "text": ""}, "'text' is missing"),
        "huge": ({**good, "text": "a" * 10_001}, "the limit is 10,000"),
        "binary": ({**good, "text": "hi\x00there"}, "binary data"),
        "url": ({**good, "url": "javascript:alert(1)"}, "'url' must be"),
        "time": ({**good, "received_at": "last Tuesday"}, "not a time"),
        "future": ({**good, "received_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()}, "future"),
        "not an object": (["hi"], "JSON object"),
    }
    for name, (obj, message) in cases.items():
        with pytest.raises(InputError, match=message):
            review.validate_comment(obj)
            pytest.fail(name)


# ---------------------------------------------------------------- transitions

def test_unedited_reply_approved_by_an_approver(queue, service, people):
    item = take_in(service, queue, QUESTION, platform="youtube", author="Sam K")
    with pytest.raises(Forbidden, match="only an approver"):
        queue.approve(item["id"], "amira")  # staff may not approve
    done = queue.approve(item["id"], "priya", version=item["version"])
    assert done["state"] == "approved" and done["ready_to_post"] and done["decided_by"] == "priya"
    assert done["first_decision_at"] and done["override_reason"] is None
    assert actions(queue, item) == [("intake", "amira", "pending"), ("approve", "priya", "approved")]
    # a decided item is final
    for act in (lambda: queue.edit(item["id"], "amira", "Changed my mind."), lambda: queue.reject(item["id"], "amira"),
                lambda: queue.hand_off(item["id"], "amira", "omar"), lambda: queue.approve(item["id"], "omar")):
        with pytest.raises(Conflict, match="already approved"):
            act()


def test_edit_then_approval_by_someone_else(queue, service, people):
    item = take_in(service, queue, COMPLAINT)
    assert item["route"] == "complaint"
    text = (item["reply"] + " Thank you for your patience.")
    edited = queue.edit(item["id"], "amira", text, version=1)
    assert edited["state"] == "pending" and edited["edited"] and edited["reply"] == text
    assert edited["suggested_reply"] == item["suggested_reply"] and edited["guard"]["ok"] is True
    with pytest.raises(ReviewError, match="unchanged"):
        queue.edit(item["id"], "amira", text)
    with pytest.raises(Conflict, match="changed this item"):
        queue.approve(item["id"], "priya", version=1)  # a stale page
    done = queue.approve(item["id"], "priya", version=edited["version"])
    assert done["state"] == "edited_approved" and done["reply"] == text
    trail = queue.history(item["id"])
    assert [(h["action"], h["actor"]) for h in trail] == [("intake", "amira"), ("edit", "amira"), ("approve", "priya")]
    assert trail[1]["reply_text"] == text and trail[1]["guard"]["ok"] is True
    assert trail[2]["details"] == {"authors": ["amira"]}


def test_two_person_rule(queue, service, people, monkeypatch):
    item = take_in(service, queue, QUESTION)
    edited = queue.edit(item["id"], "priya", item["reply"] + " We're here to help.")
    with pytest.raises(Forbidden, match="two-person rule"):
        queue.approve(item["id"], "priya")
    assert queue.get(item["id"])["state"] == "pending"
    assert queue.approve(item["id"], "omar", version=edited["version"])["state"] == "edited_approved"

    # a staff member who asked for the draft (Telegram /draft) counts as its author too
    drafted = take_in(service, queue, COMPLAINT, source="telegram", submitted_by="telegram:omar", drafted_by="Omar")
    with pytest.raises(Forbidden, match="two-person rule"):
        queue.approve(drafted["id"], "omar")
    assert queue.approve(drafted["id"], "priya")["state"] == "approved"

    # the rule is a setting (default on)
    monkeypatch.setenv("SENDIASS_TWO_PERSON_RULE", "off")
    own = take_in(service, queue, QUESTION, author="Lee")
    queue.edit(own["id"], "priya", own["reply"] + " Thanks for asking.")
    assert queue.approve(own["id"], "priya")["state"] == "edited_approved"


def test_a_failing_edit_needs_a_recorded_override_reason(queue, service, people):
    item = take_in(service, queue, DISCLOSURE)
    bad = queue.edit(item["id"], "amira", "Hi, we'll make sure Evie gets her 1:1 support by Monday, I promise.")
    assert bad["guard"]["ok"] is False
    assert {"promise", "personal_data"} <= {v["rule"] for v in bad["guard"]["violations"]}
    assert bad["guard"]["suggestion"] and "Evie" not in bad["guard"]["suggestion"]
    with pytest.raises(ReviewError, match="fails the policy guard"):
        queue.approve(item["id"], "priya")
    with pytest.raises(ReviewError, match="at least 10 characters"):
        queue.approve(item["id"], "priya", override_reason="ok")
    assert queue.get(item["id"])["state"] == "pending"
    reason = "Mum asked us to confirm publicly; cleared with the team leader"
    done = queue.approve(item["id"], "priya", override_reason=reason)
    assert done["state"] == "edited_approved" and done["override_reason"] == reason and done["guard"]["ok"] is False
    last = queue.history(item["id"])[-1]
    assert last["action"] == "approve" and last["override_reason"] == reason and last["guard_ok"] is False
    assert {v["rule"] for v in last["guard"]["violations"]} >= {"promise"}


def test_reject_hand_off_and_acknowledge(queue, service, people):
    rejected = queue.reject(take_in(service, queue, QUESTION)["id"], "amira", "Answered by phone already")
    assert rejected["state"] == "rejected" and rejected["decided_by"] == "amira"
    assert queue.history(rejected["id"])[-1]["details"] == {"reason": "Answered by phone already"}

    urgent = take_in(service, queue, SAFEGUARDING, platform="x", author="@anon")
    later = take_in(service, queue, QUESTION, author="Later")
    assert urgent["route"] == "safeguarding" and urgent["needs_acknowledgement"] is True
    assert queue.list()[0]["id"] == urgent["id"]  # safeguarding jumps the queue
    with pytest.raises(ReviewError, match="only safeguarding"):
        queue.acknowledge(later["id"], "amira")
    seen = queue.acknowledge(urgent["id"], "amira")
    assert seen["needs_acknowledgement"] is False and seen["acknowledged_by"] == "amira"
    with pytest.raises(Conflict, match="acknowledged this already"):
        queue.acknowledge(urgent["id"], "omar")

    with pytest.raises(ReviewError, match="no active staff account"):
        queue.hand_off(urgent["id"], "amira", "nobody")
    handed = queue.hand_off(urgent["id"], "amira", "omar", "Please ring the safeguarding lead")
    assert handed["state"] == "handed_off" and handed["assignee"] == "omar"
    # the assignee carries on: writes a reply; someone else approves it
    reply = handed["reply"] + " Thank you for telling us."
    queue.edit(urgent["id"], "omar", reply)
    assert queue.approve(urgent["id"], "priya")["state"] == "edited_approved"
    assert actions(queue, urgent) == [("intake", "amira", "pending"), ("acknowledge", "amira", "pending"),
                                      ("hand_off", "amira", "handed_off"), ("edit", "omar", "handed_off"),
                                      ("approve", "priya", "edited_approved")]

    board = queue.dashboard()
    assert board["per_route"]["safeguarding"] == 1 and board["pending"] == 1  # `later`
    assert board["decided"] == 2 and board["median_first_response_seconds"] is not None
    assert board["unacknowledged_safeguarding"] == 0

    with pytest.raises(Forbidden, match="no active staff account"):
        queue.reject(later["id"], "stranger")
    with pytest.raises(review.NotFound):
        queue.reject(99999, "amira")


def test_audit_is_append_only_and_exported(queue, service, people):
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    item = take_in(service, queue, COMPLAINT)
    queue.edit(item["id"], "amira", item["reply"] + " We're sorry.")
    queue.approve(item["id"], "priya")
    for statement in (review.audit.update().values(actor="someone else"), review.audit.delete()):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), queue.engine.begin() as conn:
            conn.execute(statement)
    rows = review.review_audit_rows(start, queue=queue)
    assert [(r["action"], r["sender"], r["status"]) for r in rows] == [
        ("intake", "amira", "pending"), ("edit", "amira", "pending"), ("approve", "priya", "edited_approved")]
    assert all(r["record"] == "review" and r["channel"] == "facebook" and r["route"] == "complaint" for r in rows)
    assert json.loads(rows[-1]["guard"])["ok"] is True and rows[-1]["guard_ok"] is True
    assert set(review.REVIEW_AUDIT_COLUMNS) <= set(rows[0])
    assert review.review_audit_rows(datetime.now(timezone.utc) + timedelta(minutes=1), queue=queue) == []


def test_two_person_rule_is_per_person_across_linked_accounts(queue, service, people):
    """A web account and its Telegram review account (tg-<id>) belong to one person (bot.auth.link_account):
    an edit made as one of them cannot be approved as the other."""
    auth.add_user(queue.engine, "tg-5550001", "approver", PASSWORD)
    auth.add_user(queue.engine, "tg-5550002", "approver", PASSWORD)
    auth.link_account(queue.engine, "tg-5550001", "priya")
    auth.link_account(queue.engine, "tg-5550002", "omar")
    with queue.engine.connect() as conn:
        assert auth.person_of(conn, "tg-5550001") == "priya" and auth.person_of(conn, "priya") == "priya"

    item = take_in(service, queue, QUESTION, author="Linked")
    edited = queue.edit(item["id"], "priya", item["reply"] + " We're here to help.")
    with pytest.raises(Forbidden, match=r"two-person rule") as refused:
        queue.approve(item["id"], "tg-5550001", version=edited["version"])
    assert "priya, an account of yours" in str(refused.value)
    assert queue.get(item["id"])["state"] == "pending"
    assert queue.approve(item["id"], "tg-5550002", version=edited["version"])["state"] == "edited_approved"

    # a draft asked for in Telegram (drafted_by tg-...) cannot be approved on the web by the same person
    drafted = take_in(service, queue, COMPLAINT, source="telegram", submitted_by="telegram:5550002",
                      drafted_by="tg-5550002")
    with pytest.raises(Forbidden, match="two-person rule"):
        queue.approve(drafted["id"], "omar")
    assert queue.approve(drafted["id"], "priya")["state"] == "approved"


def test_huge_item_ids_are_refused_with_a_reason(queue, people):
    for bad in (2**63, 2**31, 0, -1, "7", True):
        with pytest.raises(ReviewError, match="from 1 to 2,147,483,647"):
            queue.get(bad)
        with pytest.raises(ReviewError, match="from 1 to 2,147,483,647"):
            queue.approve(bad, "priya")
