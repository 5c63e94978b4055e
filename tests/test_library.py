"""The approved reply library: every reply is safe by the guard and carries what its route needs."""
import pytest

from bot import guard
from bot.profile import load_profile
from bot.replies import all_replies, select, snippet

ROUTE_TRIAGE = {
    "redirect_private": {"route": "redirect_private", "disclosure": True, "complaint": False, "detections": []},
    "complaint": {"route": "complaint", "disclosure": False, "complaint": True, "detections": []},
    "safeguarding": {"route": "safeguarding", "disclosure": True, "complaint": False, "detections": []},
}


@pytest.mark.parametrize("reply", all_replies(), ids=lambda r: r.id)
def test_every_library_reply_passes_the_guard(reply):
    triage = ROUTE_TRIAGE.get(reply.route)
    verdict = guard.check(reply.text, comment="a comment" if triage else None, comment_triage=triage)
    assert verdict.ok, [v.to_dict() for v in verdict.violations]
    assert "{" not in reply.text and "}" not in reply.text  # every placeholder was filled


def test_redirect_replies_carry_disclaimer_phone_and_email():
    p = load_profile()
    for channel in ("public_comment", "direct_message"):
        text = select("redirect_private", channel).text
        assert p.phone in text and p.email in text
        assert "confidential" in text.lower()


def test_complaint_replies_point_to_the_procedure():
    p = load_profile()
    for channel in ("public_comment", "direct_message"):
        text = select("complaint", channel).text
        assert p.feedback_procedure in text and p.feedback_url in text


def test_routes_without_automatic_reply():
    assert select("abuse", "public_comment") is None and select("abuse", "direct_message") is None
    assert select("handoff", "public_comment") is None
    assert select("handoff", "direct_message") is not None  # a short holding message


def test_safeguarding_dm_signposts_emergency_and_phone():
    p = load_profile()
    text = select("safeguarding", "direct_message").text
    assert p.signposting["emergency"]["phone"] in text and p.phone in text


@pytest.mark.parametrize("key", ["guard.redirect", "guard.complaint_route", "guard.promise_softened",
                                 "guard.out_of_expertise", "guard.generic_opening"])
def test_guard_snippets_pass_the_guard(key):
    assert guard.check(snippet(key)).ok
