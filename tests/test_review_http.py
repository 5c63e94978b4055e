"""The review page and API over real HTTP against `sendiass serve` (the session's server fixture): sign-in,
sessions, CSRF, API tokens, intake through POST /api/comments, and every transition and refusal."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa

from tests.review_support import Client, add_user, issue_token, login_form_token, sign_in

PASSWORD = {"http.amira": "amira's long passphrase", "http.priya": "priya's long passphrase",
            "http.omar": "omar's long passphrase"}

COMMENTS = {
    "question": {"platform": "facebook", "author": "Sam Kaur", "text": "Is your service free for parents?"},
    "disclosure": {"platform": "facebook", "author": "Dawn Patel",
                   "text": "My daughter Evie is 9 and at Eyres Monsell Primary, they still haven't put her 1:1 "
                           "support in place. What can I do?"},
    "complaint": {"platform": "twitter", "author": "@leicsdad",
                  "text": "I left three voicemails for SENDIASS last month and nobody ever called me back. Really "
                          "disappointed with your service."},
    "safeguarding": {"platform": "youtube", "author": "anon2201",
                     "text": "My ex keeps turning up drunk and hitting the kids when they stay at his. I don't know "
                             "who to tell"},
}


@pytest.fixture(scope="module")
def site(server):
    for name, role in (("http.amira", "staff"), ("http.priya", "approver"), ("http.omar", "approver")):
        add_user(server["home"], name, role, PASSWORD[name])
    return server


@pytest.fixture(scope="module")
def amira(site):
    return sign_in(site["url"], "http.amira", PASSWORD["http.amira"])


@pytest.fixture(scope="module")
def priya(site):
    return sign_in(site["url"], "http.priya", PASSWORD["http.priya"])


@pytest.fixture(scope="module")
def omar(site):
    return sign_in(site["url"], "http.omar", PASSWORD["http.omar"])


def queued(client: Client, kind: str, **extra) -> dict:
    r = client.post_json("/api/comments", {**COMMENTS[kind], **extra})
    assert r.status_code == 201, r.text
    return r.json()


def db(site):
    return sa.create_engine(f"sqlite:///{site['home'] / 'sendiass.db'}")


# ---------------------------------------------------------------- signing in

def test_nothing_readable_without_signing_in_except_health(site):
    base = site["url"]
    assert requests.get(f"{base}/health", timeout=10).status_code == 200
    page = requests.get(f"{base}/review", allow_redirects=False, timeout=10)
    assert page.status_code == 303 and page.headers["location"].endswith("/review/login")
    for path in ("/api/review/me", "/api/review/items", "/api/review/items/1", "/api/review/dashboard",
                 "/api/review/audit", "/api/review/users"):
        r = requests.get(base + path, timeout=10)
        assert r.status_code == 401 and r.json()["error"] == "sign in first", path
    for path, body in (("/api/comments", COMMENTS["question"]), ("/api/review/items/1/approve", {}),
                       ("/api/review/check", {"item_id": 1, "text": "hello"}), ("/review/logout", None)):
        r = requests.post(base + path, json=body, timeout=10)
        assert r.status_code == 401, path
    # the existing API is unchanged: no sign-in (README)
    assert requests.post(f"{base}/api/check", json={"reply": "Thanks!"}, timeout=30).json()["ok"] is True
    assert requests.post(f"{base}/api/triage", json={"text": "thank you!"}, timeout=30).status_code == 200
    # the script and style sheet carry no data
    js = requests.get(f"{base}/review/static/review.js", timeout=10)
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert requests.get(f"{base}/review/static/../server.py", timeout=10).status_code == 404


def test_sign_in_sessions_and_sign_out(site):
    base = site["url"]
    client = requests.Session()
    token = login_form_token(client, base)
    wrong = client.post(f"{base}/review/login", data={"name": "http.priya", "password": "not it at all",
                                                      "csrf_token": token}, allow_redirects=False, timeout=30)
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    unknown = client.post(f"{base}/review/login", data={"name": "nobody", "password": "whatever it is",
                                                        "csrf_token": login_form_token(client, base)}, timeout=30)
    assert unknown.status_code == 401 and "Wrong name or password" in unknown.text
    # the sign-in form itself is protected against cross-site posting
    forged = requests.post(f"{base}/review/login", data={"name": "http.priya", "password": PASSWORD["http.priya"],
                                                         "csrf_token": "guess"}, allow_redirects=False, timeout=30)
    assert forged.status_code == 403 and "sr_session" not in forged.headers.get("set-cookie", "")

    ok = client.post(f"{base}/review/login", data={"name": "HTTP.Priya", "password": PASSWORD["http.priya"],
                                                   "csrf_token": login_form_token(client, base)},
                     allow_redirects=False, timeout=30)
    assert ok.status_code == 303
    cookie = next(c for c in ok.raw.headers.getlist("Set-Cookie") if c.startswith("sr_session="))
    attrs = {a.strip().lower() for a in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= attrs
    assert 8 * 3600 - 60 <= int(next(a for a in attrs if a.startswith("max-age="))[8:]) <= 8 * 3600
    me = client.get(f"{base}/api/review/me", timeout=10).json()
    assert me["name"] == "http.priya" and me["role"] == "approver" and me["two_person_rule"] is True
    page = client.get(f"{base}/review", timeout=10)
    assert page.status_code == 200 and "/review/static/review.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"

    out = client.post(f"{base}/review/logout", headers={"X-CSRF-Token": me["csrf"]}, allow_redirects=False, timeout=10)
    assert out.status_code == 303
    client.cookies.set("sr_session", cookie.split(";")[0].split("=", 1)[1])  # even if the cookie were kept
    assert client.get(f"{base}/api/review/me", timeout=10).status_code == 401
    with db(site).connect() as conn:
        events = [r[0] for r in conn.execute(sa.text(
            "select action from review_audit where actor = 'http.priya' order by id"))]
        unknown = conn.execute(sa.text("select count(*) from review_audit where actor = 'nobody'")).scalar()
    assert events[:3] == ["sign_in_failed", "sign_in", "sign_out"]
    assert unknown == 0  # a name with no account is recorded only as a keyed hash (test_review_hardening)


def test_repeated_wrong_passwords_block_the_name(site):
    base, client = site["url"], requests.Session()
    add_user(site["home"], "http.locked", "staff", "the right passphrase")
    for _ in range(5):
        r = client.post(f"{base}/review/login", data={"name": "http.locked", "password": "a wrong guess",
                                                      "csrf_token": login_form_token(client, base)}, timeout=30)
        assert r.status_code == 401
    r = client.post(f"{base}/review/login", data={"name": "http.locked", "password": "the right passphrase",
                                                  "csrf_token": login_form_token(client, base)}, timeout=30)
    assert r.status_code == 429 and "Too many failed attempts" in r.text


def test_expired_session(site):
    client = sign_in(site["url"], "http.omar", PASSWORD["http.omar"])
    digest = hashlib.sha256(client.cookies["sr_session"].encode()).hexdigest()
    with db(site).begin() as conn:
        conn.execute(sa.text("update review_sessions set expires_at = :t where id = :id"),
                     {"t": datetime.now(timezone.utc) - timedelta(minutes=1), "id": digest})
    r = client.get_json("/api/review/items")
    assert r.status_code == 401 and "expired" in r.json()["error"]
    assert client.post_json("/api/comments", COMMENTS["question"]).status_code == 401
    page = client.get(site["url"] + "/review", allow_redirects=False, timeout=10)
    assert page.status_code == 303 and page.headers["location"].endswith("/review/login?expired=1")
    assert "expired" in client.get(page.headers["location"] if page.headers["location"].startswith("http")
                                   else site["url"] + page.headers["location"], timeout=10).text


def test_every_post_needs_the_sessions_csrf_token(site, amira, priya):
    item = queued(amira, "question", author="CSRF check")
    for name, token in (("missing", None), ("wrong", "not-the-token"), ("another session's", priya.csrf)):
        for path, body in (("/api/comments", COMMENTS["question"]), (f"/api/review/items/{item['id']}/reject", {}),
                           ("/api/review/check", {"item_id": item["id"], "text": "Hello"})):
            r = amira.post_json(path, body, csrf=token)
            assert r.status_code == 403 and "CSRF" in r.json()["error"], (name, path, r.status_code)
    r = priya.post_json(f"/api/review/items/{item['id']}/approve", {}, csrf=None)
    assert r.status_code == 403
    assert amira.get_json(f"/api/review/items/{item['id']}").json()["item"]["state"] == "pending"
    assert amira.post(site["url"] + "/review/logout", allow_redirects=False, timeout=10).status_code == 403
    # and no other site may read the API with the signed-in cookie (no CORS grant)
    read = amira.get_json("/api/review/me", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in read.headers}


def test_api_tokens(site):
    token = issue_token(site["home"], "http.amira")
    r = requests.post(f"{site['url']}/api/comments", json=COMMENTS["question"], timeout=60,
                      headers={"Authorization": f"Bearer {token}"})  # no cookie, so no CSRF token either
    assert r.status_code == 201 and r.json()["submitted_by"] == "http.amira"
    bad = requests.get(f"{site['url']}/api/review/items", headers={"Authorization": "Bearer sr_guess"}, timeout=10)
    assert bad.status_code == 401 and "token" in bad.json()["error"]
    newer = issue_token(site["home"], "http.amira")
    old = requests.get(f"{site['url']}/api/review/items", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert old.status_code == 401
    assert requests.get(f"{site['url']}/api/review/items", headers={"Authorization": f"Bearer {newer}"},
                        timeout=10).status_code == 200


# ---------------------------------------------------------------- intake

def test_intake_over_http(site, amira):
    item = queued(amira, "disclosure", url="https://www.facebook.com/SENDIASSLeicester/posts/77?comment_id=5",
                  received_at="2026-11-24T18:05:00Z")
    assert item["route"] == "redirect_private" and item["platform"] == "facebook" and item["state"] == "pending"
    assert item["guard"]["ok"] is True and "Evie" not in item["reply"]
    assert any(COMMENTS["disclosure"]["text"][d["start"]:d["end"]] == "Evie" for d in item["detections"])
    again = amira.post_json("/api/comments", {**COMMENTS["disclosure"], "received_at": "2026-11-24T18:05:00Z",
                                              "url": "https://www.facebook.com/SENDIASSLeicester/posts/77?comment_id=5"})
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["id"] == item["id"]
    before = len(amira.get_json("/api/review/items?status=all").json()["items"])
    for body in ({**COMMENTS["question"], "platform": "myspace"}, {**COMMENTS["question"], "author": ""},
                 {"platform": "x", "author": "a"}, {**COMMENTS["question"], "text": "x" * 10_001}, ["not", "an object"]):
        r = amira.post_json("/api/comments", body)
        assert r.status_code == 400 and r.json()["error"], body
    r = amira.post(site["url"] + "/api/comments", data=b"\xff\xfe\x00", timeout=10,
                   headers={"X-CSRF-Token": amira.csrf})
    assert r.status_code == 400
    assert len(amira.get_json("/api/review/items?status=all").json()["items"]) == before


# ---------------------------------------------------------------- review

def test_edit_checked_live_then_approved_by_someone_else(site, amira, priya):
    item = queued(amira, "disclosure", author="Live check")
    bad_text = "Hi, we'll make sure Evie gets her 1:1 support by Monday, I promise."
    verdict = amira.post_json("/api/review/check", {"item_id": item["id"], "text": bad_text}).json()
    assert verdict["ok"] is False and {"promise", "personal_data"} <= {v["rule"] for v in verdict["violations"]}
    for v in verdict["violations"]:
        assert bad_text[v["start"]:v["end"]] == v["evidence"] and v["message"]
    assert verdict["suggestion"] and "Evie" not in verdict["suggestion"]
    assert amira.post_json("/api/review/check", {"item_id": item["id"], "text": verdict["suggestion"]}).json()["ok"]
    assert amira.get_json(f"/api/review/items/{item['id']}").json()["item"]["version"] == 1  # checking changes nothing

    edited = amira.act(item, "edit", text=bad_text)
    assert edited.status_code == 200, edited.text
    edited = edited.json()["item"]
    assert edited["guard"]["ok"] is False and edited["state"] == "pending"
    staff = amira.act(edited, "approve", override_reason="I am sure this is fine to post")
    assert staff.status_code == 403 and "approver" in staff.json()["error"]
    no_reason = priya.act(edited, "approve")
    assert no_reason.status_code == 400 and "override reason" in no_reason.json()["error"]
    fixed = amira.act(edited, "edit", text=verdict["suggestion"]).json()["item"]
    assert fixed["guard"]["ok"] is True
    stale = priya.act(edited, "approve")
    assert stale.status_code == 409
    done = priya.act(fixed, "approve")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["item"]["state"] == "edited_approved" and body["item"]["ready_to_post"] is True
    assert [(h["action"], h["actor"], h["guard_ok"]) for h in body["history"]] == [
        ("intake", "http.amira", True), ("edit", "http.amira", False), ("edit", "http.amira", True),
        ("approve", "http.priya", True)]
    again = priya.act(body["item"], "reject")
    assert again.status_code == 409 and "already edited approved" in again.json()["error"]


def test_override_reason_is_recorded(site, amira, omar):
    item = queued(amira, "complaint", author="Override")
    bad = amira.act(item, "edit", text="Sorry about that, we'll call you back tomorrow without fail.").json()["item"]
    assert bad["guard"]["ok"] is False
    done = omar.act(bad, "approve", override_reason="Agreed with the family on the phone; the call is booked")
    assert done.status_code == 200, done.text
    item = done.json()["item"]
    assert item["state"] == "edited_approved" and item["override_reason"].startswith("Agreed with the family")
    last = done.json()["history"][-1]
    assert last["override_reason"] == item["override_reason"] and last["guard_ok"] is False


def test_two_person_rule_over_http(site, amira, priya, omar):
    item = queued(amira, "question", author="Two people")
    edited = priya.act(item, "edit", text=item["reply"] + " Thanks for asking!").json()["item"]
    own = priya.act(edited, "approve")
    assert own.status_code == 403 and "two-person rule" in own.json()["error"]
    assert omar.act(edited, "approve").json()["item"]["state"] == "edited_approved"
    plain = queued(amira, "question", author="Unedited")
    done = priya.act(plain, "approve").json()["item"]
    assert done["state"] == "approved" and done["reply"] == plain["suggested_reply"] and done["ready_to_post"]


def test_reject_hand_off_acknowledge_and_filters(site, amira, priya, omar):
    rejected = amira.act(queued(amira, "question", author="Rejected"), "reject", reason="Duplicate of a DM")
    assert rejected.json()["item"]["state"] == "rejected"
    urgent = queued(amira, "safeguarding")
    assert urgent["route"] == "safeguarding" and urgent["needs_acknowledgement"]
    first = amira.get_json("/api/review/items").json()["items"][0]
    assert first["id"] == urgent["id"]  # safeguarding jumps to the top until acknowledged
    handed = amira.act(urgent, "hand_off", assignee="http.omar", note="Safeguarding lead, please call")
    assert handed.status_code == 200
    handed = handed.json()["item"]
    assert handed["state"] == "handed_off" and handed["assignee"] == "http.omar" and handed["needs_acknowledgement"]
    assert amira.act(handed, "hand_off", assignee="nobody.here").status_code == 400
    seen = omar.act(handed, "acknowledge")
    assert seen.status_code == 200 and seen.json()["item"]["acknowledged_by"] == "http.omar"
    assert omar.act(seen.json()["item"], "acknowledge").status_code == 409
    approved = priya.act(seen.json()["item"], "approve").json()["item"]
    assert approved["state"] == "approved"

    ready = amira.get_json("/api/review/items?status=ready").json()["items"]
    assert ready and all(i["ready_to_post"] for i in ready)
    only = amira.get_json("/api/review/items?route=safeguarding&status=all").json()["items"]
    assert only and {i["route"] for i in only} == {"safeguarding"}
    assert amira.get_json("/api/review/items?route=nonsense").status_code == 400
    assert amira.get_json("/api/review/items?status=nonsense").status_code == 400
    assert amira.get_json("/api/review/items/999999").status_code == 404
    assert amira.post_json("/api/review/items/999999/reject", {}).status_code == 404
    assert amira.post_json(f"/api/review/items/{urgent['id']}/delete", {}).status_code == 404
    assert amira.post_json(f"/api/review/items/{urgent['id']}/edit", {"text": "Hi", "version": "1"}).status_code == 400

    board = amira.get_json("/api/review/dashboard").json()
    assert board["per_route"]["safeguarding"] >= 1 and board["decided"] >= 2
    assert board["median_first_response_seconds"] is not None and board["pending"] >= 0
    trail = amira.get_json("/api/review/audit?limit=50").json()["audit"]
    assert any(a["action"] == "approve" and a["actor"] == "http.priya" and a["item_id"] == urgent["id"] for a in trail)
    assert any(a["action"] == "hand_off" and a["details"]["assignee"] == "http.omar" for a in trail)
    users = {u["name"]: u["role"] for u in amira.get_json("/api/review/users").json()["users"]}
    assert users["http.priya"] == "approver" and users["http.amira"] == "staff"
