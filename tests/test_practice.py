"""Training mode for volunteers (issue 6): the scenario bank, scoring by the guard and by required points,
adaptive ordering, progress in a real SQLite store across restarts, the terminal (piped stdin), Telegram
(the real bot process against the local Bot API server, the rig of tests/test_telegram.py) and the web
Practice tab (real HTTP against `sendiass serve`, and headless Chromium through Playwright)."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from bot import guard
from bot.practice import (
    POINTS,
    ROUTES,
    Attempted,
    Conflict,
    NoSession,
    PracticeEngine,
    PracticeError,
    ScenarioError,
    choose_next,
    feedback_text,
    load_bank,
    model_answer,
    score,
)
from bot.profile import ROOT, load_profile
from bot.store import Store
from tests.conftest import sendiass

P = load_profile()
BANK = load_bank()
EMERGENCY = P.signposting["emergency"]["phone"]


def engine_at(path: Path) -> PracticeEngine:
    """A new engine (as after a restart) on a real SQLite file."""
    return PracticeEngine(Store(f"sqlite:///{path}"))


# ------------------------------------------------------------------------------------------ the bank

def test_the_bank_covers_every_route_point_and_rule():
    assert 30 <= len(BANK) <= 45
    routes = Counter(s.route for s in BANK.scenarios)
    assert set(routes) == set(ROUTES) and min(routes.values()) >= 4, routes
    assert {p for s in BANK.scenarios for p in s.points} == set(POINTS)
    assert {r for s in BANK.scenarios for r in s.exercises} == set(guard.RULES)
    assert {s.difficulty for s in BANK.scenarios} == {1, 2, 3}
    assert {s.channel for s in BANK.scenarios} == {"public_comment", "direct_message"}
    for s in BANK.scenarios:  # no reply is due exactly where the library has none
        assert ("no_reply" in s.points) == (s.model_reply is None), s.id
        assert s.tip, s.id


@pytest.mark.parametrize("scenario", BANK.scenarios, ids=lambda s: s.id)
def test_every_model_answer_passes_the_guard_and_meets_its_points(scenario):
    answer = model_answer(scenario)
    result = score(scenario, answer or "")
    assert result.violations == (), [v.to_dict() for v in result.violations]
    assert all(p.met is True for p in result.points), [p.to_dict() for p in result.points]
    assert result.passed and result.model_answer == answer


def test_contact_details_come_from_the_profile_not_the_code():
    source = (ROOT / "bot" / "practice.py").read_text(encoding="utf-8")
    for literal in (P.phone, P.phone.replace(" ", ""), P.email, P.feedback_url, P.website):
        assert literal not in source


def test_a_broken_bank_is_refused_with_the_scenario_named(tmp_path):
    good = {"id": "x-one", "route": "answer", "channel": "public_comment", "difficulty": 1, "comment": "Is it free?",
            "points": ["general_info"], "keywords": ["free"], "model_reply": "answer.free", "tip": "t"}
    cases = [
        ({"route": "gossip"}, "'route' must be one of"),
        ({"points": ["be_nice"]}, "'points' must be a list"),
        ({"keywords": []}, "'keywords' go with the point general_info"),
        ({"model_reply": "answer.nothing"}, "is not in the approved library"),
        ({"exercises": ["rudeness"]}, "'exercises' must be guard rules"),
        ({"points": ["no_reply", "thanks"], "keywords": []}, "'no_reply' is the only point"),
        ({"difficulty": 5}, "'difficulty' must be 1, 2 or 3"),
    ]
    for n, (change, message) in enumerate(cases):
        path = tmp_path / f"bank{n}.yml"
        path.write_text(json.dumps({"scenarios": [{**good, **change}]}), encoding="utf-8")  # JSON is YAML
        with pytest.raises(ScenarioError, match=message) as exc:
            load_bank(path)
        assert "x-one" in str(exc.value)
    path = tmp_path / "twice.yml"
    path.write_text(json.dumps({"scenarios": [good, good]}), encoding="utf-8")
    with pytest.raises(ScenarioError, match="used twice"):
        load_bank(path)


# ------------------------------------------------------------------------------------------ scoring

# (scenario, answer, point, met): a good and a bad answer for every kind of required point
POINT_CASES = [
    ("rp-public-part-time-timetable", f"Thanks. This page is public, so please call us on {P.phone}.", "redirect",
     True),
    ("rp-public-part-time-timetable", f"Please email {P.email.upper()} as this page is public.", "redirect", True),
    ("rp-public-part-time-timetable", f"This page is public; ring {P.phone.replace(' ', '')}.", "redirect", True),
    ("rp-public-part-time-timetable", "Thanks for asking, please send us a private message.", "redirect", False),
    ("rp-public-part-time-timetable", f"Nothing posted here is confidential, so call {P.phone}.", "disclaimer", True),
    ("rp-dm-ring-me", f"Social media isn't a confidential channel: please call {P.phone}.", "disclaimer", True),
    ("rp-public-part-time-timetable", f"Please call us on {P.phone} to talk it through.", "disclaimer", False),
    ("cp-public-no-callback", f"We're sorry. You can use {P.feedback_procedure} ({P.feedback_url}).",
     "feedback_procedure", True),
    ("cp-public-no-callback", "Sorry to hear that. If you'd like to make a complaint, please ring us.",
     "feedback_procedure", True),
    ("cp-public-no-callback", f"Sorry to hear that, please call {P.phone}.", "feedback_procedure", False),
    ("cp-public-no-callback", (f"We're sorry. We can't promise a time, but {P.feedback_procedure} is at "
                               f"{P.feedback_url}."), "no_promise", True),
    ("cp-public-no-callback", f"Sorry, we'll call you today. See {P.feedback_url}.", "no_promise", False),
    ("sg-dm-teen-stepdad", f"I won't tell anyone, I promise. Call {EMERGENCY} if you're in danger or {P.phone}.",
     "no_promise", False),
    ("sg-dm-teen-stepdad", f"This will stay between us. Call {EMERGENCY} if in danger, or {P.phone}.",
     "no_promise", False),
    ("sg-dm-teen-stepdad", "", "no_promise", None),  # nothing said: not assessed (the reply fails anyway)
    ("an-public-who-funds-you", "We're funded by the local authority but work at arm's length and stay impartial.",
     "impartial", True),
    ("an-public-who-funds-you", "We're funded by the council, who honestly are a disgrace, but we're independent.",
     "impartial", False),
    ("ho-dm-which-party", "Thanks for your message, we'd recommend Talking Tots Speech Therapy.", "impartial", False),
    ("sg-public-self-harm", (f"If anyone is in immediate danger call {EMERGENCY}. Call us on {P.phone}; this "
                             f"page is public."), "signpost_emergency", True),
    ("sg-public-self-harm", f"Please call us on {P.phone}, this page is public.", "signpost_emergency", False),
    ("ab-public-insults", "", "no_reply", True),
    ("ab-public-insults", "/skip", "no_reply", True),
    ("ho-public-speech-therapist", "Try Chatterbox Speech Therapy, they're brilliant!", "no_reply", False),
    ("an-public-assessment-time", "The whole process should take no more than 20 weeks.", "general_info", True),
    ("an-public-assessment-time", f"Give us a ring on {P.phone}!", "general_info", False),
    ("ak-dm-hello", "Hi! Thanks for getting in touch, how can we help?", "thanks", True),
    ("ak-public-great-workshop", "Cheers, we really appreciate it!", "thanks", True),
    ("ak-dm-hello", "Hello, how can we help?", "thanks", False),
    ("rp-public-part-time-timetable", "", "redirect", False),  # a reply was due: skipping fails its points
]


@pytest.mark.parametrize("scenario_id,answer,point,met", POINT_CASES,
                         ids=[f"{c[2]}-{c[3]}-{i}" for i, c in enumerate(POINT_CASES)])
def test_required_points(scenario_id, answer, point, met):
    scenario = BANK.get(scenario_id)
    assert point in scenario.points
    result = score(scenario, answer)
    [found] = [p for p in result.points if p.point == point]
    assert found.met is met, found
    if met is False:
        assert not result.passed and point in result.failed_points
        assert found.message and found.message in feedback_text(result) or result.skipped


def test_a_failed_no_promise_or_impartial_point_shows_its_evidence():
    result = score(BANK.get("sg-dm-teen-stepdad"), f"I won't tell anyone, I promise. Call {EMERGENCY} or {P.phone}.")
    [point] = [p for p in result.points if p.point == "no_promise"]
    assert point.evidence == "won't tell anyone" and "“won't tell anyone”" in feedback_text(result)


# (scenario, answer, rule): every rule of the guard, found in a volunteer's draft, with its clause
RULE_CASES = [
    ("rp-public-part-time-timetable", f"Hi, sorry Jacob is going through this. Call {P.phone}, this page is public.",
     "personal_data"),
    ("cp-public-no-callback", f"Sorry, an adviser will ring you tomorrow. You can also use {P.feedback_url}.",
     "promise"),
    ("rp-public-council-refused", f"The council are an absolute disgrace. Call {P.phone}, this page is public.",
     "partiality"),
    ("ab-public-insults", "Get lost you idiot", "offensive"),
    ("rp-dm-ring-me", "Thanks for your message, sorry to hear the review is so late.", "missing_redirect"),
    ("cp-public-no-callback", "That's not true, we always ring back within 48 hours.", "complaint_not_routed"),
    ("ho-public-melatonin", "Most children take 2mg of melatonin an hour before bed.", "out_of_expertise"),
]


@pytest.mark.parametrize("scenario_id,answer,rule", RULE_CASES, ids=[c[2] for c in RULE_CASES])
def test_every_guard_violation_is_explained_with_its_policy_clause(scenario_id, answer, rule):
    result = score(BANK.get(scenario_id), answer)
    assert not result.passed and result.rules[rule] is False and rule in result.failed_rules
    found = [v for v in result.violations if v.rule == rule]
    assert found and all(v.clause == guard.CLAUSES[rule] and v.evidence in answer for v in found)
    text = feedback_text(result)
    assert f"({rule})" in text and guard.CLAUSES[rule] in text and found[0].message in text
    assert result.model_answer == model_answer(result.scenario)
    shown = result.to_dict()
    assert shown["guard_ok"] is False and any(v["clause"] == guard.CLAUSES[rule] for v in shown["violations"])


def test_no_reply_and_skipping():
    abuse, needs_reply = BANK.get("ab-dm-threat"), BANK.get("cp-dm-how-to-complain")
    assert score(abuse, "/skip").passed and score(abuse, "   ").passed
    assert score(abuse, "").model_answer is None and "Model answer: no reply" in feedback_text(score(abuse, ""))
    written = score(abuse, "We're sorry, we'll call you today.")
    assert not written.passed and written.failed_points == ["no_reply"] and written.rules["promise"] is False
    skipped = score(needs_reply, "/skip")
    assert skipped.skipped and not skipped.passed and skipped.rules == {}
    assert "This comment needs a reply" in feedback_text(skipped)


def test_scores_refuse_what_is_not_a_reply():
    with pytest.raises(PracticeError):
        score(BANK.get("ak-dm-hello"), "x" * 10_001)
    with pytest.raises(PracticeError):
        score(BANK.get("ak-dm-hello"), 42)


# ------------------------------------------------------------------------------------------ ordering

def test_choose_next_prefers_what_was_failed_then_the_easiest():
    first = choose_next(BANK, [])
    easiest = sorted(BANK.scenarios, key=lambda s: (s.difficulty, BANK.index(s.id)))
    assert first == easiest[0]
    # no mistakes: the next easiest unseen one
    assert choose_next(BANK, [Attempted(first.id)]) == easiest[1]
    # a failed rule: an unseen scenario that exercises it, the easiest of those
    history = [Attempted(first.id, failed_rules=("out_of_expertise",))]
    expected = min((s for s in BANK.scenarios if s.id != first.id and "out_of_expertise" in s.exercises),
                   key=lambda s: (s.difficulty, BANK.index(s.id)))
    assert choose_next(BANK, history) == expected != easiest[1]
    # a point failed twice outweighs a rule failed once
    history = [Attempted(first.id, failed_rules=("offensive",), failed_points=("signpost_emergency",)),
               Attempted(easiest[1].id, failed_points=("signpost_emergency",))]
    assert "signpost_emergency" in choose_next(BANK, history).points


def test_the_next_scenario_adapts_to_mistakes_in_the_store(tmp_path):
    engine = engine_at(tmp_path / "adapt.db")
    volunteer, _ = engine.enrol(None, "Jo Adapt", web_user="jo.adapt")
    session, shown, _ = engine.start(volunteer["id"], "web", "web:jo.adapt")
    assert shown.id == "rp-public-part-time-timetable"
    # redirect and disclaimer right, but taking sides against the school
    outcome = engine.submit(session["id"], f"This page is public, so call us on {P.phone}. The school is breaking "
                                           f"the law!")
    assert outcome.result.failed_rules == ["partiality"] and outcome.result.failed_points == []
    assert "partiality" in outcome.next.exercises
    plain = choose_next(BANK, [Attempted(shown.id)])
    assert outcome.next != plain  # without the mistake another scenario would have come next
    assert engine.current(session["id"]) == outcome.next


def test_none_repeats_until_all_have_been_seen(tmp_path):
    engine = engine_at(tmp_path / "round.db")
    volunteer, _ = engine.enrol(7, "Round Robin")
    session, scenario, _ = engine.start(volunteer["id"], "telegram", "telegram:7")
    seen = []
    for n in range(len(BANK)):
        seen.append(scenario.id)
        answer = "Thank you!" if n % 3 else ""  # plenty of mistakes, so the order adapts all the way
        outcome = engine.submit(session["id"], answer)
        assert outcome.new_round == (n == len(BANK) - 1)
        scenario = outcome.next
    assert len(seen) == len(set(seen)) == len(BANK)
    # a new round: everything again, none twice
    again = []
    for _ in range(len(BANK)):
        again.append(scenario.id)
        scenario = engine.submit(session["id"], "").next
    assert sorted(again) == sorted(seen)


# ------------------------------------------------------------------------------------------ the store

def test_progress_survives_a_restart(tmp_path):
    db = tmp_path / "restart.db"
    first = engine_at(db)
    volunteer, new = first.enrol(4242, "Amira Khan")
    assert new and first.enrol(4242, "Amira  Khan")[1] is False  # enrolling again updates, no second volunteer
    session, scenario, resumed = first.start(volunteer["id"], "telegram", "telegram:4242")
    assert not resumed
    answered = []
    for answer in (model_answer(scenario), "Hello, how can we help?", ""):
        answered.append(first.current(session["id"]).id)
        first.submit(session["id"], answer)
    shown = first.current(session["id"])
    before = first.progress(volunteer["id"])
    del first

    second = engine_at(db)  # a new process on the same file
    assert second.volunteer_by_telegram(4242)["name"] == "Amira Khan"
    assert second.active_session("telegram:4242")["id"] == session["id"]
    again, scenario, resumed = second.start(volunteer["id"], "telegram", "telegram:4242")
    assert resumed and again["id"] == session["id"] and scenario == shown  # carries on where it stopped
    after = second.progress(volunteer["id"])
    assert after == before and after["attempts"] == 3 and after["scenarios_done"] == 3
    assert after["scenarios_passed"] == 1 and after["by_rule"]["personal_data"]["checked"] == 2
    assert {m["name"] for m in after["mistakes"]} >= {"missing_redirect", "redirect", "disclaimer"}
    outcome = second.submit(session["id"], "")
    assert outcome.next.id not in answered + [shown.id]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select scenario_id, skipped, passed, created_at from practice_attempts "
                            "order by id").fetchall()
        results = conn.execute("select kind, name, passed from practice_results where attempt_id = 1").fetchall()
    assert [r[0] for r in rows] == answered + [shown.id] and all(r[3] for r in rows)
    assert {(k, n) for k, n, _ in results} == ({("rule", r) for r in guard.RULES}
                                               | {("point", p) for p in BANK.get(answered[0]).points})


def test_a_stale_or_repeated_answer_is_not_stored_twice(tmp_path):
    engine = engine_at(tmp_path / "twice.db")
    volunteer, _ = engine.enrol(99, "Sam")
    session, scenario, _ = engine.start(volunteer["id"], "telegram", "telegram:99")
    first = engine.submit(session["id"], "Thank you!", scenario_id=scenario.id, source_key="telegram:1001")
    replay = engine.submit(session["id"], "Thank you!", source_key="telegram:1001")  # the update handled again
    assert replay.duplicate and replay.attempt_id == first.attempt_id and replay.next == first.next
    with pytest.raises(Conflict):  # a second click on the same scenario
        engine.submit(session["id"], "Thank you!", scenario_id=scenario.id)
    assert engine.progress(volunteer["id"])["attempts"] == 1
    summary = engine.stop(session["id"])
    assert summary == {"session_id": session["id"], "answered": 1, "passed": 0}
    with pytest.raises(NoSession):
        engine.submit(session["id"], "Thank you!")


def _answer_everything(engine: PracticeEngine, volunteer_id: int, wrong: set[str]) -> None:
    session, scenario, _ = engine.start(volunteer_id, "cli", f"cli:{volunteer_id}")
    for _ in range(len(BANK)):
        answer = "Get lost you idiot" if scenario.id in wrong else (model_answer(scenario) or "")
        scenario = engine.submit(session["id"], answer).next


def test_ready_means_the_share_in_every_route(tmp_path, monkeypatch):
    engine = engine_at(tmp_path / "ready.db")
    perfect, _ = engine.enrol(1, "Perfect")
    _answer_everything(engine, perfect["id"], set())
    progress = engine.progress(perfect["id"])
    assert progress["ready"] and all(r["share"] == 1.0 for r in progress["by_route"].values())
    assert progress["pass_rate"] == 1.0 and progress["mistakes"] == []

    # one miss in a route of 6 (5/6 = 0.83) is fine at the default 0.8; one in a route of 4 (0.75) is not
    big = next(r for r in ROUTES if len(BANK.in_route(r)) >= 5)
    small = next(r for r in ROUTES if len(BANK.in_route(r)) == 4)
    one_big, _ = engine.enrol(2, "One miss, big route")
    _answer_everything(engine, one_big["id"], {BANK.in_route(big)[0].id})
    one_small, _ = engine.enrol(3, "One miss, small route")
    _answer_everything(engine, one_small["id"], {BANK.in_route(small)[0].id})
    assert engine.progress(one_big["id"])["ready"] is True
    p = engine.progress(one_small["id"])
    assert p["ready"] is False and p["by_route"][small]["ready"] is False
    assert "offensive" in {m["name"] for m in p["mistakes"]}

    monkeypatch.setenv("SENDIASS_PRACTICE_READY_SHARE", "1")
    assert engine.progress(one_big["id"])["ready"] is False
    monkeypatch.setenv("SENDIASS_PRACTICE_READY_SHARE", "0.7")
    assert engine.progress(one_small["id"])["ready"] is True
    monkeypatch.setenv("SENDIASS_PRACTICE_READY_SHARE", "80%")
    with pytest.raises(SystemExit, match="SENDIASS_PRACTICE_READY_SHARE"):
        engine.progress(one_small["id"])


# ------------------------------------------------------------------------------------------ terminal

def test_the_terminal_with_piped_stdin(tmp_path):
    env = {"SENDIASS_VAR": str(tmp_path)}
    replies = (f"Hi, sorry Jacob is going through this, we'll make sure it stops.\n"
               f"\n"
               f"Thanks for your message. This page is public so please call {P.phone}. If anyone is in immediate "
               f"danger please call {EMERGENCY}.\n")
    done = sendiass("practice", "--volunteer", "Dee Terminal", input=replies.encode(), env=env, timeout=120)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert "Safe Replies practice for Dee Terminal" in out and "Scenario 1 of" in out and "\033[" not in out
    first = BANK.get("rp-public-part-time-timetable")
    assert first.comment in out
    assert "❌ Not yet" in out and "(personal_data)" in out and guard.CLAUSES["personal_data"] in out
    assert "(promise)" in out and f"Model answer ({first.model_reply}):\n{model_answer(first)}" in out
    assert "This comment needs a reply" in out  # the empty line: no reply, where one was due
    assert "Practice stopped: 3 answered" in out and "Scenario 4 of" in out

    again = sendiass("practice", "--volunteer", "dee terminal", "--count", "1", input=b"Thank you!\n", env=env,
                     timeout=120)
    out2 = again.stdout.decode()
    assert again.returncode == 0 and "Scenario 4 of" in out2 and "Practice stopped: 1 answered" in out2
    assert first.comment not in out2  # no repeats across runs

    assert sendiass("practice", "enrol", "81234567", "Ann", "Lee", "--web-user", "ann.lee", env=env).returncode == 0
    bad = sendiass("practice", "enrol", "not-a-number", "Someone", env=env)
    assert bad.returncode == 2 and "positive number" in bad.stderr.decode()
    listed = sendiass("practice", "list", env=env).stdout.decode()
    assert "Ann Lee\t81234567\tann.lee\tactive" in listed and "Dee Terminal" in listed

    report = tmp_path / "report.csv"
    done = sendiass("practice", "report", "--out", str(report), env=env)
    assert done.returncode == 0 and "2 volunteer(s)" in done.stderr.decode()
    rows = {r["volunteer"]: r for r in csv.DictReader(report.open(encoding="utf-8"))}
    dee = rows["Dee Terminal"]
    assert dee["attempts"] == "4" and dee["scenarios_done"] == "4" and dee["ready"] == "no"
    assert "redirect x" in dee["common_mistakes"] and dee["route_redirect_private"] in ("0/6", "1/6")
    assert dee["rule_personal_data"] == "0.667"  # 3 written replies (one was empty), one with the name
    assert rows["Ann Lee"]["attempts"] == "0" and rows["Ann Lee"]["telegram_user_id"] == "81234567"
    stdout_report = sendiass("practice", "report", env=env).stdout.decode()
    assert next(csv.DictReader(io.StringIO(stdout_report)))["volunteer"] in rows
    assert sendiass("practice", "unenrol", "81234567", env=env).returncode == 0
    assert "Ann Lee\t81234567\tann.lee\tunenrolled" in sendiass("practice", "list", env=env).stdout.decode()


# ------------------------------------------------------------------------------------------ Telegram

VOLUNTEER, STRANGER = 8101, 8102


@pytest.fixture(scope="module")
def trig(model_path, tmp_path_factory):
    """The Telegram rig of tests/test_telegram.py: the Bot API server, an action server and `sendiass telegram`."""
    from bot.botapi import FakeBotAPI
    from tests.test_telegram import STAFF_MEMBER, TOKEN, Rig

    home = tmp_path_factory.mktemp("practice-telegram")
    done = sendiass("practice", "enrol", str(VOLUNTEER), "Priya", "Shah", env={"SENDIASS_VAR": str(home)})
    assert done.returncode == 0, done.stderr.decode()
    api = FakeBotAPI(TOKEN).start()
    api.members.update({STAFF_MEMBER: "member"})
    rig = Rig(api, home, model_path)
    try:
        rig.start_actions()
        rig.start_bot()
        yield rig
    finally:
        rig.stop(rig.bot)
        rig.stop_actions()
        api.stop()


def test_telegram_practice_for_an_enrolled_volunteer(trig):
    from tests.test_telegram import STAFF_CHAT

    staff_before = [m for m in trig.api.sent if m["chat_id"] == STAFF_CHAT]
    # not enrolled: /practice is refused like any staff command
    trig.wait_handled(trig.say(STRANGER, "/practice"))
    [refused] = trig.replies(STRANGER)
    assert "only for the" in refused

    # enrolled: the hello and the first scenario
    trig.wait_handled(trig.say(VOLUNTEER, "/practice"))
    hello, shown = trig.replies(VOLUNTEER)
    first = BANK.get("rp-public-part-time-timetable")
    assert hello.startswith("Hello Priya Shah.") and "/skip" in hello and "/stop" in hello
    assert first.comment in shown and "Scenario 1 of" in shown

    # a practice answer with mistakes: the guard's findings with the policy clause, the points, the model answer
    draft = "Hi, sorry Jacob is going through this. Don't worry, we'll make sure he's back in full time."
    update = trig.say(VOLUNTEER, draft)
    trig.wait_handled(update)
    feedback, nxt = trig.replies(VOLUNTEER)[2:]
    assert feedback.startswith("❌ Not yet") and "(personal_data)" in feedback and "(promise)" in feedback
    assert guard.CLAUSES["personal_data"] in feedback and model_answer(first) in feedback
    assert "✘ gives the phone number or e-mail" in feedback and "Scenario 2 of" in nxt
    # a practice answer is not a message to the service: no ticket, no Rasa turn, nothing for staff
    assert trig.tickets(VOLUNTEER) == []
    assert trig.inbound(update)["route"] == "practice"
    assert [m for m in trig.api.sent if m["chat_id"] == STAFF_CHAT] == staff_before
    tracker = trig.home / "tracker.db"
    if tracker.exists():
        with sqlite3.connect(tracker) as db:
            tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
            if "events" in tables:
                assert db.execute("select count(*) from events where sender_id = ?",
                                  (f"telegram:{VOLUNTEER}",)).fetchone()[0] == 0

    # the bot restarts mid-session: the answer is scored against the scenario shown before
    second = next(s for s in BANK.scenarios if s.comment in nxt)
    trig.stop(trig.bot)
    trig.start_bot()
    trig.wait_handled(trig.say(VOLUNTEER, "/skip"))
    feedback, third = trig.replies(VOLUNTEER)[4:]
    assert "This was: " in feedback and "Scenario 3 of" in third and second.comment not in third
    skipped = score(second, "")
    assert feedback.startswith("✅ Passed" if skipped.passed else "❌ Not yet")

    # an edited message during practice is practice too: a note for the volunteer, nothing for the service
    edit = trig.api.push_update({"edited_message": {
        "message_id": 999, "date": int(time.time()) - 5, "edit_date": int(time.time()),
        "chat": {"id": VOLUNTEER, "type": "private", "first_name": "Priya"},
        "from": {"id": VOLUNTEER, "is_bot": False, "first_name": "Priya"},
        "text": "I'm being hurt at home, I promise I won't tell anyone."}})
    trig.wait_handled(edit)
    assert trig.replies(VOLUNTEER)[-1].startswith("Edited messages aren't marked")
    assert [m for m in trig.api.sent if m["chat_id"] == STAFF_CHAT] == staff_before

    # /progress, then /stop; afterwards messages go to the service again
    trig.wait_handled(trig.say(VOLUNTEER, "/progress"))
    assert trig.replies(VOLUNTEER)[-1].startswith("Progress: 2 of")
    trig.wait_handled(trig.say(VOLUNTEER, "/stop"))
    assert trig.replies(VOLUNTEER)[-1].startswith("Practice stopped: 2 answered this time")
    trig.wait_handled(trig.say(VOLUNTEER, "Is your service free for parents?"))
    from bot.replies import select

    assert trig.replies(VOLUNTEER)[-1] == select("answer", "direct_message", "ask_free").text
    with trig.db() as db:
        attempts = db.execute("select scenario_id, source, source_key, skipped from practice_attempts "
                              "order by id").fetchall()
        outgoing = db.execute("select count(*) from messages where channel = 'telegram_practice'").fetchone()[0]
    assert [tuple(a)[:2] for a in attempts] == [(first.id, "telegram"), (second.id, "telegram")]
    assert attempts[0]["source_key"] == f"telegram:{update}" and attempts[1]["skipped"] == 1
    assert outgoing == 9  # hello, scenario, feedback, scenario, feedback, scenario, edit note, progress, summary


# ------------------------------------------------------------------------------------------ the web

PASSWORD = {"practice.amira": "amira's practice passphrase", "practice.priya": "priya's practice passphrase",
            "practice.bea": "bea's browser passphrase"}


@pytest.fixture(scope="module")
def web(server):
    from tests.review_support import add_user

    add_user(server["home"], "practice.amira", "staff", PASSWORD["practice.amira"])
    add_user(server["home"], "practice.priya", "approver", PASSWORD["practice.priya"])
    add_user(server["home"], "practice.bea", "staff", PASSWORD["practice.bea"])
    return server


def test_the_practice_api_needs_a_session_and_the_csrf_token(web):
    from tests.review_support import sign_in

    base = web["url"]
    page = requests.get(f"{base}/practice", allow_redirects=False, timeout=10)
    assert page.status_code == 303 and page.headers["location"].endswith("/review/login")
    for path in ("/api/practice/state", "/api/practice/report", "/api/practice/report.csv"):
        assert requests.get(base + path, timeout=10).status_code == 401, path
    for path in ("/api/practice/start", "/api/practice/answer", "/api/practice/stop"):
        assert requests.post(base + path, json={}, timeout=10).status_code == 401, path

    amira = sign_in(base, "practice.amira", PASSWORD["practice.amira"])
    assert amira.post_json("/api/practice/start", csrf=None).status_code == 403
    assert amira.post_json("/api/practice/start", csrf="wrong").status_code == 403
    assert amira.post_json("/api/practice/answer", {"scenario_id": "x", "answer": ""}).status_code == 404
    started = amira.post_json("/api/practice/start")
    assert started.status_code == 200, started.text
    scenario = started.json()["scenario"]
    assert "route" not in scenario and "points" not in scenario  # nothing given away before the attempt
    assert amira.post_json("/api/practice/answer", {"scenario_id": "nope", "answer": ""}).status_code == 409
    answered = amira.post_json("/api/practice/answer", {"scenario_id": scenario["id"], "answer": "Thank you!"})
    assert answered.status_code == 200 and answered.json()["result"]["scenario"]["id"] == scenario["id"]
    assert answered.json()["progress"]["attempts"] == 1
    again = amira.post_json("/api/practice/answer", {"scenario_id": scenario["id"], "answer": "Thanks"})
    assert again.status_code == 409  # that scenario was answered already
    assert amira.get_json("/api/practice/report").status_code == 403
    assert amira.get_json("/practice/coordinator").status_code == 403
    assert amira.get_json("/practice/static/practice.js").headers["content-type"].startswith("text/javascript")

    priya = sign_in(base, "practice.priya", PASSWORD["practice.priya"])
    report = priya.get_json("/api/practice/report").json()
    [row] = [v for v in report["volunteers"] if v["volunteer"]["web_user"] == "practice.amira"]
    assert row["attempts"] == 1 and report["ready_share"] == 0.8
    csv_text = priya.get_json("/api/practice/report.csv")
    assert csv_text.headers["content-type"].startswith("text/csv") and "practice.amira" in csv_text.text
    stopped = amira.post_json("/api/practice/stop")
    assert stopped.status_code == 200 and stopped.json()["summary"]["answered"] == 1


def open_practice(browser, base: str, name: str, path: str = "/practice"):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # script errors, CSP refusals, and any failed request of ours (the browser's own /favicon.ico aside)
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{base}{path}")
    assert page.url.endswith("/review/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/review")
    page.goto(f"{base}{path}")
    page.wait_for_selector("#who:has-text('Signed in as')")
    return context, page, problems


def test_the_practice_tab_in_a_browser(web, browser):
    base = web["url"]
    context, page, problems = open_practice(browser, base, "practice.bea")
    assert page.get_attribute(".tabs a[data-tab=practice]", "aria-current") == "page"
    assert page.is_hidden("#tab-coordinator")  # staff: no coordinator's tab
    page.click("#start")
    page.wait_for_selector("#scenario:not([hidden])")
    first = BANK.get(page.get_attribute("#scenario", "data-scenario"))
    assert page.inner_text("[data-testid=scenario-comment]") == first.comment

    # a draft with mistakes: each finding with its policy clause, the points, the model answer and a tip
    page.fill("#answer", "Hi, we'll make sure you're sorted by tomorrow, I promise.")
    page.click("#submit")
    page.wait_for_selector("#feedback:not([hidden])")
    assert page.get_attribute("#feedback", "data-passed") == "false"
    promise = page.locator("[data-testid=finding][data-rule=promise]")
    assert promise.count() >= 1
    assert guard.CLAUSES["promise"] in promise.first.inner_text()
    assert page.locator("[data-testid=point][data-met=false]").count() >= 1
    assert page.inner_text("#model-answer") == (model_answer(first) or page.inner_text("#model-answer"))
    assert page.inner_text("#tip").startswith("Tip:")
    assert page.locator("[data-testid=mistake]").count() >= 1

    # the next scenario is another one; a good answer passes
    page.click("#next")
    page.wait_for_selector("#scenario:not([hidden])")
    second = BANK.get(page.get_attribute("#scenario", "data-scenario"))
    assert second.id != first.id and page.inner_text("#scenario-title").startswith("Scenario 2 of")
    if second.model_reply is None:
        page.click("#skip")
    else:
        page.fill("#answer", model_answer(second))
        page.click("#submit")
    page.wait_for_selector("#feedback[data-passed=true]")
    assert page.locator("[data-testid=point][data-met=false]").count() == 0

    # a reload carries on with the scenario after
    page.reload()
    page.wait_for_selector("#scenario:not([hidden])")
    third = page.get_attribute("#scenario", "data-scenario")
    assert third not in (first.id, second.id)
    page.click("#stop")
    page.wait_for_selector("#message:has-text('Practice stopped: 2 answered')")
    assert page.inner_text("#progress-summary").startswith("2 of")
    assert problems == []
    context.close()

    # the coordinator (an approver) sees every volunteer's progress
    context, page, problems = open_practice(browser, base, "practice.priya", "/practice/coordinator")
    page.wait_for_selector("[data-testid=volunteer-row][data-volunteer='practice.bea']")
    row = page.locator("[data-testid=volunteer-row][data-volunteer='practice.bea']")
    assert row.get_attribute("data-ready") == "false"
    assert row.locator("[data-testid=passed]").inner_text() == "1"
    assert "promises" in row.locator("[data-testid=mistakes]").inner_text()
    assert page.get_attribute(".tabs a[data-tab=coordinator]", "aria-current") == "page"
    assert problems == []
    context.close()
