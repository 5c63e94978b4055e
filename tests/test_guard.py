"""The policy guard (bot/guard.py): one group of must / must-not cases per rule, evidence spans,
policy clauses, the rewrite passing its own check, the profanity whitelist, and the linear-time
rewrites finding what the patterns they replace find (growth of work: tests/test_adversarial.py).

Every sentence here is written for these tests (none comes from shared/eval).
"""
from __future__ import annotations

import re
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


def test_plain_criticism_of_the_service_counts_as_a_complaint_without_a_triage():
    comment = "phoned you four times about my lad's transport and nobody ever rang me back"
    assert "complaint_not_routed" in rules_of("Sorry about that. Please call " + PHONE + ".", comment)
    assert "complaint_not_routed" not in rules_of(
        "Sorry about that. Please call " + PHONE + " and you can use our feedback and complaints procedure.", comment)


def test_a_given_triage_has_the_last_word_on_complaint():
    # The assistant's triage applies the same cues (tests/test_triage.py); when a caller says "no complaint"
    # (safeguarding signposting), the guard does not second-guess it.
    comment = "phoned you four times and nobody rang back. I keep thinking about ending my life."
    safeguarding = {"route": "safeguarding", "disclosure": True, "complaint": False, "detections": []}
    assert "complaint_not_routed" not in rules_of("If anyone is in immediate danger, please call 999. "
                                                  "You can also call us on " + PHONE + ".", comment, safeguarding)


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


# --------------------------------------------------------------------------------------------------
# Pattern families added for wording the first 30 replies never used. Each family has sentences that
# must raise the rule and near misses that must not; every sentence is written for these tests.
# (family, rule, reply, comment, triage, raised?)
# --------------------------------------------------------------------------------------------------

MEDICAL_Q = "is it ok to give my boy his melatonin earlier in the evening?"
SKIN_Q = "my daughter's psoriasis flares up in PE"
POLITICS_Q = "what's your take on the minister's new SEND plans?"
CAMPAIGN_Q = "please share our petition to keep the hydrotherapy pool open"
ATTACK_Q = "the academy trust round here are an absolute joke with SEN kids"
WILL_Q = "will the LA fund the specialist place we asked for?"

FAMILIES = [
    # -- complaint_not_routed: defending the service, excuses, blaming the person, records
    ("defend", "complaint_not_routed", "Our advisers are all properly qualified, so the advice will have been right.", None, None, True),
    ("defend", "complaint_not_routed", "The guide was checked by specialists before it went out.", None, None, True),
    ("defend", "complaint_not_routed", "We went on what you told us at the time.", None, None, False),
    ("defend", "complaint_not_routed", "That advice was based on the information you gave us back then.", None, None, True),
    ("defend", "complaint_not_routed", "Sorry you saw it like that, but we did our best.", None, None, True),
    ("defend", "complaint_not_routed", "We don't accept that our volunteer was rude.", None, None, True),
    ("defend", "complaint_not_routed", "We're confident our team handled it properly.", None, None, True),
    ("defend", "complaint_not_routed", "Our advisers are happy to go through it again with you.", None, None, False),
    ("excuse", "complaint_not_routed", "Our team handles thousands of enquiries a year, so delays happen.", None, None, True),
    ("excuse", "complaint_not_routed", "We're a tiny team, so please be patient.", None, None, True),
    ("excuse", "complaint_not_routed", "Three weeks isn't that long given the demand.", None, None, True),
    ("excuse", "complaint_not_routed", "It must be your browser, the form loads fine for us.", None, None, True),
    ("excuse", "complaint_not_routed", "That's the phone network, not us.", None, None, True),
    ("excuse", "complaint_not_routed", "There's nothing we can do about the waiting list.", None, None, True),
    ("excuse", "complaint_not_routed", "We're a small team, so please bear with us, and you can use our feedback and complaints "
                                       "procedure if you'd like to.", None, None, False),
    ("blame", "complaint_not_routed", "You may have misread the dates on the poster.", None, None, True),
    ("blame", "complaint_not_routed", "Next time, check our page before setting off.", None, None, True),
    ("blame", "complaint_not_routed", "Your voicemail was full when we rang.", None, None, True),
    ("blame", "complaint_not_routed", "Our volunteer has been doing this for 12 years.", None, None, True),
    ("blame", "complaint_not_routed", "We can't be held responsible for what the panel decided.", None, None, True),
    ("blame", "complaint_not_routed", "Next steps are explained in the letter we sent.", None, None, False),
    # -- complaint cues in the comment (the classifier's flag is missing)
    ("cue", "complaint_not_routed", "Thanks for letting us know.", "been on hold for 25 minutes again and then got cut off", None, True),
    ("cue", "complaint_not_routed", "Thanks for letting us know.", "your online form just gives an error every time", None, True),
    ("cue", "complaint_not_routed", "Thanks for letting us know.", "why did you remove my post about the coffee morning?", None, True),
    ("cue", "complaint_not_routed", "Thanks for letting us know.", "the adviser I spoke to kept talking over me", None, True),
    ("cue", "complaint_not_routed", "Thanks for letting us know.", "the council never rang me back about his transport", ANSWER, False),
    ("cue", "complaint_not_routed", "Thanks for letting us know.", "the school are useless, three emails and no reply", ANSWER, False),
    ("cue", "complaint_not_routed", "Thanks for letting us know.", "is there a waiting list to speak to someone?", ANSWER, False),
    # -- partiality: verdicts on another party, in new words
    ("verdict", "partiality", "Trusts like that couldn't care less about SEN pupils.", None, None, True),
    ("verdict", "partiality", "The head is clearly out of his depth.", None, None, True),
    ("verdict", "partiality", "Sadly they think they can get away with anything.", None, None, True),
    ("verdict", "partiality", "The LA has a long history of this, I'm afraid.", None, None, True),
    ("verdict", "partiality", "That nursery has a terrible reputation.", None, None, True),
    ("verdict", "partiality", "Greenbank Academy is brilliant with autistic pupils.", None, None, True),
    ("verdict", "partiality", "It's a cost-cutting exercise dressed up as inclusion.", None, None, True),
    ("verdict", "partiality", "Your partner needs to back off and let you decide.", None, None, True),
    ("verdict", "partiality", "He's only doing it to wind you up, ignore him.", None, None, True),
    ("verdict", "partiality", "The SENCO should be doing far more for him.", None, None, True),
    ("verdict", "partiality", "Your GP is the best person to ask about sleep.", None, None, False),
    ("verdict", "partiality", "That sounds awful for him, we're so sorry.", None, None, False),
    ("verdict", "partiality", "We can't say whether the school is failing, but we can explain its duties.", None, None, False),
    ("verdict", "partiality", "The SENCO is usually the best first contact in school.", None, None, False),
    ("verdict", "partiality", "Well done Amara, you were brilliant at the youth forum!", None, None, False),
    ("verdict", "partiality", "Schools must make reasonable adjustments for disabled pupils.", None, None, False),
    ("motive", "partiality", "Councils say no first time just to save on costs.", None, None, True),
    ("motive", "partiality", "Typical of that academy, hoping you won't appeal.", None, None, True),
    ("motive", "partiality", "Local authorities usually back down once you appeal.", None, None, True),
    ("motive", "partiality", "Heads always think they know best.", None, None, True),
    ("motive", "partiality", "The local authority must reply within six weeks.", None, None, False),
    ("accuse", "partiality", "That's indirect discrimination, no question.", None, None, True),
    ("accuse", "partiality", "They're in breach of their duties under the Code.", None, None, True),
    ("accuse", "partiality", "It is unlawful for a school to exclude a pupil informally.", None, None, False),
    ("rank", "partiality", "Private EPs are much more thorough than the council's.", None, None, True),
    ("rank", "partiality", "Westfield is miles better than the other schools in the area.", None, None, True),
    ("rank", "partiality", "Home ed was honestly the best decision we ever made.", None, None, True),
    ("rank", "partiality", "Special schools every time for kids like yours.", None, None, True),
    ("rank", "partiality", "Don't accept it, fight them on it.", None, None, True),
    ("rank", "partiality", "We can help you think about the right school for her.", None, None, False),
    ("rank", "partiality", "Please don't take it personally, it's a standard letter.", None, None, False),
    ("politics", "partiality", "Between you and me, this government has been a disaster for SEND.", None, None, True),
    ("politics", "partiality", "These reforms would be catastrophic for families.", None, None, True),
    ("politics", "partiality", "We're deeply worried about the new proposals.", None, None, True),
    ("politics", "partiality", "Anyone but the lot in charge now.", None, None, True),
    ("politics", "partiality", "We'd urge all our followers to lobby their MP against it.", None, None, True),
    ("politics", "partiality", "We can't say which party is best, but we can explain the current law.", None, None, False),
    ("politics", "partiality", "The consultation on the proposals is open until May.", None, None, False),
    ("opinion", "partiality", "Honestly, they look like a step backwards.", POLITICS_Q, ANSWER, True),
    ("opinion", "partiality", "We think they're a real shame.", POLITICS_Q, ANSWER, True),
    ("opinion", "partiality", "As an impartial service we don't give views on policy, but the plans are on GOV.UK.", POLITICS_Q,
     ANSWER, False),
    ("agree", "partiality", "They really are, sadly.", ATTACK_Q, ANSWER, True),
    ("agree", "partiality", "You're not the first parent to tell us that.", ATTACK_Q, ANSWER, True),
    ("agree", "partiality", "We're sorry you've had a hard time. We can't comment on other organisations.", ATTACK_Q, ANSWER,
     False),
    ("campaign", "partiality", "Done! Everyone should sign it.", CAMPAIGN_Q, ANSWER, True),
    ("campaign", "partiality", "Happy to share this with our followers.", CAMPAIGN_Q, ANSWER, True),
    ("campaign", "partiality", "Thanks for asking. As an impartial service we don't share petitions.", CAMPAIGN_Q, ANSWER, False),
    # -- offensive: put-downs, sarcasm, condescension, retorts
    ("insult", "offensive", "Go and find someone else to bother, you sad little keyboard warrior.", None, None, True),
    ("insult", "offensive", "What a small-minded comment.", None, None, True),
    ("insult", "offensive", "Right back at you.", None, None, True),
    ("insult", "offensive", "Thanks for the diagnosis, Dr Google.", None, None, True),
    ("insult", "offensive", "We want this page to stay a respectful place for everyone.", None, None, False),
    ("sarcasm", "offensive", "It's in literally every newsletter we send.", None, None, True),
    ("sarcasm", "offensive", "Have a read of the pinned post before asking next time.", None, None, True),
    ("sarcasm", "offensive", "A bit more patience wouldn't go amiss.", None, None, True),
    ("sarcasm", "offensive", "Case closed.", None, None, True),
    ("sarcasm", "offensive", "Er, yes? Says so on the poster.", None, None, True),
    ("sarcasm", "offensive", "Clearly not, since we answered within the hour.", None, None, True),
    ("sarcasm", "offensive", "We'll answer when we answer.", None, None, True),
    ("sarcasm", "offensive", "Bye then.", None, None, True),
    ("sarcasm", "offensive", "The hours are the hours.", None, None, True),
    ("sarcasm", "offensive", "Wow! Thank you so much for the lovely message.", None, None, False),
    ("sarcasm", "offensive", "Relax and enjoy the summer break, everyone!", None, None, False),
    ("sarcasm", "offensive", "Our newsletter goes out every month.", None, None, False),
    ("condescend", "offensive", "How many times do we need to say it?", None, None, True),
    ("condescend", "offensive", "Not hard to find.", None, None, True),
    ("condescend", "offensive", "A quick search would have told you that.", None, None, True),
    ("condescend", "offensive", "Do some reading before you complain.", None, None, True),
    ("condescend", "offensive", "We're not mind readers.", None, None, True),
    ("condescend", "offensive", "We have families too, you know.", None, None, True),
    ("condescend", "offensive", "Try spelling it properly.", None, None, True),
    ("condescend", "offensive", "Someone's feeling brave today.", None, None, True),
    ("condescend", "offensive", "It isn't difficult to ask for an assessment: write to the local authority.", None, None, False),
    ("condescend", "offensive", "You know your child best, and we can help you prepare.", None, None, False),
    ("deride", "offensive", "Your post was a load of nonsense.", None, None, True),
    ("deride", "offensive", "It was spam, so it went.", None, None, True),
    ("deride", "offensive", "Your feedback is really useful to us.", None, None, False),
    # -- promise: acting for the family, third parties and track records
    ("act", "promise", "We'll chase the SEND team first thing.", None, None, True),
    ("act", "promise", "We'll ring Oakmead for you this afternoon.", None, None, True),
    ("act", "promise", "We'll sort the paperwork out for you.", None, None, True),
    ("act", "promise", "We'll be contacting the head to put this right.", None, None, True),
    ("act", "promise", "We'll put the request in on your behalf.", None, None, True),
    ("act", "promise", "We'll get his hours reinstated.", None, None, True),
    ("act", "promise", "We'll find him a better school.", None, None, True),
    ("act", "promise", "We can talk you through how to write to the school.", None, None, False),
    ("act", "promise", "We'll make sure the team sees your message.", None, None, False),
    ("act", "promise", "We'll send you our factsheet on transport.", None, None, False),
    ("third", "promise", "Dev from our team will phone you by lunchtime.", None, None, True),
    ("third", "promise", "She'll call you back without fail.", None, None, True),
    ("third", "promise", "Someone will be in touch within the hour.", None, None, True),
    ("third", "promise", "One of our advisers will represent you at the panel.", None, None, True),
    ("third", "promise", "One of our advisers will get back to you as soon as they can.", None, None, False),
    ("certain", "promise", "She'll keep her plan, no question.", None, None, True),
    ("certain", "promise", "You'll win, trust me.", None, None, True),
    ("certain", "promise", "They'll have to say yes, end of story.", None, None, True),
    ("certain", "promise", "Getting the plan is a formality for a child like her.", None, None, True),
    ("certain", "promise", "We've never lost an appeal, so you're in safe hands.", None, None, True),
    ("certain", "promise", "I'm sure they will agree.", None, None, True),
    ("certain", "promise", "He'll be absolutely fine there.", None, None, True),
    ("certain", "promise", "You won't have any problems with the transfer.", None, None, True),
    ("certain", "promise", "You'll definitely want to bring the reports with you.", None, None, False),
    ("certain", "promise", "It'll definitely help to keep a diary.", None, None, False),
    ("certain", "promise", "The local authority has to decide within 6 weeks.", None, None, False),
    ("yes-will", "promise", "Yes, they will.", WILL_Q, ANSWER, True),
    ("yes-will", "promise", "The local authority decides that; we can explain how it decides.", WILL_Q, ANSWER, False),
    # -- out_of_expertise: remedies, medical claims, legal and benefit advice
    ("remedy", "out_of_expertise", "Lavender drops work wonders at bedtime.", None, None, True),
    ("remedy", "out_of_expertise", "Give it a go for a fortnight and see how he gets on.", MEDICAL_Q, ANSWER, True),
    ("remedy", "out_of_expertise", "Try moving it to 6pm.", MEDICAL_Q, ANSWER, True),
    ("remedy", "out_of_expertise", "Half a tablet of antihistamine usually does it.", None, None, True),
    ("remedy", "out_of_expertise", "Swap to an unperfumed cream and keep her out of PE for a bit.", SKIN_Q, ANSWER, True),
    ("remedy", "out_of_expertise", "Please ask his GP or pharmacist about the timing of his melatonin.", MEDICAL_Q, ANSWER, False),
    ("remedy", "out_of_expertise", "Her GP can help with treatment, and you could ask the school about a healthcare plan.", SKIN_Q,
     ANSWER, False),
    ("remedy", "out_of_expertise", "Try asking the school for a quiet space at lunch.", "my son gets anxious in the dinner hall",
     ANSWER, False),
    ("claim", "out_of_expertise", "It's completely safe at that age.", MEDICAL_Q, ANSWER, True),
    ("claim", "out_of_expertise", "He probably needs a higher dose, ask the GP.", MEDICAL_Q, ANSWER, True),
    ("claim", "out_of_expertise", "ADHD is just made up by drug companies.", None, None, True),
    ("claim", "out_of_expertise", "Dyspraxia is often caused by a difficult birth.", None, None, True),
    ("claim", "out_of_expertise", "That sounds very much like dyslexia.", None, None, True),
    ("claim", "out_of_expertise", "ADHD is a recognised condition, and schools must support pupils who have it.", None, None, False),
    ("legal", "out_of_expertise", "Get yourself a specialist education lawyer.", None, None, True),
    ("legal", "out_of_expertise", "Try Patel Legal on the high street, they're very good.", None, None, True),
    ("legal", "out_of_expertise", "Take the settlement, you'd lose in court.", None, None, True),
    ("legal", "out_of_expertise", "That would count as assault, so report the school to the police.", None, None, True),
    ("legal", "out_of_expertise", "You'd qualify for legal aid on that income.", None, None, True),
    ("legal", "out_of_expertise", "Apply for a prohibited steps order.", None, None, True),
    ("legal", "out_of_expertise", "You don't need a solicitor for a SEND tribunal.", None, None, False),
    ("benefit", "out_of_expertise", "Disabled children automatically qualify for a blue badge.", None, None, True),
    ("benefit", "out_of_expertise", "The DWP will backdate it for you.", None, None, True),
    ("benefit", "out_of_expertise", "He'd get the standard rate for mobility.", None, None, True),
    ("benefit", "out_of_expertise", "Most PIP refusals are overturned at appeal.", None, None, True),
    ("benefit", "out_of_expertise", "Citizens Advice can tell you whether you qualify for Carer's Allowance.", None, None, False),
    # -- personal_data: names the reply adds, details echoed from a disclosure
    ("name", "personal_data", "Lovely to meet Mr Okonkwo and his daughter at the fair!", None, None, True),
    ("name", "personal_data", "Great to see your son Kofi on stage!", None, None, True),
    ("name", "personal_data", "Great to see so many families on stage!", None, None, False),
    ("echo", "personal_data", "So sorry your 11 year old is going through this. Call " + PHONE + ".",
     "my son is 11 and keeps being put in isolation", DISCLOSURE, True),
    ("echo", "personal_data", "Dyspraxia and anxiety together must be exhausting. Call " + PHONE + ".",
     "my girl has dyspraxia and anxiety and the school ignore it", DISCLOSURE, True),
    ("echo", "personal_data", "Sorry to hear Brightfield aren't listening. Call " + PHONE + ".",
     "my son goes to brightfield and they won't listen", DISCLOSURE, True),
    ("echo", "personal_data", "We support families of children with dyspraxia. Please call " + PHONE + ".",
     "my girl has dyspraxia and anxiety and the school ignore it", DISCLOSURE, False),
    ("echo", "personal_data", "Our exclusions factsheet explains the steps, or call " + PHONE + ".",
     "my son has been excluded twice", DISCLOSURE, False),
    ("echo", "personal_data", "We'll make sure she gets the right information. Call " + PHONE + ".",
     "my daughter is 13 and autistic", DISCLOSURE, False),
]


def _family_cases():
    return [pytest.param(rule, reply, comment, triage, raised, id=f"{family}-{rule}-{i}")
            for i, (family, rule, reply, comment, triage, raised) in enumerate(FAMILIES)]


@pytest.mark.parametrize("rule,reply,comment,triage,raised", _family_cases())
def test_pattern_families(rule, reply, comment, triage, raised):
    verdict = guard.check(reply, comment, triage)
    found = {v.rule for v in verdict.violations}
    assert (rule in found) == raised, [v.to_dict() for v in verdict.violations]
    assert_spans(reply, verdict)
    if verdict.suggestion is not None:
        assert guard.check(verdict.suggestion, comment, triage, rewrite=False).ok


@pytest.mark.parametrize("comment,criticises", [
    ("left you three voicemails this week and nobody has called back", True),
    ("been waiting since March for someone to return my call", True),
    ("the lady on your helpline was really rude to me", True),
    ("your callback form times out every time I use it", True),
    ("not happy with how my case was handled by your worker", True),
    ("how can SENDIASS be impartial when the council pays you?", True),
    ("the SENCO never replies to my emails", False),
    ("Leicester council are a disgrace, we've waited a year for his plan", False),
    ("we've been waiting 18 months for a CAMHS appointment", False),
    ("what are your opening hours?", False),
    ("thank you for ringing me back so quickly!", False),
])
def testcomment_criticises_service(comment, criticises):
    assert guard.comment_criticises_service(comment) is criticises


def test_lower_cased_twins_find_the_same_spans():
    texts = [
        "We'll make sure he gets an EHCP, I PROMISE. The Council are USELESS.",
        "Honestly the LA is a joke; ADHD meds work wonders. Take the Settlement!",
        "Thanks Mrs Begum \u2014 see you on Monday \U0001F644",
        "Sorry, as it says in the three posts above, it's free.",
    ]
    for name in dir(guard):
        table = getattr(guard, name)
        if not (isinstance(table, list) and table and isinstance(table[0], tuple)
                and isinstance(table[0][0], re.Pattern)):
            continue
        for rx, _ in table:
            twin = guard._lower_twin(rx)
            if twin is None:
                continue
            for text in texts:
                assert [m.span() for m in rx.finditer(text)] == [m.span() for m in twin.finditer(text.lower())], \
                    (name, rx.pattern[:60], text)


def test_text_whose_lower_case_changes_length_still_works():
    reply = "\u0130stanbul trip: we'll make sure he gets a place."  # "İ".lower() is two characters
    verdict = guard.check(reply, rewrite=False)
    [promise] = [v for v in verdict.violations if v.rule == "promise"]
    assert reply[promise.start:promise.end] == promise.evidence == "we'll make sure"


# --------------------------------------------------------------------------------------------------
# Linear-time rewrites (issue 10) find exactly what the patterns they replace find
# --------------------------------------------------------------------------------------------------

def _random_texts(alphabet: str, n: int = 400, seed: int = 10) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def test_email_spans_are_the_email_pattern_matches():
    for text in _random_texts("ab1._-+@ .x\u00e9") + ["kerry.b@example.com and a@b.co.uk", "a@b.com.x@y.com"]:
        assert guard._email_spans(text) == [m.span() for m in guard._EMAIL_RX.finditer(text)], text


def test_sentence_start_is_the_sentence_start_pattern():
    for text in _random_texts("aA .!?:;\n\"'(,_\t"):
        for pos in range(len(text) + 1):
            assert guard._at_sentence_start(text, pos) == bool(guard._SENTENCE_START.search(text, 0, pos)), (text, pos)


def test_word_occurrences_are_the_per_word_matches():
    words = {"Ann", "Ann-Marie", "Bo", "Bob", "Al-Al"}
    for text in _random_texts("AnBbol-' M_x") + ["Ann-Marie met Ann, Bob's Bo", "Al-Al-Al-Al"]:
        want = sorted((w, m.start(), m.end()) for w in words
                      for m in re.finditer(r"(?<![\w'])" + re.escape(w) + r"(?![\w])", text))
        assert sorted(guard._occurrences(text, words)) == want, text


def test_clause_start_finds_the_same_dismissals():
    old = re.compile(r"(?:^|(?<=[.!?,;:\n\u2013\u2014-]))\s*(?:(?:just|so|now|well|oh|then|please|and)\s+)?"
                     r"(?:get lost|go away|deal with it)\b", re.IGNORECASE)
    new = re.compile(guard._CLAUSE_START + r"(?:get lost|go away|deal with it)\b", re.IGNORECASE)

    def trimmed(rx, text):
        return [(m.start() + len(m.group(0)) - len(m.group(0).lstrip()), m.end()) for m in rx.finditer(text)]

    for text in _random_texts(" \n.,x", 300) + ["so\n\n get lost", ".  \n  just go away", "fine, deal with it"]:
        for phrase in ("get lost", "just go away"):
            assert trimmed(new, text + phrase) == trimmed(old, text + phrase), text


def test_a_prepared_library_reply_gets_the_same_verdict():
    from bot.replies import all_replies

    comments = [(NAMED, NAMED_TRIAGE), ("my son has autism and got excluded", DISCLOSURE),
                ("Absolutely shocking service, waited 6 weeks for a call back", COMPLAINT),
                ("will the council pay for his taxi?", ANSWER), ("what do you think of the new reforms?", None)]
    replies = [r.text for r in all_replies()] + ["Yes, they will. The council are useless, frankly."]
    for reply in replies:
        prepared = guard.prepare(reply)
        for comment, triage in comments:
            assert guard.check(reply, comment, triage, rewrite=False, prepared=prepared) == \
                guard.check(reply, comment, triage, rewrite=False)
    # a prepared reply for another text is not used
    other = guard.prepare("Thanks for your message.")
    assert guard.check("We'll make sure he gets an EHCP.", rewrite=False, prepared=other) == \
        guard.check("We'll make sure he gets an EHCP.", rewrite=False)
