"""The policy guard (bot/guard.py): one group of must / must-not cases per rule, evidence spans,
policy clauses, the rewrite passing its own check, the profanity whitelist and the speed budget.

Every sentence here is written for these tests (none comes from shared/eval).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot import guard
from bot.profile import load_profile

POLICY = Path(__file__).resolve().parent.parent.parent / "shared" / "policy" / "social-media-policy.txt"

PHONE = "0116 482 0870"
EMAIL = "info@sendiassleicester.org.uk"

DISCLOSURE = {"route": "redirect_private", "disclosure": True, "complaint": False, "detections": []}
COMPLAINT = {"route": "complaint", "disclosure": False, "complaint": True, "detections": []}
ANSWER = {"route": "answer", "disclosure": False, "complaint": False, "detections": []}
SAFEGUARDING = {"route": "safeguarding", "disclosure": False, "complaint": False, "detections": []}


def rules_of(reply: str, comment: str | None = None, triage: dict | None = None) -> set[str]:
    return {v.rule for v in guard.check(reply, comment, triage, rewrite=False).violations}


def assert_spans(reply: str, verdict: guard.Verdict) -> None:
    for v in verdict.violations:
        assert 0 <= v.start <= v.end <= len(reply)
        assert reply[v.start:v.end] == v.evidence
        assert v.clause == guard.CLAUSES[v.rule]
        assert v.message.endswith(".") and len(v.message) < 220


# --------------------------------------------------------------------------------------------------
# Cases: (reply, comment, triage). MUST[rule] must raise that rule; MUST_NOT[rule] must not.
# --------------------------------------------------------------------------------------------------

NAMED = "my daughter Maisie is in year 3 at Hollybrook Primary and they keep sending her home at lunch"
NAMED_TRIAGE = {"route": "redirect_private", "disclosure": True, "complaint": False,
                "detections": [{"type": "child_name", "category": "disclosure", "start": 12, "end": 18},
                               {"type": "child_age_school", "category": "disclosure", "start": 25, "end": 52}]}

MUST = {
    "personal_data": [
        ("So sorry Maisie is going through this, please ring us.", NAMED, NAMED_TRIAGE),
        ("Hollybrook Primary should know better. Call " + PHONE + ".", NAMED, NAMED_TRIAGE),
        ("Children in year 3 like her deserve a full day. Call " + PHONE + ".", NAMED, NAMED_TRIAGE),
        ("We'll text you back on 07700 900456.", "ring me on 07700 900456 please, it's about my son's EHCP",
         None),
        ("Drop a line to kerry.b@example.com and she'll help.", None, None),
        ("Hi Marcus, please call " + PHONE + ".", "I'm Marcus and my son has just been excluded from his academy",
         DISCLOSURE),
        ("Sorry to hear your son has autism and has been excluded. Call " + PHONE + ".",
         "my son has autism and got excluded", DISCLOSURE),
    ],
    "promise": [
        ("Don't worry, we will make sure the school follows his plan.", None, None),
        ("I promise we'll get this resolved.", None, None),
        ("An adviser will phone you this evening.", None, None),
        ("With our help you're guaranteed to get a place.", None, None),
        ("She'll definitely get an EHCP.", None, None),
        ("We'll get the council to change its decision.", None, None),
        ("We'll come with you to the annual review and sort everything out.", None, None),
        ("It won't happen again.", None, None),
    ],
    "partiality": [
        ("Honestly the school sounds awful.", None, None),
        ("We're firmly on the family's side in this.", None, None),
        ("The local authority is breaking the law by refusing.", None, None),
        ("That's a disgrace and the headteacher should be ashamed.", None, None),
        ("Local authorities nearly always lose at tribunal.", None, None),
        ("The Tories ruined SEND funding.", None, None),
        ("Buy them on eBay, much cheaper.", None, None),
        ("Her dad is being totally unreasonable.", None, None),
        ("Councils just try to save money by saying no.", None, None),
    ],
    "offensive": [
        ("What a damn stupid thing to ask.", None, None),
        ("Stop moaning, it's only a form.", None, None),
        ("Calm down, we're doing our best.", None, None),
        ("Are you deaf? We said Tuesday.", None, None),
        ("That's a silly question lol", None, None),
        ("Some of the parents on here are total retards.", None, None),
        ("Don't call him a spastic.", None, None),
        ("Whatever.", None, None),
        ("It is all on our website if you'd bothered to look.", None, None),
        ("PLEASE READ THE POST BEFORE COMMENTING", None, None),
        ("What the f*ck is this?", None, None),
    ],
    "missing_redirect": [
        ("So sorry to hear this, schools should include every child.", "my son was left out of sports day because "
         "he uses a wheelchair", DISCLOSURE),
        ("We're concerned to read this and have passed it on.", "my dad hits my little brother", SAFEGUARDING),
        ("Happy to help - just post your phone number below and we'll be in touch.", None, None),
        ("Let us know your child's name and school and we'll look into it.", None, None),
        ("Could you tell us a bit more about what's going on?", None, None),
        ("Does he have an EHCP already?", None, None),
    ],
    "complaint_not_routed": [
        ("Thanks, we'll pass that on.", "you never answer the phone", COMPLAINT),
        ("That's simply not true, we answered every call that week.", None, None),
        ("According to our records you didn't leave a number.", None, None),
        ("It's not our fault the lines were busy.", None, None),
        ("You should have emailed instead.", None, None),
        ("Take it up with the council then.", None, None),
    ],
    "out_of_expertise": [
        ("Try 2.5 mg and see how he sleeps.", None, None),
        ("I'd stop her medication over the summer.", None, None),
        ("Try giving him melatonin before bed.", None, None),
        ("From what you describe it sounds like she has dyspraxia.", None, None),
        ("You should sue the academy.", None, None),
        ("Get a solicitor and take them to court.", None, None),
        ("You have every right to attend whatever your ex says.", None, None),
        ("He'd qualify for the enhanced rate of PIP.", None, None),
    ],
}

MUST_NOT = {
    "personal_data": [
        ("Please call " + PHONE + " or email " + EMAIL + ".", None, None),
        ("Call us on 01164820870, or +44 116 482 0870 from abroad.", None, None),
        ("Email INFO@SENDIASSLEICESTER.ORG.UK any time.", None, None),
        ("In an emergency call 999. Childline is on 0800 1111 and Samaritans on 116 123.", None, None),
        ("The NSPCC helpline is 0808 800 5000.", None, None),
        ("We're sorry to hear this. Please contact us privately on " + PHONE + ".", NAMED, NAMED_TRIAGE),
        ("Young people aged 16 to 25 can contact us directly on " + PHONE + ".", "my 16 year old has an EHCP",
         DISCLOSURE),
        ("Schools must not discriminate against disabled pupils.", None, None),
        ("Information about Disability Living Allowance is on GOV.UK.", None, None),
        ("We'd love to see you at our coffee morning!", None, None),
    ],
    "promise": [
        ("We can offer information, advice and support, and we'd be happy to talk it through.", None, None),
        ("Leave a message and we'll reply as soon as we can.", None, None),
        ("We'll call you back as soon as we can.", None, None),
        ("Email us and we'll send you information about volunteering.", None, None),
        ("We can't guarantee an outcome, but we can help you prepare.", None, None),
        ("A member of the team will read your message and get back to you.", None, None),
        ("We'll be at the library on Saturday for our drop-in.", None, None),
    ],
    "partiality": [
        ("We're funded by the local authority but we work at arm's length and give impartial information.",
         None, None),
        ("You can appeal against the council's decision to the SEND Tribunal.", None, None),
        ("We don't take sides, but we can explain how the process works.", None, None),
        ("The local authority should decide within 6 weeks whether to assess.", None, None),
        ("IPSEA and Contact also have useful guides, and we'd recommend IPSEA's website.", None, None),
        ("Every child with SEND has the right to an education.", None, None),
    ],
    "offensive": [
        ("We support children who are deaf, blind, autistic or disabled, and those with special needs.",
         None, None),
        ("Our sex education and relationships workshop covers mental health too.", None, None),
        ("Potty training, nappies and dummies come up a lot at our drop-ins.", None, None),
        ("We had visitors from Scunthorpe and Essex at the assessment class.", None, None),
        ("Thank you so much xx", None, None),
        ("Whatever your child's needs, we can help.", None, None),
        ("Gay, lesbian and questioning young people with SEND are welcome at our group.", None, None),
        ("If anyone is at risk of abuse, rape or being killed, call 999.", None, None),
        ("That's a good question!", None, None),
    ],
    "missing_redirect": [
        ("We're sorry to hear this. Please call us on " + PHONE + " so we can talk in confidence.",
         "my son was left out of sports day because he uses a wheelchair", DISCLOSURE),
        ("Please email " + EMAIL + " - this page isn't confidential.",
         "my son was left out of sports day because he uses a wheelchair", DISCLOSURE),
        ("Please ring 0116 4820870 for a confidential chat.", "my daughter has an EHCP review next week",
         DISCLOSURE),
        ("An EHCP is a legal document describing a child's needs.", "what is an EHCP?", ANSWER),
        ("Please don't share your child's name or school here - this page is public.", None, None),
        ("When you call, have your child's EHCP to hand.", None, None),
    ],
    "complaint_not_routed": [
        ("We're sorry. Please use our feedback and complaints procedure, or call " + PHONE + ".",
         "you never answer the phone", COMPLAINT),
        ("Sorry about this - you can make a complaint at https://www.sendiassleicester.org.uk/feedback.",
         "you never answer the phone", COMPLAINT),
        ("That's correct, the line is open three days a week.", None, None),
        ("It's not true that you need a diagnosis to ask for an assessment.", None, None),
        ("Thanks for asking! Our phone line is open Monday to Wednesday.", "when is your line open?", ANSWER),
    ],
    "out_of_expertise": [
        ("We're not able to advise on medication - please speak to your GP, paediatrician or pharmacist.",
         None, None),
        ("Please talk to your GP before you stop or change any medication.", None, None),
        ("We can't give legal advice about suing anyone, but IPSEA offers free legal information.", None, None),
        ("Parents can ask for an EHC needs assessment and appeal if it is refused.", None, None),
        ("Questions about PIP are best answered by Citizens Advice.", None, None),
    ],
}


def _cases(table):
    return [pytest.param(rule, *case, id=f"{rule}-{i}") for rule, cases in table.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize("rule,reply,comment,triage", _cases(MUST))
def test_rule_triggers(rule, reply, comment, triage):
    verdict = guard.check(reply, comment, triage)
    assert not verdict.ok
    assert rule in {v.rule for v in verdict.violations}, [v.to_dict() for v in verdict.violations]
    assert_spans(reply, verdict)


@pytest.mark.parametrize("rule,reply,comment,triage", _cases(MUST_NOT))
def test_rule_does_not_trigger(rule, reply, comment, triage):
    verdict = guard.check(reply, comment, triage)
    assert rule not in {v.rule for v in verdict.violations}, [v.to_dict() for v in verdict.violations]
    assert_spans(reply, verdict)


@pytest.mark.parametrize("rule,reply,comment,triage", _cases(MUST))
def test_rewrite_passes_its_own_check(rule, reply, comment, triage):
    verdict = guard.check(reply, comment, triage)
    if verdict.suggestion is None:
        assert verdict.note, "no suggestion must come with a note saying why"
    else:
        again = guard.check(verdict.suggestion, comment, triage, rewrite=False)
        assert again.ok, (verdict.suggestion, [v.to_dict() for v in again.violations])
        assert verdict.note is None


# --------------------------------------------------------------------------------------------------
# Evidence, clauses, API shape
# --------------------------------------------------------------------------------------------------

def test_evidence_spans_point_at_the_offending_words():
    reply = "Thanks! We will make sure she gets a place, the council are useless. Call 07700 900789."
    verdict = guard.check(reply)
    by_rule = {v.rule: v for v in verdict.violations}
    assert by_rule["promise"].evidence.lower().startswith("we will make sure")
    assert "useless" in by_rule["partiality"].evidence
    assert by_rule["personal_data"].evidence == "07700 900789"
    for v in verdict.violations:
        assert reply[v.start:v.end] == v.evidence


def test_missing_redirect_evidence_is_the_whole_reply():
    reply = "That sounds really hard, we hope things improve."
    verdict = guard.check(reply, "my son has been out of school since March", DISCLOSURE)
    [finding] = [v for v in verdict.violations if v.rule == "missing_redirect"]
    assert (finding.start, finding.end, finding.evidence) == (0, len(reply), reply)


def test_invitation_evidence_is_the_invitation():
    reply = "Thanks for asking. Please comment your number below and we'll ring you."
    [finding] = [v for v in guard.check(reply).violations if v.rule == "missing_redirect"]
    assert "comment your number" in finding.evidence.lower() and finding.end < len(reply)


def test_rules_and_clauses():
    assert guard.RULES == ("personal_data", "promise", "partiality", "offensive", "missing_redirect",
                           "complaint_not_routed", "out_of_expertise")
    assert set(guard.CLAUSES) == set(guard.RULES)
    assert guard.CLAUSES["promise"] == ("They should be extra careful when making declarations or promises towards "
                                        "service users, partners or funders.")


@pytest.mark.skipif(not POLICY.exists(), reason="shared/policy/social-media-policy.txt is not beside the project")
def test_clauses_are_quoted_verbatim_from_the_policy():
    text = POLICY.read_text(encoding="utf-8")
    for rule, clause in guard.CLAUSES.items():
        assert clause in text, rule


def test_verdict_and_finding_dicts():
    ok = guard.check("Thank you, that means a lot to the team!")
    assert ok.ok and ok.violations == () and ok.suggestion is None and ok.note is None
    assert ok.to_dict() == {"ok": True, "violations": [], "suggestion": None}

    bad = guard.check("We promise he'll get an EHCP.")
    d = bad.to_dict()
    assert d["ok"] is False and set(d) >= {"ok", "violations", "suggestion"}
    assert set(d["violations"][0]) == {"rule", "clause", "start", "end", "evidence", "message"}
    assert ("note" in d) == (bad.note is not None)


def test_abusive_reply_gets_no_suggestion_but_a_note():
    verdict = guard.check("Get over it, nobody cares about your whining.", "you lot are hopeless", COMPLAINT)
    assert not verdict.ok and verdict.suggestion is None
    assert verdict.note and "note" in verdict.to_dict()


def test_rewrite_keeps_safe_sentences_and_adds_what_is_missing():
    from bot.replies import snippet

    comment = "Hi I'm Dana, my son Ollie has ADHD and the school want him on a part time timetable"
    verdict = guard.check("Hi Dana, thanks for your message. Ollie deserves better than that.", comment, DISCLOSURE)
    assert {"personal_data", "missing_redirect"} <= {v.rule for v in verdict.violations}
    s = verdict.suggestion
    assert s and "Dana" not in s and "Ollie" not in s
    assert s.startswith("Hi, thanks for your message.")
    assert snippet("guard.redirect") in s
    assert guard.check(s, comment, DISCLOSURE, rewrite=False).ok


def test_rewrite_softens_promises_and_routes_complaints():
    from bot.replies import snippet

    promise = guard.check("Thanks for asking. We'll make sure he gets the support he needs.")
    assert snippet("guard.promise_softened") in promise.suggestion
    assert promise.suggestion.startswith("Thanks for asking.")

    complaint = guard.check("Our records show we called you back twice.", "nobody ever rings back", COMPLAINT)
    assert snippet("guard.complaint_route") in complaint.suggestion
    assert "records" not in complaint.suggestion


def test_rewrite_false_gives_no_suggestion():
    verdict = guard.check("You'll definitely win at tribunal.", rewrite=False)
    assert not verdict.ok and verdict.suggestion is None


# --------------------------------------------------------------------------------------------------
# The comment: triage, detector fallback, complaints
# --------------------------------------------------------------------------------------------------

def test_comment_without_triage_uses_the_detector_for_disclosure():
    comment = "my son Tomasz is 8 and has been excluded twice this term"
    assert "missing_redirect" in rules_of("That must be so hard.", comment)
    assert "missing_redirect" not in rules_of("That must be so hard. Please call " + PHONE + ".", comment)
    assert "personal_data" in rules_of("Tomasz deserves better. Call " + PHONE + ".", comment)


def test_comment_without_triage_is_not_assumed_to_be_a_complaint():
    comment = "you took ages to reply to my email"
    assert "complaint_not_routed" not in rules_of("Sorry for the wait!", comment)
    assert "complaint_not_routed" in rules_of("Sorry for the wait!", comment, COMPLAINT)


def test_no_comment_means_no_redirect_needed():
    assert guard.check("An annual review happens at least once a year.").ok


def test_safeguarding_route_counts_as_disclosure():
    assert "missing_redirect" in rules_of("Thank you for telling us.", "he hurts me", SAFEGUARDING)


def test_library_snippets_pass_the_guard():
    from bot.replies import snippet

    for key in ("guard.redirect", "guard.complaint_route", "guard.promise_softened", "guard.out_of_expertise",
                "guard.generic_opening"):
        assert guard.check(snippet(key)).ok, key


def test_official_contacts_come_from_the_profile():
    p = load_profile()
    assert guard.check(f"Call {p.phone} or email {p.email}.").ok


# --------------------------------------------------------------------------------------------------
# Profanity list
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["disabled", "sex education", "special needs", "deaf", "blind", "autistic",
                                  "mental health", "Scunthorpe", "assessment", "potty", "dummy", "stroke",
                                  "sexual health", "oral medication", "niggle", "xx"])
def test_send_words_are_not_profanity(word):
    assert "offensive" not in rules_of(f"We can talk about {word} with you.")


@pytest.mark.parametrize("text", ["this is bullshit", "what a b1tch", "sh1t happens", "that's crap",
                                  "you're a moron", "a mong", "what a cripple"])
def test_profanity_and_slurs_are_found(text):
    assert "offensive" in rules_of(text)
