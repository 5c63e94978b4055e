"""Tests for bot.detector: personal disclosures and safeguarding risk signals.

Every example sentence is written for these tests in a UK parent's (or young person's) voice.
Each type has true cases (the type is found and its evidence holds the key words) and false cases
(generic questions, the service's own contact details, idioms).
"""
from __future__ import annotations

import dataclasses

import pytest

from bot import detector
from bot.detector import (
    DISCLOSURE_TYPES,
    REGISTRY,
    RISK_TYPES,
    Detection,
    Recognizer,
    detect,
)
from bot.profile import load_profile, profile_path


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


ALL_TEXTS: list[str] = []


def cases(rows: list) -> list:
    """Parametrize rows, also remembered in ALL_TEXTS for the whole-corpus checks at the end."""
    ALL_TEXTS.extend(row[0] if isinstance(row, tuple) else row for row in rows)
    return rows


def of_type(text: str, type_: str) -> list[Detection]:
    return [d for d in detect(text) if d.type == type_]


def assert_found(text: str, type_: str, evidence: str | None = None) -> Detection:
    """``type_`` is detected in ``text`` and (if given) some detection's evidence contains ``evidence``."""
    hits = of_type(text, type_)
    assert hits, f"{type_} not found in {text!r}; got {detect(text)}"
    for d in hits:
        assert text[d.start:d.end] == d.text
    if evidence is None:
        return hits[0]
    for d in hits:
        if evidence.lower() in d.text.lower():
            return d
    raise AssertionError(f"{type_} evidence {evidence!r} not in {[d.text for d in hits]} for {text!r}")


def assert_not_found(text: str, type_: str) -> None:
    hits = of_type(text, type_)
    assert not hits, f"{type_} wrongly found in {text!r}: {hits}"


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


def test_types_and_categories():
    assert DISCLOSURE_TYPES == {
        "phone", "email", "postcode", "address", "date_of_birth", "nhs_number", "person_name", "child_name",
        "child_age_school", "child_age", "family_send_detail", "family_circumstances",
    }
    assert RISK_TYPES == {"self_harm", "child_abuse", "domestic_violence", "neglect", "missing_child", "threat_to_children"}
    assert not DISCLOSURE_TYPES & RISK_TYPES


def test_registry_holds_recognizers():
    assert isinstance(REGISTRY, list) and REGISTRY
    for r in REGISTRY:
        assert isinstance(r, Recognizer)
        assert r.category in ("disclosure", "risk")
        assert r.type in (DISCLOSURE_TYPES if r.category == "disclosure" else RISK_TYPES)
    assert {r.type for r in REGISTRY} == DISCLOSURE_TYPES | RISK_TYPES


def test_detection_is_frozen_dataclass():
    d = detect("call me on 07845 221 903")[0]
    assert dataclasses.is_dataclass(d)
    assert [f.name for f in dataclasses.fields(Detection)] == ["type", "category", "start", "end", "text", "score"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.score = 0.1  # type: ignore[misc]


MIXED = ("Hi, my name is Joanne Price. My son Kai is 9, autistic, and in year 4 at Greenfield Primary. "
         "He says he wants to die. Ring me on 07845 221 903 or joanne.price@outlook.com, we live at 14 Mill Lane, LE3 9QT.")


def test_detections_sorted_consistent_and_scored():
    ds = detect(MIXED)
    assert ds == sorted(ds, key=lambda d: (d.start, d.end, d.type))
    for d in ds:
        assert MIXED[d.start:d.end] == d.text
        assert 0.0 < d.score <= 1.0
        assert d.category == ("risk" if d.type in RISK_TYPES else "disclosure")
    types = {d.type for d in ds}
    assert {"person_name", "child_name", "child_age", "child_age_school", "family_send_detail", "self_harm",
            "phone", "email", "address", "postcode"} <= types


def test_category_filter():
    risks = detect(MIXED, ["risk"])
    assert risks and all(d.category == "risk" for d in risks)
    disclosures = detect(MIXED, categories=("disclosure",))
    assert disclosures and all(d.category == "disclosure" for d in disclosures)
    assert detect(MIXED, []) == []
    assert sorted(risks + disclosures, key=lambda d: (d.start, d.end, d.type)) == detect(MIXED)


def test_overlaps_of_same_type_are_merged():
    text = "my daughter is autistic and has ADHD and epilepsy"
    hits = of_type(text, "family_send_detail")
    assert len(hits) == 1
    assert hits[0].text == "my daughter is autistic and has ADHD and epilepsy"


def test_child_age_is_subsumed_by_child_age_school():
    text = "my 14 year old at Beaumont Leys school"
    assert_found(text, "child_age_school", "my 14 year old at Beaumont Leys school")
    assert_not_found(text, "child_age")


def test_different_types_that_overlap_are_kept():
    text = "my son Jayden has autism"
    types = {d.type for d in detect(text)}
    assert {"child_name", "family_send_detail"} <= types


# --------------------------------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\t ", "😀😀🙏💙", "👍", "...", "?!", "0", "ok"])
def test_empty_and_trivial(text):
    assert detect(text) == []


def test_non_ascii_text():
    assert detect("Dziękuję bardzo za pomoc, naprawdę doceniam! 🙏") == []
    assert detect("شکریہ آپ کی مدد کے لیے") == []
    assert detect("Très bien, merci à toute l'équipe ❤️") == []
    # curly apostrophes and emoji do not break offsets
    text = "😢 She’s been cutting herself again and I’m at my wit’s end"
    d = assert_found(text, "self_harm", "cutting herself")
    assert text[d.start:d.end] == "cutting herself"
    text = "👋 My name’s Zoë Brown and my son’s EHCP is late"
    assert_found(text, "family_send_detail", "my son’s EHCP")


def test_long_text_finds_nothing_that_is_not_there():
    # (How the work grows with the length: tests/test_adversarial.py; timings: bench/adversarial.py.)
    base = ("Thanks for the session last night, it was really useful and the slides were clear. "
            "Is there another one planned for parents of children in secondary school? ")
    text = (base * 200)[:10_000]
    assert len(text) == 10_000
    assert detect(text) == []
    # and with a disclosure buried at the end
    text = text[:-60] + " my son has an EHCP, call me 07845 221 903"
    found = {d.type for d in detect(text)}
    assert {"family_send_detail", "phone"} <= found


# --------------------------------------------------------------------------------------------------
# phone
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("please ring me on 07845 221 903 after 3pm", "07845 221 903"),
    ("my mobile is 07845221903", "07845221903"),
    ("text me +44 7911 123456 if easier", "+44 7911 123456"),
    ("our home number is 0116 253 9876", "0116 253 9876"),
    ("call 07845 221 90 (think i missed a digit)", "07845 221 90"),
    ("my number 07700 900123", "07700 900123"),
]))
def test_phone_found(text, evidence):
    d = assert_found(text, "phone", evidence)
    assert d.text == evidence


@pytest.mark.parametrize("text", cases([
    "You can call SENDIASS on 0116 482 0870",
    "ring 0116 4820870 for advice",
    "+44 116 482 0870",
    "If anyone is in danger call 999",
    "Childline is 0800 1111 and the NSPCC is 0808 800 5000",
    "Samaritans are on 116 123 any time",
    "he is in year 7 and was born in 2012",
    "we waited 20 weeks, then 6 more, then 12",
]))
def test_phone_not_found(text):
    assert_not_found(text, "phone")


def test_official_numbers_come_from_the_profile(tmp_path, monkeypatch):
    """Skipped numbers/e-mails are read from service.yml, not hard-coded."""
    profile = load_profile()
    assert "01164820870" in profile.official_phone_digits
    custom = tmp_path / "service.yml"
    custom.write_text(
        profile_path().read_text(encoding="utf-8")
        .replace('phone: "0116 482 0870"', 'phone: "07845 221 903"')
        .replace("email: info@sendiassleicester.org.uk", "email: hello@example-iass.org.uk"),
        encoding="utf-8",
    )
    monkeypatch.setenv("SENDIASS_PROFILE", str(custom))
    detector._official.cache_clear()
    try:
        assert_not_found("call 07845 221 903", "phone")
        assert_not_found("write to hello@example-iass.org.uk", "email")
        assert_found("call 0116 482 0870", "phone", "0116 482 0870")
    finally:
        monkeypatch.delenv("SENDIASS_PROFILE")
        detector._official.cache_clear()
    assert_found("call 07845 221 903", "phone")


# --------------------------------------------------------------------------------------------------
# email
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("email me at sarah.okafor88@gmail.com please", "sarah.okafor88@gmail.com"),
    ("My email: J.Patel@btinternet.com", "J.Patel@btinternet.com"),
    ("you can reach me on kerry_smith@hotmail.co.uk", "kerry_smith@hotmail.co.uk"),
    ("its dazza1979 at gmail dot com", "dazza1979 at gmail dot com"),
]))
def test_email_found(text, evidence):
    assert assert_found(text, "email", evidence).text == evidence


@pytest.mark.parametrize("text", cases([
    "email info@sendiassleicester.org.uk for advice",
    "I emailed INFO@SendiassLeicester.org.uk last week",
    "can I email you my paperwork?",
    "I'll look at gmail later",
    "@SendiassL thanks for the help",
]))
def test_email_not_found(text):
    assert_not_found(text, "email")


# --------------------------------------------------------------------------------------------------
# postcode and address
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("we're in LE4 5AS", "LE4 5AS"),
    ("postcode le2 1ab", "le2 1ab"),
    ("address is 3 Mill Lane LE39QT", "LE39QT"),
    ("we moved to NG7 2RD last year", "NG7 2RD"),
    ("my postcode is LE5", "LE5"),
]))
def test_postcode_found(text, evidence):
    assert assert_found(text, "postcode", evidence).text == evidence


@pytest.mark.parametrize("text", cases([
    "he's in year 5 and doing well",
    "thanks m8 2nd time you've helped",
    "see you at 10am",
    "the A6 was closed so we were late",
    "my son is 12 and in yr 7",
]))
def test_postcode_not_found(text):
    assert_not_found(text, "postcode")


@pytest.mark.parametrize("text, evidence", cases([
    ("we live at 27 Belgrave Road, Leicester", "27 Belgrave Road"),
    ("come to 4b mill lane", "4b mill lane"),
    ("we live on Narborough Road near the shops", "Narborough Road"),
    ("flat 2, 118 Saffron Lane", "118 Saffron Lane"),
    ("i live off hinckley rd", "hinckley rd"),
    ("send it to 9 Tudor Close please", "9 Tudor Close"),
]))
def test_address_found(text, evidence):
    assert assert_found(text, "address", evidence).text == evidence


@pytest.mark.parametrize("text", cases([
    "it's a 10 minute walk from school",
    "the school is a 20 min drive away",
    "we live on a busy road so he can't play out",
    "I have 2 kids on the same road",
    "he's in year 6 Oak Class",
    "there are 30 children in the class",
]))
def test_address_not_found(text):
    assert_not_found(text, "address")


# --------------------------------------------------------------------------------------------------
# date of birth, NHS number
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("his DOB is 12/03/2015", "12/03/2015"),
    ("d.o.b 12.3.15", "12.3.15"),
    ("she was born on 3rd March 2016", "3rd March 2016"),
    ("born March 3, 2016 at the LRI", "March 3, 2016"),
    ("date of birth: 07-11-2010", "07-11-2010"),
    ("his birthday is 22nd of June 2014", "22nd of June 2014"),
]))
def test_date_of_birth_found(text, evidence):
    assert assert_found(text, "date_of_birth", evidence).text == evidence


@pytest.mark.parametrize("text", cases([
    "the appointment is on 12/03/2024",
    "the annual review is on 3rd March 2025",
    "the tribunal hearing was 14.2.24",
    "happy birthday to the team!",
    "is the EHCP process different for children born before 2015?",
]))
def test_date_of_birth_not_found(text):
    assert_not_found(text, "date_of_birth")


@pytest.mark.parametrize("text, evidence", cases([
    ("his NHS number is 943 476 5919", "943 476 5919"),
    ("nhs no 943-476-5919", "943-476-5919"),
    ("reference 9434765919 from the hospital letter", "9434765919"),
]))
def test_nhs_number_found(text, evidence):
    assert assert_found(text, "nhs_number", evidence).text == evidence


@pytest.mark.parametrize("text", cases([
    "his NHS number is 943 476 5918",   # checksum fails
    "NHS number 123 456 7890",         # checksum fails
    "call 0116 482 0870",
    "case ref 1234567890",
]))
def test_nhs_number_not_found(text):
    assert_not_found(text, "nhs_number")


# --------------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("Hi my name is Sarah Okafor and I need some advice", "Sarah Okafor"),
    ("I'm Sarah Okafor, mum of two boys", "Sarah Okafor"),
    ("this is Dan Whitfield, dad to a 9 yr old", "Dan Whitfield"),
    ("hi my name's kerry, my son is 6", "kerry"),
    ("I'm Priya, mum to a lovely little girl", "Priya"),
    ("Hello, it's Gemma again", "Gemma"),
    ("Thanks for all your help\nMichelle Greaves", "Michelle Greaves"),
]))
def test_person_name_found(text, evidence):
    assert assert_found(text, "person_name", evidence).text == evidence


@pytest.mark.parametrize("text", cases([
    "I'm Worried About My Son",
    "I'm really worried about my son's school",
    "I am Desperate for some help",
    "This is Ridiculous",
    "my name is on the waiting list",
    "I'm Struggling To Cope",
    "Thanks Sarah",
    "I am a SENCO at a primary school",
    "This is Leicester City Council's fault",
]))
def test_person_name_not_found(text):
    assert_not_found(text, "person_name")


@pytest.mark.parametrize("text, evidence", cases([
    ("my son Jayden has been struggling", "Jayden"),
    ("my daughter, Amelia, is in year 3", "Amelia"),
    ("my little boy Tommy loves trains", "Tommy"),
    ("our grandson Leo starts nursery soon", "Leo"),
    ("Ethan is starting secondary in September", "Ethan"),
    ("The school have told me Amelia can't go on the trip", "Amelia"),
    ("my son jayden is autistic", "jayden"),
    ("our Kacey has been sent home again", "Kacey"),
    ("his name is Oliver and he's 5", "Oliver"),
    ("Yesterday Maisie was sent home at lunch", "Maisie"),
]))
def test_child_name_found(text, evidence):
    assert assert_found(text, "child_name", evidence).text == evidence


@pytest.mark.parametrize("text", cases([
    "The School is refusing to help",
    "Leicester City Council has not replied",
    "my son is autistic",
    "my son has ADHD",
    "my son also has a diagnosis",
    "my daughter really needs help",
    "September is when he starts",
    "Mrs Patel is his teacher and she's lovely",
    "Beaumont Leys is a good school",
    "Brilliant session today, Sarah was so helpful",
    "Ofsted has rated it good",
    "SENDIASS is brilliant",
    "My Son Is Autistic And Needs Help",
    "Autism is a spectrum",
    "The Local Offer is where the council publishes what's available",
]))
def test_child_name_not_found(text):
    assert_not_found(text, "child_name")


# --------------------------------------------------------------------------------------------------
# child age / school
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("she's in year 5 at Rowlatts Hill", "year 5 at Rowlatts Hill"),
    ("he's 7 and at St Mary's primary", "he's 7 and at St Mary's primary"),
    ("my 14 year old at Beaumont Leys school is being bullied", "my 14 year old at Beaumont Leys school"),
    ("she's in reception at Greenfield", "reception at Greenfield"),
    ("yr 9 in Soar Valley College", "yr 9 in Soar Valley College"),
    ("my son is 11 and goes to Hamilton Academy", "Hamilton Academy"),
    ("hes 12 and at rushey mead academy", "rushey mead academy"),
    ("he goes to Ellesmere College, year 10", "Ellesmere College, year 10"),
]))
def test_child_age_school_found(text, evidence):
    assert_found(text, "child_age_school", evidence)


@pytest.mark.parametrize("text", cases([
    "is year 6 too late to apply for an EHCP?",
    "he's in year 5 at the moment",
    "she's 9 and at a mainstream school",
    "what support is there in year 7 at secondary school?",
    "year 2 at school was hard for him",
]))
def test_child_age_school_not_found(text):
    assert_not_found(text, "child_age_school")


@pytest.mark.parametrize("text, evidence", cases([
    ("my son is 12", "my son is 12"),
    ("my 14 yr old refuses to go in", "my 14 yr old"),
    ("she's only 9 and already so anxious", "she's only 9"),
    ("my daughter (6) has GDD", "my daughter (6)"),
    ("my twins are 7", "my twins are 7"),
    ("our youngest, 4, is non verbal", "our youngest, 4"),
    ("I'm 17 and my college won't help", "I'm 17"),
]))
def test_child_age_found(text, evidence):
    assert_found(text, "child_age", evidence)


@pytest.mark.parametrize("text", cases([
    "What dose of methylphenidate is normal for a 7 year old?",
    "my son is 2 years behind in reading",
    "he's 6 foot already",
    "she's 2nd in her class",
    "I'm 5 minutes away",
    "my son is 1 of 3 children with an EHCP in his class",
    "can a 5 year old have an EHCP?",
    "my husband is 45",
]))
def test_child_age_not_found(text):
    assert_not_found(text, "child_age")


# --------------------------------------------------------------------------------------------------
# the family's own SEND case
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("my daughter is autistic and non verbal", "my daughter is autistic and non verbal"),
    ("my son has been out of school 8 months", "my son has been out of school"),
    ("my stepdaughter has an EHCP but school ignore it", "my stepdaughter has an EHCP"),
    ("Our annual review was in June and we still haven't had the amended plan back", "Our annual review"),
    ("my son is 12 and has an EHCP but the school keeps excluding him", "my son is 12 and has an EHCP"),
    ("I have ADHD and my college won't give me extra time", "I have ADHD"),
    ("my friend's daughter has been on a reduced timetable since Easter", "my friend's daughter has been on a reduced timetable"),
    ("my neighbour's son was permanently excluded last week", "excluded"),
    ("my twins are both autistic", "my twins are both autistic"),
    ("our little one is deaf", "our little one is deaf"),
    ("my 14 yr old hasn't been in school since Easter", "my 14 yr old hasn't been in school"),
    ("My son is 10. He has been suspended 3 times this year", "suspended"),
    ("the LA have refused to assess my daughter", "refused to assess my daughter"),
    ("my son's tribunal is in March", "my son's tribunal"),
    ("Ethan has a diagnosis of autism and ADHD", "Ethan has a diagnosis of autism and ADHD"),
    ("my son has autism, can he get an EHCP?", "my son has autism"),
    ("my grandson goes to a special school and the taxi keeps not turning up", "my grandson goes to a special school"),
    ("i'm 17 and autistic", "autistic"),
    ("this is Dan, dad to a 9 yr old with ADHD", "ADHD"),
    ("my kids are all under CAMHS", "my kids are all under CAMHS"),
    ("my son cant go on the school trip because of his behaviour", "my son cant go on the school trip"),
]))
def test_family_send_detail_found(text, evidence):
    assert_found(text, "family_send_detail", evidence)


@pytest.mark.parametrize("text", cases([
    "do you help with autism?",
    "does autism count as a disability for school purposes?",
    "what is an EHCP?",
    "can parents appeal if the LA refuses to assess?",
    "is the EHCP process different for children under 5?",
    "how does an annual review work?",
    "can i get a council house transfer because of my sons needs",
    "Will there be another EHCP workshop?",
    "do you do training for school staff?",
    "What dose of methylphenidate is normal for a 7 year old?",
    "Can someone from SENDIASS come to my house?",
    "can my son get an EHCP?",
    "how do I apply for an EHCP for my daughter?",
    "Can a child with autism get an EHCP?",
    "I'm interested in your autism awareness training",
    "I have a question about annual reviews",
    "My husband and I came to your workshop, it was great",
    "my son loves your videos",
    "can schools exclude children with ehcps?",
    "I'm anxious about the meeting tomorrow",
]))
def test_family_send_detail_not_found(text):
    assert_not_found(text, "family_send_detail")


# --------------------------------------------------------------------------------------------------
# family circumstances
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("her mum won't let me go to the annual review", "her mum won't let me"),
    ("my ex wont let the kids see me", "my ex"),
    ("we're going through a divorce and it's affecting him", "divorce"),
    ("i'm a young carer for my mum", "young carer"),
    ("my husband has terminal cancer", "terminal cancer"),
    ("I've been diagnosed with cancer and can't do the school run", "cancer"),
    ("my wife passed away in January", "passed away"),
    ("since his dad died he won't go to school", "dad died"),
    ("we've just been evicted", "evicted"),
    ("we are in temporary accommodation in Braunstone", "temporary accommodation"),
    ("my daughter is in foster care", "in foster care"),
    ("we are his foster carers", "foster carers"),
    ("our social worker says she can't help", "social worker"),
    ("I was in care myself", "in care"),
]))
def test_family_circumstances_found(text, evidence):
    assert_found(text, "family_circumstances", evidence)


@pytest.mark.parametrize("text", cases([
    "my son passed his exams!",
    "I lost my son's EHCP paperwork",
    "what happens if a family is made homeless?",
    "can i get a council house transfer because of my sons needs",
    "is there support for foster carers?",
    "my exam results came through",
    "I'm Ms Patel, the SENCO",
    "his mum is lovely",
]))
def test_family_circumstances_not_found(text):
    assert_not_found(text, "family_circumstances")


# --------------------------------------------------------------------------------------------------
# risk: self harm
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("my son keeps saying he wants to die", "wants to die"),
    ("I want to kill myself", "kill myself"),
    ("he said he would kill himself if he has to go back", "kill himself"),
    ("she's suicidal and CAMHS won't see her", "suicidal"),
    ("I found out she cut her arm last night", "cut her arm"),
    ("she's been cutting herself again", "cutting herself"),
    ("he's self harming", "self harming"),
    ("my son took an overdose", "overdose"),
    ("some days I just want to end it all", "end it all"),
    ("my 12 year old says he doesn't want to be alive", "want to be alive"),
    ("he keeps hurting himself at school", "hurting himself"),
    ("i cant go on anymore", "go on"),
]))
def test_self_harm_found(text, evidence):
    assert_found(text, "self_harm", evidence)


@pytest.mark.parametrize("text", cases([
    "go kill yourself",
    "you lot should kill yourselves",
    "I'm dying to know when the next workshop is",
    "this heat is killing me",
    "the paperwork is killing me lol",
    "my phone is going to die",
    "he doesn't want to live in Leicester",
    "she can't go on the trip",
    "does the school do suicide awareness training?",
    "I could die of embarrassment",
]))
def test_self_harm_not_found(text):
    assert_not_found(text, "self_harm")


@pytest.mark.parametrize("text", ["go kill yourself", "you lot should kill yourselves", "kys loser"])
def test_abuse_aimed_at_others_is_not_a_risk(text):
    assert detect(text, ["risk"]) == []


# --------------------------------------------------------------------------------------------------
# risk: abuse
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("the TA pulled my daughter by her hair", "pulled my daughter by her hair"),
    ("his dad hit him with a belt", "hit him"),
    ("a teacher slapped her", "slapped her"),
    ("a member of staff grabbed him by the arm and left a mark", "grabbed him"),
    ("she came home with bruises on her arms", "bruises"),
    ("her uncle touched her inappropriately", "touched her inappropriately"),
    ("they lock him in a room on his own", "lock him in"),
    ("they restrained him and he has bruises all over", "restrained him"),
]))
def test_abuse_found(text, evidence):
    assert_found(text, "child_abuse", evidence)


@pytest.mark.parametrize("text", cases([
    "I had to drag him to school this morning",
    "I held her hand all the way in",
    "it really hurt her feelings",
    "he hit his target in maths",
    "they pulled him out of class for 1:1",
    "if you can't beat them join them",
    "he got full marks in his spelling test",
    "how do I complain about the school?",
]))
def test_abuse_not_found(text):
    assert_not_found(text, "child_abuse")


# --------------------------------------------------------------------------------------------------
# risk: domestic violence
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("my partner hits me when he's been drinking", "my partner hits me"),
    ("he beats me and I don't know where to go", "he beats me"),
    ("I'm scared of my husband", "scared of my husband"),
    ("there's violence at home", "violence at home"),
    ("and the kids see it all", "the kids see it"),
    ("my ex is very controlling and abusive", "controlling"),
]))
def test_domestic_violence_found(text, evidence):
    assert_found(text, "domestic_violence", evidence)


@pytest.mark.parametrize("text", cases([
    "He hit me with so many questions at the meeting",
    "she pushed me to apply for the EHCP",
    "my husband is really supportive",
    "the kids saw it on TikTok",
    "then it hit me that he needed help",
]))
def test_domestic_violence_not_found(text):
    assert_not_found(text, "domestic_violence")


# --------------------------------------------------------------------------------------------------
# risk: neglect
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("the kids haven't been fed since yesterday", "fed"),
    ("she leaves them alone all night", "alone all night"),
    ("there's no food in the house", "no food in the house"),
    ("nobody looks after him when she goes out", "nobody looks after"),
    ("he comes to school hungry every day", "hungry"),
    ("I think he's being neglected at home", "neglected"),
]))
def test_neglect_found(text, evidence):
    assert_found(text, "neglect", evidence)


@pytest.mark.parametrize("text", cases([
    "he likes to be left alone when he's overwhelmed",
    "I'm starving lol",
    "the LA have neglected to reply",
    "the kids have been fed and are in bed",
]))
def test_neglect_not_found(text):
    assert_not_found(text, "neglect")


# --------------------------------------------------------------------------------------------------
# risk: missing child
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("my son hasn't been home since Friday", "hasn't been home since Friday"),
    ("she has run away again", "run away"),
    ("my daughter has gone missing", "gone missing"),
    ("I can't find my son anywhere", "can't find my son"),
    ("he's not answering his phone and it's been hours", "not answering his phone"),
    ("my 15 yr old didn't come home last night", "didn't come home last night"),
]))
def test_missing_child_found(text, evidence):
    assert_found(text, "missing_child", evidence)


@pytest.mark.parametrize("text", cases([
    "his EHCP has gone missing at the council",
    "section F is missing from the plan",
    "he's missing school because of anxiety",
    "the bus ran off without him",
    "the SENCO isn't answering her phone",
    "I can't find him a school place",
    "I haven't been home all day",
]))
def test_missing_child_not_found(text):
    assert_not_found(text, "missing_child")


# --------------------------------------------------------------------------------------------------
# risk: threats to children
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, evidence", cases([
    ("I'm going to hurt those kids", "hurt those kids"),
    ("he said he'd bring a knife to school tomorrow", "bring a knife to school"),
    ("someone should shoot up that school", "shoot up"),
    ("i swear i'll kill the kids who did this", "kill the kids"),
]))
def test_threat_to_children_found(text, evidence):
    assert_found(text, "threat_to_children", evidence)


@pytest.mark.parametrize("text", cases([
    "I'm going to get the kids from school",
    "I'll sort out the school transport",
    "the school did a knife crime awareness day",
    "I could kill for a coffee",
]))
def test_threat_to_children_not_found(text):
    assert_not_found(text, "threat_to_children")


# --------------------------------------------------------------------------------------------------
# risk: wider safeguarding signals (NSPCC / Working Together categories, indirect wording)
# Recall matters most: each sentence must give at least one risk detection of the given type.
# --------------------------------------------------------------------------------------------------


def risks(text: str) -> list[Detection]:
    return detect(text, ["risk"])


@pytest.mark.parametrize("text, type_, evidence", cases([
    # suicidal ideation in indirect idioms, of the writer or reported by someone else
    ("honestly i'm done, i just want to fall asleep and never wake up", "self_harm", "asleep and never wake up"),
    ("some nights I pray I don't wake up", "self_harm", "don't wake up"),
    ("she messaged her friend saying she's gonna end it this weekend", "self_harm", "end it"),
    ("can someone check on the dad who posted earlier, he said he'll end things tonight", "self_harm", "end things"),
    ("been thinking about ending it all lately", "self_harm", "ending it all"),
    ("my daughter says everyone would be better off without her", "self_harm", "better off without her"),
    ("sometimes i think the family would be better off if i wasn't here", "self_harm", "better off if i wasn't here"),
    ("there's no point me going on like this", "self_harm", "no point me going on"),
    ("i dont want to be around any more", "self_harm", "want to be around any more"),
    ("he says life isn't worth living", "self_harm", "worth living"),
    ("i'm so tired of being alive", "self_harm", "tired of being alive"),
    ("nobody would even notice if i disappeared", "self_harm", "notice if i disappeared"),
    ("I just want it all to stop", "self_harm", "it all to stop"),
    ("how many sleeping pills would kill you", "self_harm", "how many sleeping pills would kill"),
    ("what's a lethal dose of ibuprofen", "self_harm", "lethal dose"),
    ("how many tablets is too many, asking for myself", "self_harm", "too many"),
    ("she's been stockpiling her tablets in a drawer", "self_harm", "stockpiling her tablets"),
    ("i took all my tablets about an hour ago", "self_harm", "took all my tablets"),
    ("my 15 year old has started cutting again", "self_harm", "cutting"),
    ("I'm just a burden to everyone", "self_harm", "a burden"),
    ("he keeps saying he wants to unalive himself", "self_harm", "unalive"),
    ("I wrote my goodbye letter last night", "self_harm", "goodbye letter"),
    ("by the time you read this it'll be too late", "self_harm", "by the time you read this"),
    ("saying my goodbyes to everyone here. sorry for everything", "self_harm", "goodbyes to everyone"),
    ("the letters are done - I've written the notes. tell my mum i love her", "self_harm", "written the notes"),
    # young person's own disclosure of abuse, coercive control
    ("my mum's boyfriend hits me when she's at work", "child_abuse", "boyfriend hits me"),
    ("my dad threatens to hit me if I tell anyone", "child_abuse", "threatens to hit me"),
    ("he said if i tell anyone he'll hurt my mum", "child_abuse", "if i tell anyone"),
    ("my stepmum locks me in the bedroom when people come round", "child_abuse", "locks me in the bedroom"),
    ("he locked me out of the house all night", "child_abuse", "locked me out of the house"),
    ("I dont feel safe at home", "child_abuse", "feel safe at home"),
    ("my little brother is terrified of our stepdad", "child_abuse", "terrified of our stepdad"),
    ("my uncle touches me when no one is around", "child_abuse", "touches me when no one"),
    ("he comes into my room at night and i hate it", "child_abuse", "into my room at night"),
    ("the dinner lady says a member of staff slaps the disabled pupils", "child_abuse", "slaps the disabled pupils"),
    ("he came back from contact with cigarette burns on his arm", "child_abuse", "burns on his arm"),
    # grooming, online and criminal exploitation, honour-based abuse
    ("I think my niece is being groomed by someone from her gaming group", "child_abuse", "being groomed"),
    ("my 13 year old has been chatting to an older man on snapchat", "child_abuse", "an older man"),
    ("a random guy online keeps asking her to send pics", "child_abuse", "asking her to send pics"),
    ("someone she met on tiktok keeps buying her presents and says to keep it a secret", "child_abuse", "keep it a secret"),
    ("he's threatening to share her photos unless she sends more", "child_abuse", "threatening to share her photos"),
    ("she's 14 and her boyfriend is 23", "child_abuse", "boyfriend is 23"),
    ("I think my nephew is involved in county lines", "child_abuse", "county lines"),
    ("older lads are using him to sell drugs", "child_abuse", "sell drugs"),
    ("they want to force her to marry a man back home", "child_abuse", "force her to marry"),
    # abuse of a disabled young adult in care
    ("the staff at her care home are stealing her money", "child_abuse", "stealing her money"),
    ("the support workers keep spending his benefits on themselves", "child_abuse", "spending his benefits"),
    ("since he moved into the residential placement he's lost loads of weight", "neglect", "lost loads of weight"),
    ("no one ever checks on her at the flat, she's 20 and can't cook", "neglect", "checks on her"),
    ("he's left sitting in his own urine for hours at the day centre", "neglect", "sitting in his own urine"),
    # neglect
    ("the toddler next door is always out in the garden in the dark on his own", "neglect", "out in the garden in the dark"),
    ("my neighbour's baby is put out on the step in only a nappy", "neglect", "only a nappy"),
    ("their mum is never sober and the youngest is only 2", "neglect", "never sober"),
    ("dad's off his face every night so we make our own tea", "neglect", "off his face every night"),
    ("mum leaves us alone to go out drinking", "neglect", "alone to go out drinking"),
    ("there's no food in and the cupboards are empty", "neglect", "no food in"),
    ("my foster carer won't let me have dinner if I answer back", "neglect", "won't let me have dinner"),
    ("they make him go without food as a punishment", "neglect", "go without food"),
    ("I have to stay off school to look after my dad because he's ill", "neglect", "off school to look after"),
    ("my mum hasn't got out of bed for a week", "neglect", "out of bed for a week"),
    # missing and abducted
    ("my son has been missing from his supported living flat since Sunday", "missing_child", "missing"),
    ("she's run away from her foster placement again", "missing_child", "run away from her foster placement"),
    ("my 19 year old hasn't been seen since Tuesday", "missing_child", "been seen since"),
    ("her dad took our son and won't say where they are", "missing_child", "say where they are"),
    ("my ex hasn't brought the kids back after contact", "missing_child", "brought the kids back"),
    ("his family are planning to take him to Pakistan and keep him out of the country", "missing_child", "out of the country"),
    ("I'm scared she'll take the baby overseas", "missing_child", "take the baby overseas"),
    ("their father has kidnapped them", "missing_child", "kidnapped"),
    ("he said he'll take them and I'll never see them again", "missing_child", "see them again"),
    # threats with weapons or arson, and suspicious adults
    ("if they exclude him again I'll come up to that school with a machete, they'll see", "threat_to_children", "machete"),
    ("im gonna burn that academy to the ground", "threat_to_children", "burn that academy to the ground"),
    ("someone should set fire to every special school in the county", "threat_to_children", "set fire to every special school"),
    ("there's a bomb in the college", "threat_to_children", "bomb in the college"),
    ("my son is carrying a knife for protection", "threat_to_children", "carrying a knife for protection"),
    ("found a machete in my son's bedroom", "threat_to_children", "machete in my son's bedroom"),
    ("a man sits in his car outside the infant school every morning", "threat_to_children", "sits in his car outside"),
    ("someone has been taking pictures of the children in the playground through the fence", "threat_to_children", "taking pictures of"),
    ("a stranger tried to get my daughter into his van on the way home", "threat_to_children", "tried to get my daughter into his van"),
    ("some bloke offered my son a lift home from the bus stop", "threat_to_children", "offered my son a lift"),
    ("my daughter was approached by an older man outside college", "threat_to_children", "approached by an older man"),
]))
def test_wider_safeguarding_signals_found(text, type_, evidence):
    assert risks(text), f"no risk detection in {text!r}"
    assert_found(text, type_, evidence)


@pytest.mark.parametrize("text", cases([
    # abuse aimed at staff is not a safeguarding risk
    "you lot should just go die",
    "kill yourselves, the lot of you",
    # idioms
    "I'm dying to know if we got the place",
    "this form is killing me",
    "I could murder a brew after that meeting",
    "the wait is killing me",
    "he's doing knife and fork skills with the OT",
    "the college ran a knife crime awareness session",
    "I could kill for a holiday",
    "that decision will be the end of me lol",
    # ordinary SEND case talk
    "I'm going to end it with this school and move him",
    "I'll end things there, thanks for listening",
    "no point carrying on with the appeal is there?",
    "we'd be better off moving to the county",
    "I can't do this anymore, the council are impossible",
    "how many melatonin tablets is too many for a 6 year old",
    "I've written the letters to the council and the head",
    "just wanted to say goodbye to everyone at the group, we're moving to Derby. thank you for everything!",
    "he was excluded for the third time this term",
    "they've put her on a reduced timetable",
    "his transport has been cut from September",
    "my son is missing school because of anxiety",
    "my daughter keeps missing the bus",
    "he has no food allergies",
    "I'm locked out of my account again",
    "the school locked him out of the portal",
    "the school won't let him eat his lunch in the classroom",
    "she's not allowed to eat before the operation",
    "he only eats beige food, there's no food in the house he'll eat",
    "my daughter is off school to look after her newborn, can she still sit her exams?",
    "I feel like a burden to the service asking so many questions",
    "he took all his tablets this morning no problem",
    "she's lost weight since starting the new medication, is that normal?",
    "his support worker takes his bank card to do his shopping",
    "my mum sends him money for his birthday",
    "the council asked for photos of his bedroom for the adaptation",
    "he hates personal grooming, hair washing is a nightmare",
    "what is county lines? is there a workshop?",
    "she's 19 and her boyfriend is 22",
    "my son is 14 and his dad's girlfriend is 30",
    "we're taking the kids abroad for a wedding in the summer",
    "can I take my son abroad during term time?",
    "the school won't give him back his phone",
    "the council won't tell me where they are up to with his assessment",
    "the paperwork has disappeared",
    "he's disappeared into his room again",
    "the council threatened to take the kids into care",
    "I'll never see that money again",
    "the taxi driver parked outside the school and left him in the car",
    "we sit in the car outside school every morning because he can't go in",
    "the school filmed the nativity and put it on the website",
    "my husband filmed his meltdown to show the paediatrician",
    "we met a man online from the autism group who gave great advice",
    "an older lady on the bus chats to him every day",
    "he loves playing outside in the rain",
    "he was always high functioning they said",
    "she's always high on energy drinks",
    "I hope I don't wake up the baby when I get in",
    "she goes to sleep and never wakes up before 9 on weekends",
    "he smashed a window with a hammer last year and got excluded",
    "he's obsessed with guns and army stuff, is that normal for autism?",
    "nobody checks on him at lunch and he doesn't eat",
    "my son ran off in the supermarket for 2 mins",
]))
def test_wider_safeguarding_negatives(text):
    assert risks(text) == [], f"risk wrongly found in {text!r}: {risks(text)}"


def test_library_replies_have_no_risk():
    from bot.replies import all_replies

    flagged = [(r.id, [d.type for d in risks(r.text)]) for r in all_replies() if risks(r.text)]
    assert flagged == []


# --------------------------------------------------------------------------------------------------
# whole-message checks
# --------------------------------------------------------------------------------------------------

GENERIC = [
    "Do you help with autism?",
    "What is an EHCP?",
    "How does an annual review work?",
    "Will there be another EHCP workshop?",
    "Is the office open over Christmas?",
    "Thank you so much for your help today, really appreciated",
    "Great post, shared with my friends",
    "Do you cover Leicestershire or just the city?",
    "Where can I find the local offer?",
    "What's the difference between SEN support and an EHCP?",
    "You can reach SENDIASS on 0116 482 0870 or info@sendiassleicester.org.uk",
    "In an emergency ring 999",
]


@pytest.mark.parametrize("text", GENERIC)
def test_generic_messages_are_clean(text):
    assert detect(text) == []


# (The mean time per typical message is measured in bench/adversarial.py, not asserted here.)


# --------------------------------------------------------------------------------------------------
# wider phrasings (typos, no punctuation, other wording)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, type_, evidence", cases([
    ("my lad is 15 and has been off school since october with anxiety", "family_send_detail", "anxiety"),
    ("my grandaughter is autistic", "family_send_detail", "autistic"),
    ("the council turned down our request for an ehc needs assessment", "family_send_detail", "our request for an ehc needs assessment"),
    ("We got the final plan but it names the wrong school", "family_send_detail", "final plan"),
    ("he has an EHCP and has been out of education for 6 months", "family_send_detail", "he has an EHCP"),
    ("he was excluded, what are my rights?", "family_send_detail", "he was excluded"),
    ("I have a son with cerebral palsy and a daughter with ADHD", "family_send_detail", "cerebral palsy"),
    ("my daughter Isla (11) has epilepsy", "family_send_detail", "epilepsy"),
    ("Zara's EHCP came through today", "family_send_detail", "Zara's EHCP"),
    ("my son is six", "child_age", "my son is six"),
    ("hi im Louise, my son Reggie is 8", "child_age", "Reggie is 8"),
    ("he's 15 and at Leicester College", "child_age_school", "Leicester College"),
    ("my dad has dementia and I look after him", "family_circumstances", "dementia"),
    ("my partner left us last month and I'm on my own with 3 kids", "family_circumstances", "my partner left us"),
    ("the kids are in care now", "family_circumstances", "in care"),
    ("ive found blades in her room and cuts on her legs", "self_harm", "cuts on her legs"),
    ("i don't see the point in living anymore", "self_harm", "point in living"),
    ("the teaching assistant pushed him over", "child_abuse", "pushed him over"),
    ("her step dad comes into her room at night", "child_abuse", "into her room at night"),
    ("my husband threw a plate at me", "domestic_violence", "threw a plate at me"),
    ("im frightened to go home", "domestic_violence", "frightened to go home"),
    ("he controls all the money", "domestic_violence", "controls all the money"),
    ("theres nothing in the house for tea again", "neglect", "nothing in the house"),
    ("he went out at 4 and hasnt come back", "missing_child", "hasnt come back"),
    ("we reported him missing to the police", "missing_child", "missing"),
    ("that school needs burning down", "threat_to_children", "burning down"),
    ("he told his mate he'd bring a gun in", "threat_to_children", "bring a gun in"),
]))
def test_wider_phrasings_found(text, type_, evidence):
    assert_found(text, type_, evidence)


@pytest.mark.parametrize("text, type_", cases([
    ("how do i know if my child has dyslexia?", "family_send_detail"),
    ("if he has an EHCP can he stay at college till 25?", "family_send_detail"),
    ("Does she need a diagnosis to get help?", "family_send_detail"),
    ("we went to your EHCP workshop", "family_send_detail"),
    ("we need more funding for SEND", "family_send_detail"),
    ("Evington is a lovely area", "child_name"),
    ("Homework is a nightmare every night", "child_name"),
    ("Communication is the problem with this school", "child_name"),
    ("he's 10 and at Nottingham hospital", "child_age_school"),
    ("the council still hasn't come back to me", "missing_child"),
    ("the school won't let me see his file", "domestic_violence"),
    ("my ex won't let me see the kids", "domestic_violence"),
]))
def test_wider_phrasings_not_found(text, type_):
    assert_not_found(text, type_)


BENIGN = cases([
    "Is the drop in still on Thursdays?",
    "Can dads come to the workshop too?",
    "How long does the EHC needs assessment take?",
    "Does a child need a diagnosis to get support at school?",
    "Can I bring my son to the session?",
    "I'll share this with the other parents in my son's class",
    "My daughter's school is amazing with her, just wanted to say",
    "The council are a joke, every parent I know is struggling",
    "Is home to school transport automatic with an EHCP?",
    "Thank you Hannah for your help yesterday",
    "This happened to us too, keep fighting!",
    "My son is my world ❤️",
    "my son is starting reception in september, any tips?",
    "Can they refuse to let my child go on a school trip?",
    "I have a meeting with the school next week, can someone come with me?",
    "Has anyone got experience of the tribunal process?",
    "my phone died earlier sorry",
    "i could scream at the council honestly",
    "the wait is killing me",
])


@pytest.mark.parametrize("text", BENIGN)
def test_benign_comments_have_no_detections(text):
    assert detect(text) == []


def test_needs_prefilters_never_change_results(monkeypatch):
    """``Pattern.needs`` only saves time: with every prefilter removed, results are identical."""
    texts = ALL_TEXTS + [MIXED]
    with_prefilters = [detect(t) for t in texts]
    for recognizer in REGISTRY:
        monkeypatch.setattr(recognizer, "patterns", tuple(dataclasses.replace(p, needs=()) for p in recognizer.patterns))
    detector.ChildNameRecognizer._find_cached.cache_clear()
    try:
        without = [detect(t) for t in texts]
    finally:
        detector.ChildNameRecognizer._find_cached.cache_clear()
    assert len(texts) > 300
    for t, a, b in zip(texts, with_prefilters, without):
        assert a == b, t


# --------------------------------------------------------------------------------------------------
# Linear-time rewrites (issue 10) find exactly what the patterns they replace find
# --------------------------------------------------------------------------------------------------

def test_email_recognizer_finds_exactly_its_patterns_matches():
    import random

    rng = random.Random(10)
    pieces = ["a", "1", ".", "-", "'", "@", "b.com", "x.co.uk", " at ", " (at) ", "gmail", "me", " dot ", "com", " ",
              "\n", "_", "K", "\u00e9"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(3000)]
    texts += ["a@b.com.x@y.com", "jo.b at gmail dot com.k at me dot com", "1-1-1@x.org"]
    rec = next(r for r in REGISTRY if r.type == "email")
    for text in texts:
        want = [(m.start(), m.end(), p.score) for p in rec.patterns for m in p.regex.finditer(text)
                if m.group(0).lower() not in detector._official()[1]]
        got = [(d.start, d.end, d.score) for d in rec.find(text)]
        assert got == want, text
