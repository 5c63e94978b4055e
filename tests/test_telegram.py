"""The Telegram bot end to end: the real python-telegram-bot Application in `sendiass telegram` (a child
process, the real model, the real action server) against the project's local Bot API server
(bot/botapi.py) over real HTTP. One bot process, one action server and one Bot API server are shared
by the tests of this module; each test talks in chats of its own.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from bot.botapi import FakeBotAPI
from bot.profile import load_profile
from bot.replies import select
from tests.conftest import ROOT, free_port, sendiass

TOKEN = "4242424242:SAFE-REPLIES-TEST"
STAFF_CHAT = -1001234567890
STAFF_MEMBER, STAFF_ADMIN, OUTSIDER = 501, 502, 666

_chat_ids = itertools.count(7001)


def new_chat() -> int:
    """A private chat nobody else in this module uses (for private chats, chat id == user id)."""
    return next(_chat_ids)


def flat(text: str) -> str:
    return " ".join(text.split())


class Rig:
    """The Bot API server, the action server and the bot process, with helpers to talk to them."""

    def __init__(self, api: FakeBotAPI, home: Path, model_path: Path):
        self.api, self.home, self.model_path = api, home, model_path
        self.action_port = free_port()
        self.env = {**os.environ, "SENDIASS_VAR": str(home), "SENDIASS_ACTION_PORT": str(self.action_port),
                    "SENDIASS_TELEGRAM_TOKEN": TOKEN, "SENDIASS_TELEGRAM_BASE_URL": api.base_url,
                    "SENDIASS_STAFF_CHAT_ID": str(STAFF_CHAT), "SENDIASS_TELEGRAM_POLL_TIMEOUT": "5",
                    "SENDIASS_TICKET_URL": "https://staff.example.org/tickets/{ticket}", "NO_COLOR": "1",
                    "SENDIASS_ACTION_SECRET": secrets.token_urlsafe(32)}
        for name in ("SENDIASS_DATABASE_URL", "SENDIASS_ENDPOINTS"):
            self.env.pop(name, None)
        self.actions: subprocess.Popen | None = None
        self.bot: subprocess.Popen | None = None
        self.bot_log = home / "bot.log"

    # ---- processes

    def start_actions(self) -> None:
        with pytest.MonkeyPatch.context() as mp:  # start_action_server reads the environment
            mp.setenv("SENDIASS_VAR", str(self.home))
            mp.setenv("SENDIASS_ACTION_SECRET", self.env["SENDIASS_ACTION_SECRET"])
            mp.delenv("SENDIASS_DATABASE_URL", raising=False)
            from bot.server import start_action_server

            self.actions = start_action_server(self.action_port)

    def stop_actions(self) -> None:
        if self.actions and self.actions.poll() is None:
            self.actions.terminate()
            self.actions.wait(20)

    def start_bot(self, *args: str, env: dict | None = None, wait_for=None) -> subprocess.Popen:
        polls = len(self.api.called("getUpdates"))
        log = open(self.bot_log, "ab")
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "telegram", "--model", str(self.model_path), *args],
                                cwd=ROOT, env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        ready = wait_for or (lambda: len(self.api.called("getUpdates")) > polls)
        deadline = time.monotonic() + 180
        while not ready():
            if proc.poll() is not None:
                raise RuntimeError("the bot stopped at start:\n" + self.bot_log.read_text()[-3000:])
            if time.monotonic() > deadline:
                raise RuntimeError("the bot did not start:\n" + self.bot_log.read_text()[-3000:])
            time.sleep(0.1)
        if wait_for is None:
            self.bot = proc
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen | None, sig=signal.SIGTERM) -> None:
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    # ---- talking

    def say(self, chat_id: int, text: str, user_id: int | None = None, chat_type: str = "private") -> int:
        return self.api.push_message(chat_id, user_id or chat_id, text, chat_type=chat_type)

    def staff_says(self, text: str, user_id: int = STAFF_MEMBER) -> int:
        return self.api.push_message(STAFF_CHAT, user_id, text, chat_type="supergroup")

    def db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.home / "sendiass.db", timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def status(self, update_id: int) -> str | None:
        with self.db() as db:
            row = db.execute("select status from telegram_updates where external_id = ?",
                             (f"telegram:{update_id}",)).fetchone()
        return row["status"] if row else None

    def wait_handled(self, *update_ids: int, timeout: float = 60) -> None:
        """Until the bot marked the updates done: every text for them has been sent by then."""
        ok = self.api.wait_for(lambda: all(self.status(u) == "done" for u in update_ids), timeout, 0.1)
        assert ok, (f"updates {update_ids} not handled: {[self.status(u) for u in update_ids]}\n"
                    + self.bot_log.read_text()[-3000:])

    def replies(self, chat_id: int) -> list[str]:
        return self.api.messages_to(chat_id)

    def staff_since(self, mark: int) -> list[str]:
        return [m["text"] for m in self.api.sent[mark:] if m["chat_id"] == STAFF_CHAT]

    def tickets(self, chat_id: int) -> list[sqlite3.Row]:
        with self.db() as db:
            return db.execute("select * from tickets where conversation_id = ? order by id",
                              (f"telegram:{chat_id}",)).fetchall()

    def inbound(self, update_id: int) -> sqlite3.Row:
        with self.db() as db:
            return db.execute("select * from messages where external_id = ?", (f"telegram:{update_id}",)).fetchone()


@pytest.fixture(scope="module")
def rig(model_path, tmp_path_factory):
    home = tmp_path_factory.mktemp("telegram")
    api = FakeBotAPI(TOKEN).start()
    api.members.update({STAFF_MEMBER: "member", STAFF_ADMIN: "administrator"})
    rig = Rig(api, home, model_path)
    try:
        rig.start_actions()
        rig.start_bot()
        yield rig
    finally:
        rig.stop(rig.bot)
        rig.stop_actions()
        api.stop()


# ------------------------------------------------------------------------------- commands and routes

def test_start_and_help_give_the_about_text_and_the_disclaimer(rig):
    profile = load_profile()
    chat = new_chat()
    rig.wait_handled(rig.say(chat, "/start"), rig.say(chat, "/help"))
    replies = rig.replies(chat)
    assert len(replies) == 2
    for reply in replies:
        assert flat(profile.about) in flat(reply) and flat(profile.disclaimer) in flat(reply)
    mark = len(rig.api.sent)
    rig.wait_handled(rig.staff_says("/help"))
    [staff_help] = rig.staff_since(mark)
    assert flat(profile.about) in flat(staff_help) and "/reply TICKET" in staff_help and "/release TICKET" in staff_help
    # the commands are registered for private chats and, separately, for the staff chat
    scopes = [c.get("scope", {}).get("type") for c in rig.api.commands]
    assert "all_private_chats" in scopes and "chat" in scopes


def test_a_question_gets_the_approved_answer(rig):
    chat = new_chat()
    update = rig.say(chat, "What is an EHCP? The school keeps mentioning it")
    rig.wait_handled(update)
    assert rig.replies(chat) == [select("answer", "direct_message", "ask_ehcp").text]
    row = rig.inbound(update)
    assert row["route"] == "answer" and row["reply_id"] == "answer.ehcp@v1" and row["guard_ok"] == 1
    assert row["sender"] == f"telegram:{chat}" and row["channel"] == "telegram"


def test_a_disclosure_gets_the_redirect_without_the_persons_details(rig):
    profile = load_profile()
    chat = new_chat()
    mark = len(rig.api.sent)
    text = ("Hi, my son Oliver Bennett is 9 and at Highfields Primary. He has autism and they keep sending him "
            "home at lunch. Please ring me on 07700 900123 or email jo.bennett@example.com")
    update = rig.say(chat, text)
    rig.wait_handled(update)
    [reply] = rig.replies(chat)
    assert profile.phone in reply and profile.email in reply
    for detail in ("Oliver", "Bennett", "Highfields", "07700", "900123", "jo.bennett", "autism", "9"):
        assert detail not in reply
    assert rig.inbound(update)["route"] == "redirect_private"
    assert json.loads(rig.inbound(update)["flags"])["disclosure"] is True
    for alert in rig.staff_since(mark):  # nothing of the message reaches the staff chat either
        assert "Oliver" not in alert and "07700" not in alert


def test_a_complaint_gets_the_complaints_procedure_a_ticket_and_a_staff_alert(rig):
    profile = load_profile()
    chat = new_chat()
    mark = len(rig.api.sent)
    text = "I rang your helpline three times last month and nobody ever called me back. Really disappointed."
    rig.wait_handled(rig.say(chat, text))
    [reply] = rig.replies(chat)
    assert reply == select("complaint", "direct_message").text and profile.feedback_url in reply
    [ticket] = rig.tickets(chat)
    assert ticket["kind"] == "complaint" and ticket["status"] == "open" and not ticket["urgent"]
    [alert] = rig.staff_since(mark)
    assert f"Complaint - ticket #{ticket['id']}" in alert and "URGENT" not in alert
    assert f"https://staff.example.org/tickets/{ticket['id']}" in alert
    assert "helpline" not in alert and "disappointed" not in alert


def test_safeguarding_gets_signposting_and_an_urgent_alert_first(rig):
    chat = new_chat()
    mark = len(rig.api.sent)
    text = "I can't cope anymore. I keep thinking about ending my life and I don't know who to talk to."
    update = rig.say(chat, text)
    rig.wait_handled(update)
    [reply] = rig.replies(chat)
    assert "999" in reply and reply == select("safeguarding", "direct_message").text
    sent = [m for m in rig.api.sent[mark:] if m["chat_id"] in (chat, STAFF_CHAT)]
    assert sent[0]["chat_id"] == STAFF_CHAT and "URGENT" in sent[0]["text"], "the staff alert must come first"
    assert "self_harm" in sent[0]["text"]
    [ticket] = rig.tickets(chat)
    assert ticket["kind"] == "safeguarding" and ticket["urgent"]
    alerts = rig.staff_since(mark)
    assert any(f"ticket #{ticket['id']}" in a and "URGENT" in a for a in alerts)
    for alert in alerts:
        assert "cope" not in alert and "ending my life" not in alert
    # the chat now waits for a person: the assistant stays quiet
    later = rig.say(chat, "are you still there")
    rig.wait_handled(later)
    assert len(rig.replies(chat)) == 1


def test_abuse_gets_no_reply_and_goes_to_moderation(rig):
    chat = new_chat()
    mark = len(rig.api.sent)
    rig.wait_handled(rig.say(chat, "go back where you came from, nobody wants your sort here you scroungers"))
    assert rig.replies(chat) == []
    [ticket] = rig.tickets(chat)
    assert ticket["kind"] == "abuse"
    [alert] = rig.staff_since(mark)
    assert f"ticket #{ticket['id']}" in alert and "moderation" in alert and "scroungers" not in alert


# ------------------------------------------------------------------------------- handoff and staff

def test_handoff_waits_for_a_person_who_answers_and_releases(rig):
    profile = load_profile()
    chat = new_chat()
    mark = len(rig.api.sent)
    rig.wait_handled(rig.say(chat, "Can you recommend a good plumber in Leicester? Our boiler has packed in."))
    assert rig.replies(chat) == [select("handoff", "direct_message").text]
    [ticket] = rig.tickets(chat)
    t = ticket["id"]
    assert ticket["kind"] == "handoff"
    [alert] = rig.staff_since(mark)
    assert f"Handoff - ticket #{t}" in alert and f"/release {t}" in alert and "plumber" not in alert

    # the bot stays quiet in the chat; staff hear of the new message
    mark = len(rig.api.sent)
    rig.wait_handled(rig.say(chat, "Hello? Is anyone there?"))
    assert len(rig.replies(chat)) == 1
    assert any(f"Ticket #{t}" in a and "another message" in a for a in rig.staff_since(mark))

    # a safe staff reply is delivered to the person
    answer = (f"Thank you for waiting. We're not able to recommend tradespeople, but we're happy to help with "
              f"questions about special educational needs on {profile.phone}.")
    mark = len(rig.api.sent)
    rig.wait_handled(rig.staff_says(f"/reply {t} {answer}"))
    assert rig.replies(chat)[-1] == answer
    assert any(f"Sent to the person on ticket #{t}" in a for a in rig.staff_since(mark))

    # an unsafe one is refused with the findings and a rewrite, and not delivered
    mark = len(rig.api.sent)
    unsafe = "Don't worry, I promise we'll definitely sort it for you tomorrow. I'll ring you on 07700 900456."
    rig.wait_handled(rig.staff_says(f"/reply {t} {unsafe}"))
    assert len(rig.replies(chat)) == 2
    [findings] = rig.staff_since(mark)
    assert findings.startswith(f"Not sent: your reply to ticket #{t}")
    assert "- promise:" in findings and "- personal_data:" in findings and '"07700 900456"' in findings
    assert "Suggested safe rewrite" in findings and "07700" not in findings.split("Suggested safe rewrite")[1]

    # /release hands the chat back: the assistant answers again
    mark = len(rig.api.sent)
    rig.wait_handled(rig.staff_says(f"/release {t}", user_id=STAFF_ADMIN))
    assert any(f"Ticket #{t} closed: the assistant answers this chat again" in a for a in rig.staff_since(mark))
    assert rig.tickets(chat)[0]["status"] == "closed"
    rig.wait_handled(rig.say(chat, "Thanks. Is your service free to use?"))
    assert rig.replies(chat)[-1] == select("answer", "direct_message", "ask_free").text
    with sqlite3.connect(rig.home / "tracker.db") as db:
        kinds = [r[0] for r in db.execute("select type_name from events where sender_id = ? order by id",
                                          (f"telegram:{chat}",))]
    assert "pause" in kinds and "resume" in kinds


def test_staff_commands_are_refused_to_others(rig):
    chat = new_chat()
    rig.wait_handled(rig.say(chat, "Really poor service from your office, I waited two weeks for a reply."))
    [ticket] = rig.tickets(chat)
    replies_before = len(rig.replies(chat))

    # someone in the staff chat who is not a member (e.g. removed since)
    mark = len(rig.api.sent)
    rig.wait_handled(rig.staff_says(f"/release {ticket['id']}", user_id=OUTSIDER))
    [refusal] = rig.staff_since(mark)
    assert "Only members of the staff chat" in refusal
    rig.wait_handled(rig.staff_says(f"/reply {ticket['id']} We're sorry, we'll call you.", user_id=OUTSIDER))
    assert rig.tickets(chat)[0]["status"] == "open" and len(rig.replies(chat)) == replies_before

    # a staff command outside the staff chat, even from a staff member
    rig.wait_handled(rig.say(STAFF_MEMBER, f"/release {ticket['id']}"))
    assert rig.replies(STAFF_MEMBER)[-1].startswith("Sorry, that command is only for the")
    # and from a person writing to the service
    other = new_chat()
    rig.wait_handled(rig.say(other, f"/reply {ticket['id']} hello"))
    assert len(rig.replies(other)) == 1 and "only for the" in rig.replies(other)[0]
    assert rig.tickets(chat)[0]["status"] == "open" and len(rig.replies(chat)) == replies_before


# ------------------------------------------------------------------------------- robustness

def test_telegram_errors_are_retried_and_the_reply_arrives_once(rig):
    expected = select("answer", "direct_message", "ask_free").text

    chat = new_chat()
    rig.api.fail_next("sendMessage", status=429, retry_after=1)
    rig.wait_handled(rig.say(chat, "Is your service free to use?"))
    assert rig.replies(chat) == [expected]
    assert sum(p["chat_id"] == chat for p in rig.api.called("sendMessage")) == 2  # the 429, then the retry

    chat = new_chat()
    rig.api.drop_next("sendMessage")
    rig.wait_handled(rig.say(chat, "Do I have to pay to talk to you?"))
    assert rig.replies(chat) == [expected]
    assert [p["chat_id"] for m, p in rig.api.dropped if m == "sendMessage"].count(chat) == 1

    chat = new_chat()
    rig.api.drop_next("getUpdates")
    rig.api.fail_next("getUpdates", status=502, retry_after=None)
    first = rig.say(chat, "Thank you so much for your help last week!")
    rig.wait_handled(first)
    second = rig.say(chat, "Is your service free to use?")
    rig.wait_handled(second)
    assert rig.replies(chat)[-1] == expected and len(rig.replies(chat)) == 2


def test_a_chat_over_the_flood_limit_is_stored_but_not_answered(rig):
    chat = new_chat()
    updates = [rig.say(chat, f"thank you {i}!") for i in range(11)]
    rig.wait_handled(*updates)
    replies = rig.replies(chat)
    notices = [r for r in replies if "sent several in a short time" in r]
    assert len(notices) == 1 and len(replies) == 8 + 1
    with rig.db() as db:
        stored = db.execute("select count(*) from messages where conversation_id = ? and direction = 'in'",
                            (f"telegram:{chat}",)).fetchone()[0]
    assert stored == 11


def test_when_the_assistant_fails_the_person_still_gets_signposting_and_staff_know(rig):
    rig.stop_actions()  # the action server is down: Rasa cannot triage
    try:
        risky, plain = new_chat(), new_chat()
        mark = len(rig.api.sent)
        a = rig.say(risky, "My partner hit me again last night and I'm scared for the kids")
        b = rig.say(plain, "Can you tell me about your drop-in sessions?")
        rig.wait_handled(a, b)
        assert rig.replies(risky) == [select("safeguarding", "direct_message").text]
        assert rig.replies(plain) == [select("handoff", "direct_message").text]
        alerts = rig.staff_since(mark)
        assert "URGENT" in alerts[0] and "domestic_violence" in alerts[0]  # before anything else
        [risky_ticket], [plain_ticket] = rig.tickets(risky), rig.tickets(plain)
        assert risky_ticket["kind"] == "safeguarding" and risky_ticket["urgent"]
        assert plain_ticket["kind"] == "handoff" and not plain_ticket["urgent"]
        for ticket in (risky_ticket, plain_ticket):
            assert any(f"ticket #{ticket['id']}" in a and "could not answer" in a for a in alerts)
        assert not any("partner" in a or "drop-in" in a for a in alerts)
    finally:
        rig.start_actions()


def test_a_restart_in_the_middle_of_a_queue_loses_nothing_and_answers_nothing_twice(rig):
    questions = ["What is an EHCP?", "Is your service free to use?", "How can I contact you?",
                 "What is the Local Offer?", "How do annual reviews work?", "Thanks so much, that really helped!"]
    chats = [new_chat() for _ in questions]
    calls = len(rig.api.called("sendMessage"))
    rig.api.stall("sendMessage", after=2)  # two replies go out; the third hangs in flight...
    updates = [rig.say(chat, text) for chat, text in zip(chats, questions)]
    assert rig.api.wait_for(lambda: len(rig.api.called("sendMessage")) >= calls + 3, 60)
    assert sum(len(rig.replies(c)) for c in chats) == 2
    rig.stop(rig.bot, signal.SIGKILL)  # ...when the bot dies
    rig.api.unstall()
    returned_before = len(rig.api.returned)
    rig.start_bot()
    rig.wait_handled(*updates)
    for chat in chats:
        assert len(rig.replies(chat)) == 1, (chat, rig.replies(chat))
    with rig.db() as db:
        stored = {r["external_id"] for r in db.execute("select external_id from messages where direction = 'in'")}
    assert {f"telegram:{u}" for u in updates} <= stored
    with sqlite3.connect(rig.home / "tracker.db") as db:  # and Rasa handled each message once
        for chat in chats:
            n = db.execute("select count(*) from events where sender_id = ? and type_name = 'user'",
                           (f"telegram:{chat}",)).fetchone()[0]
            assert n == 1, chat
    # the 2nd update was answered but not yet acknowledged when the bot died: Telegram sent it again
    assert rig.api.returned[returned_before:].count(updates[1]) >= 1


# ------------------------------------------------------------------------------- audit and webhook

def test_audit_export_writes_messages_and_tickets_as_csv(rig, tmp_path):
    chat, unhappy = new_chat(), new_chat()
    update = rig.say(chat, "What is an EHCP?")
    rig.wait_handled(update, rig.say(unhappy, "Really poor service, I waited two weeks for an answer to my email."))
    today = datetime.now(timezone.utc).date().isoformat()
    run = sendiass("audit", "export", "--since", today, env={"SENDIASS_VAR": str(rig.home)})
    assert run.returncode == 0, run.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(run.stdout.decode())))
    by_id = {r["external_id"]: r for r in rows if r["record"] == "message"}
    inbound = by_id[f"telegram:{update}"]
    assert inbound["route"] == "answer" and inbound["text"] == "What is an EHCP?" and inbound["direction"] == "in"
    outbound = [r for r in rows if r["record"] == "message" and r["external_id"].startswith(f"telegram:{update}:")]
    assert [r["delivery"] for r in outbound] == ["sent"] and outbound[0]["guard_ok"] in ("1", "True")
    [ticket] = rig.tickets(unhappy)
    assert any(r["record"] == "ticket" and r["id"] == str(ticket["id"]) and r["kind"] == "complaint" for r in rows)

    out = tmp_path / "audit.csv"
    run = sendiass("audit", "export", "--since", today, "--out", str(out), env={"SENDIASS_VAR": str(rig.home)})
    assert run.returncode == 0 and len(list(csv.DictReader(out.open()))) >= len(rows)
    tomorrow = sendiass("audit", "export", "--since", "2999-01-01", env={"SENDIASS_VAR": str(rig.home)})
    assert tomorrow.stdout.decode().strip().count("\n") == 0  # the header only
    bad = sendiass("audit", "export", "--since", "last tuesday")
    assert bad.returncode == 2 and "use e.g. 2026-11-01" in bad.stderr.decode()


def test_webhook_mode_answers_only_after_handling(rig):
    api = FakeBotAPI(TOKEN, first_update_id=50_000_000).start()  # a second Bot API server, same store
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    env = {"SENDIASS_TELEGRAM_BASE_URL": api.base_url}
    proc = None
    try:
        webhook_rig = Rig(api, rig.home, rig.model_path)
        webhook_rig.env = {**rig.env, **env}
        webhook_rig.bot_log = rig.home / "webhook-bot.log"
        proc = webhook_rig.start_bot("--webhook", url, "--listen", "127.0.0.1", "--port", str(port),
                                     wait_for=lambda: api.webhook["url"] == url)
        assert api.webhook["secret_token"] and api.webhook["max_connections"] == 1
        chat = new_chat()
        update = api.push_message(chat, chat, "How do I ask for an EHC needs assessment?")
        assert api.wait_for(lambda: api.messages_to(chat), 60), webhook_rig.bot_log.read_text()[-3000:]
        assert api.messages_to(chat) == [select("answer", "direct_message", "ask_assessment").text]
        assert api.wait_for(lambda: any(d["status"] == 200 for d in api.webhook_deliveries), 10)
        [delivery] = [d for d in api.webhook_deliveries if d["update_id"] == update]
        assert delivery["at"] >= api.sent[-1]["at"]  # Telegram heard "200" only after the reply went out
        assert rig.status(update) == "done"
        # without the secret token Telegram sends, nothing is accepted
        forged = requests.post(url, json={"update_id": 1, "message": {}}, timeout=10)
        assert forged.status_code == 403
    finally:
        Rig.stop(proc)
        api.stop()


# ------------------------------------------------------------------------------- the local Bot API server

def test_local_bot_api_offsets_acknowledge_updates():
    with FakeBotAPI(TOKEN) as api:
        base = f"{api.base_url}{TOKEN}"
        first = api.push_message(1, 1, "one")
        second = api.push_message(1, 1, "two")
        got = requests.post(f"{base}/getUpdates", data={"timeout": "0"}, timeout=5).json()["result"]
        assert [u["update_id"] for u in got] == [first, second]
        got = requests.post(f"{base}/getUpdates", data={"offset": str(second), "timeout": "0"}, timeout=5).json()
        assert [u["update_id"] for u in got["result"]] == [second]
        started = time.monotonic()
        got = requests.post(f"{base}/getUpdates", data={"offset": str(second + 1), "timeout": "1"}, timeout=5).json()
        assert got["result"] == [] and time.monotonic() - started >= 0.9  # long poll
        assert requests.post(f"{api.base_url}wrong:token/getMe", timeout=5).status_code == 401
        api.fail_next("sendMessage", status=429, retry_after=3)
        r = requests.post(f"{base}/sendMessage", data={"chat_id": "1", "text": "hi"}, timeout=5)
        assert r.status_code == 429 and r.json()["parameters"] == {"retry_after": 3} and api.sent == []


# ------------------------------------------------------------------------------- in process, Rasa scripted
# The real PTB Application and the local Bot API server, with the assistant's decision scripted: for the
# paths the approved library cannot reach (a reply that fails the guard) and the staff chat's buttons.

class ScriptedAssistant:
    """Stands in for Rasa: every message gets the next scripted Turn."""

    def __init__(self, *turns):
        self.turns = list(turns)
        self.resumed: list[str] = []

    async def turn(self, sender_id, text, message_id):
        return self.turns.pop(0)

    async def pause(self, sender_id):
        pass

    async def resume(self, sender_id):
        self.resumed.append(sender_id)


def run_bot_in_process(tmp_path, assistant, script):
    """Run the bot's polling loop on an event loop of its own while `script(api, store)` talks to it."""
    import asyncio

    from bot.store import Store
    from bot.telegram import SafeRepliesBot, TelegramConfig

    with FakeBotAPI(TOKEN) as api:
        api.members[STAFF_MEMBER] = "member"
        store = Store(f"sqlite:///{tmp_path / 'inprocess.db'}")
        config = TelegramConfig(token=TOKEN, staff_chat_id=STAFF_CHAT, base_url=api.base_url, poll_timeout=1)
        bot = SafeRepliesBot(config, assistant, store)

        async def main():
            polling = asyncio.create_task(bot.run_polling())
            try:
                await asyncio.to_thread(script, api, store)
            finally:
                bot.stop()
                await asyncio.wait_for(polling, 30)

        asyncio.run(main())


def wait_done(api, store, *update_ids):
    assert api.wait_for(lambda: all(store.update_status(f"telegram:{u}") == "done" for u in update_ids), 20)


def test_a_reply_that_fails_the_guard_is_not_sent_and_staff_are_told(tmp_path):
    from bot.telegram import Turn

    chat = new_chat()
    unsafe = Turn(route="answer", reply_id="answer.ehcp@v1",
                  replies=["Don't worry, we'll definitely get your son an EHCP by Christmas."])

    def script(api, store):
        update = api.push_message(chat, chat, "Will my son get an EHCP?")
        wait_done(api, store, update)
        assert api.messages_to(chat) == []
        [alert] = api.messages_to(STAFF_CHAT)
        assert "held back" in alert and "promise" in alert and "EHCP" not in alert
        [row] = [m for m in store.messages() if m["external_id"] == f"telegram:{update}:reply:0"]
        assert row["guard_ok"] is False and json.loads(row["guard"])[0]["rule"] == "promise"

    run_bot_in_process(tmp_path, ScriptedAssistant(unsafe), script)


def test_the_release_button_in_a_staff_alert(tmp_path):
    from bot.telegram import Turn

    chat = new_chat()
    assistant = ScriptedAssistant(
        Turn(route="handoff", ticket_id=None, paused=True, reply_id="handoff.dm@v1",
             replies=[select("handoff", "direct_message").text]),
        Turn(route="acknowledge", reply_id="ack.thank@v1", replies=[select("acknowledge", "direct_message",
                                                                           "thank").text]))

    def script(api, store):
        wait_done(api, store, api.push_message(chat, chat, "Who do I speak to about a parking fine?"))
        [ticket] = store.tickets()  # the ticket action "failed" (no ticket_id): the bot opened it
        assert ticket["kind"] == "handoff" and store.waiting_ticket(f"telegram:{chat}") == ticket["id"]
        [alert] = [m for m in api.sent if m["chat_id"] == STAFF_CHAT]
        button = alert["params"]["reply_markup"]["inline_keyboard"][0][0]
        assert button["callback_data"] == f"release:{ticket['id']}"
        wait_done(api, store, api.push_callback(STAFF_CHAT, OUTSIDER, button["callback_data"]))
        assert store.ticket(ticket["id"])["status"] == "open"
        assert api.callback_answers[-1]["text"] == "Only staff can do that."
        wait_done(api, store, api.push_callback(STAFF_CHAT, STAFF_MEMBER, button["callback_data"]))
        assert store.ticket(ticket["id"])["status"] == "closed" and store.waiting_ticket(f"telegram:{chat}") is None
        assert "answers this chat again" in api.callback_answers[-1]["text"]
        wait_done(api, store, api.push_message(chat, chat, "ok thanks"))
        assert len(api.messages_to(chat)) == 2

    run_bot_in_process(tmp_path, assistant, script)
    assert assistant.resumed == [f"telegram:{chat}"]


# ------------------------------------------------------------------------------- the review queue from the staff chat

UNLINKED_STAFF = 503


def add_account(rig, name: str, role: str) -> None:
    run = sendiass("user", "add", name, "--role", role, "--password-stdin", input=b"a-long-test-password\n",
                   env={"SENDIASS_VAR": str(rig.home)})
    assert run.returncode == 0, run.stderr.decode()


def review_queue(rig):
    from bot.review import Queue
    from bot.store import Store

    return Queue(Store(f"sqlite:///{rig.home / 'sendiass.db'}"))


def test_draft_in_the_staff_chat_queues_a_comment_and_the_buttons_act_on_it(rig):
    rig.api.members[UNLINKED_STAFF] = "member"
    add_account(rig, f"tg-{STAFF_MEMBER}", "approver")
    add_account(rig, f"tg-{STAFF_ADMIN}", "approver")
    comment = ("My daughter Amelia Hughes is 7 and at Brookside Academy, she has ADHD and they won't assess her. "
               "Call me on 07700 900777 please")

    # /draft from a staff member: a pending item, shown with its route, reply, verdict and two buttons
    mark = len(rig.api.sent)
    rig.wait_handled(rig.staff_says(f"/draft {comment}"))
    [draft] = [m for m in rig.api.sent[mark:] if m["chat_id"] == STAFF_CHAT]
    text = draft["text"]
    pending = review_queue(rig).list(status="pending")
    [item] = [i for i in pending if i["text"] == comment]
    assert item["source"] == "telegram" and item["drafted_by"] == f"tg-{STAFF_MEMBER}" and item["reply"]
    assert f"Review item #{item['id']} (pending)" in text and f"Route: {item['route']}" in text
    assert "Policy check:" in text and f"/edit {item['id']} new text" in text and item["reply"] in text
    for detail in ("Amelia", "Hughes", "Brookside", "ADHD", "07700", "900777"):
        assert detail not in text
    [buttons] = draft["params"]["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in buttons] == ["Approve", "Reject"]
    approve = f"review:approve:{item['id']}:{item['version']}"
    assert [b["callback_data"] for b in buttons] == [approve, f"review:reject:{item['id']}:{item['version']}"]

    # a staff member with no linked review account is refused, and told how to link
    mark = len(rig.api.sent)
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, UNLINKED_STAFF, approve))
    assert f"sendiass user add tg-{UNLINKED_STAFF}" in rig.api.callback_answers[-1]["text"]
    assert any("not linked" in m for m in rig.staff_since(mark))
    assert review_queue(rig).get(item["id"])["state"] == "pending"

    # the drafter cannot approve their own draft (two-person rule)
    mark = len(rig.api.sent)
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, STAFF_MEMBER, approve))
    assert "two-person rule" in rig.api.callback_answers[-1]["text"]
    assert any("two-person rule" in m for m in rig.staff_since(mark))
    assert review_queue(rig).get(item["id"])["state"] == "pending"

    # another approver can
    mark = len(rig.api.sent)
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, STAFF_ADMIN, approve))
    done = review_queue(rig).get(item["id"])
    assert done["state"] == "approved" and done["decided_by"] == f"tg-{STAFF_ADMIN}"
    assert f"Item #{item['id']} approved by tg-{STAFF_ADMIN}" in rig.api.callback_answers[-1]["text"]
    assert any(f"Item #{item['id']} approved" in m for m in rig.staff_since(mark))


def test_edit_in_the_staff_chat_changes_the_reply_and_makes_the_editor_an_author(rig):
    from bot import auth

    for user in (STAFF_MEMBER, STAFF_ADMIN):
        if auth.get_user(review_queue(rig).engine, f"tg-{user}") is None:
            add_account(rig, f"tg-{user}", "approver")
    rig.wait_handled(rig.staff_says("/draft Is your service free to use?", user_id=STAFF_ADMIN))
    [item] = [i for i in review_queue(rig).list(status="pending") if i["text"] == "Is your service free to use?"]
    mark = len(rig.api.sent)
    new = "Yes, our service is free, impartial and confidential. Thank you for asking."
    rig.wait_handled(rig.staff_says(f"/edit {item['id']} {new}"))
    assert review_queue(rig).get(item["id"])["reply"] == new
    [shown] = rig.staff_since(mark)
    assert f"edited by tg-{STAFF_MEMBER}" in shown and new in shown
    key = f"{item['id']}:{review_queue(rig).get(item['id'])['version']}"
    # the editor may not approve; the drafter (STAFF_ADMIN) drafted it, so neither can
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, STAFF_MEMBER, f"review:approve:{key}"))
    assert "two-person rule" in rig.api.callback_answers[-1]["text"]
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, STAFF_MEMBER, f"review:reject:{key}"))
    assert review_queue(rig).get(item["id"])["state"] == "rejected"


def test_an_approve_button_pressed_after_the_reply_changed_approves_nothing(rig):
    """The buttons carry the version the approver saw: an edit made elsewhere afterwards (here, on the web)
    makes an old press a no-op, and the approver gets the reply as it is now with fresh buttons."""
    from bot import auth, review

    engine = review_queue(rig).engine
    for user in (STAFF_MEMBER, STAFF_ADMIN):
        if auth.get_user(engine, f"tg-{user}") is None:
            add_account(rig, f"tg-{user}", "approver")
    if auth.get_user(engine, "web-editor") is None:
        add_account(rig, "web-editor", "staff")
    comment = "When is your next coffee morning for parents?"
    mark = len(rig.api.sent)
    rig.wait_handled(rig.staff_says(f"/draft {comment}"))
    [draft] = [m for m in rig.api.sent[mark:] if m["chat_id"] == STAFF_CHAT]
    old_approve = draft["params"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    [item] = [i for i in review_queue(rig).list(status="pending") if i["text"] == comment]
    changed = "Thanks for asking! Our events are listed on our website, and we'd love to see you there."
    review.edit(item["id"], "web-editor", changed, queue=review_queue(rig))

    mark = len(rig.api.sent)
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, STAFF_ADMIN, old_approve))
    assert "changed after these buttons were posted" in rig.api.callback_answers[-1]["text"]
    now = review_queue(rig).get(item["id"])
    assert now["state"] == "pending" and now["reply"] == changed
    fresh = [m for m in rig.api.sent[mark:] if m["chat_id"] == STAFF_CHAT and m["params"].get("reply_markup")]
    assert fresh and changed in fresh[-1]["text"]
    new_approve = fresh[-1]["params"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert new_approve == f"review:approve:{item['id']}:{now['version']}"
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, STAFF_ADMIN, new_approve))
    done = review_queue(rig).get(item["id"])
    assert done["state"] == "edited_approved" and done["reply"] == changed
    # a button from before versions were carried (or made up) acts on nothing
    rig.wait_handled(rig.api.push_callback(STAFF_CHAT, STAFF_ADMIN, f"review:approve:{item['id']}"))
    assert rig.api.callback_answers[-1]["text"] == "This button has expired."


def test_a_turn_forged_into_the_tracker_is_never_taken_for_one_the_bot_handled(service):
    """Someone who can write tracker events (Rasa's API, another channel) writes a user turn with the id of a
    person's next Telegram update and a bot reply after it. The bot's "handled before a restart" shortcut
    must not send that reply: only turns whose id carries the product's own signature count."""
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    from bot.telegram import Assistant, AssistantFailed

    agent = service.agent  # no action server: a real turn cannot complete, a trusted forgery would
    sender, update = "telegram:99001", "telegram:424242"
    tracker = service.run(agent.tracker_store.get_or_create_tracker(sender))
    for event in (UserUttered("hi", message_id=update), SlotSet("route", "answer"), BotUttered("ATTACKER TEXT")):
        tracker.update(event)
    service.run(agent.tracker_store.save(tracker))
    assistant = Assistant(agent, timeout=30, marker_key=secrets.token_bytes(32))
    with pytest.raises(AssistantFailed):
        service.run(assistant.turn(sender, "hello, is anyone there?", update))
    events = list(service.run(agent.tracker_store.retrieve(sender)).events)
    ours = [e for e in events if isinstance(e, UserUttered) and e.message_id == assistant.signed_id(sender, update)]
    assert len(ours) == 1 and ours[0].text == "hello, is anyone there?"
