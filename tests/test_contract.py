"""bot/contract.py: one set of rules for every entry point. /api/comments and `sendiass import` are tested over
HTTP and the CLI (test_review_http, test_review_import, test_review_hardening); this file pins the rules
themselves, and what POST /api/triage gets through `validate_triage_item` (bot/server.py calls it): an author
of 10 MB, over 200 characters or with a NUL was stored as it came (a 500 on PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot import contract, review, triage
from bot.contract import InputError, validate_comment, validate_triage_item


def test_one_home_for_the_rules():
    assert triage.InputError is review.InputError is contract.InputError
    assert triage.MAX_TEXT == review.MAX_TEXT == contract.MAX_TEXT == 10_000
    assert triage.validate_item is contract.validate_item and review.validate_comment is contract.validate_comment


@pytest.mark.parametrize("author, message", [
    ("x" * 10_000_000, "'author' is longer than 200 characters"),
    ("x" * 201, "'author' is longer than 200 characters"),
    ("Dawn\x00Patel", "'author' contains binary data"),
    ("Dawn \udcff", "'author' is not UTF-8 text"),
    (["Dawn"], "'author' must be text"),
])
def test_triage_authors_follow_the_comment_rules(author, message):
    with pytest.raises(InputError, match=message):
        validate_triage_item({"text": "Is your service free?", "author": author})
    with pytest.raises(InputError, match=message):  # the same sentence as /api/comments gives
        validate_comment({"platform": "facebook", "text": "Is your service free?", "author": author})


@pytest.mark.parametrize("obj, message", [
    ({"text": "hi\x00there"}, "'text' contains binary data"),
    ({"text": "a" * 10_001}, "the limit is 10,000"),
    ({"text": " "}, "'text' is missing or empty"),
    ({"text": "hello", "channel": "fax"}, "unknown channel 'fax'"),
    ({"text": "hello", "channel": ["public_comment"]}, "unknown channel 'list'"),
    ({"text": "hello", "id": {"a": 1}}, "'id' must be a string or a whole number"),
    ({"text": "hello", "id": "x" * 201}, "'id' is longer than 200 characters"),
    ({"text": "hello", "id": 2**64}, "'id' is too large a number"),
    (["hello"], "JSON object"),
])
def test_bad_triage_items_are_refused_with_a_reason(obj, message):
    with pytest.raises(InputError, match=message):
        validate_triage_item(obj)


def test_a_good_triage_item():
    assert validate_triage_item({"id": "m1", "text": "Thanks!", "author": "  Sam  "}) == {
        "id": "m1", "text": "Thanks!", "channel": "public_comment", "author": "Sam"}
    assert validate_triage_item({"text": "Thanks!", "author": "", "channel": "direct_message"})["author"] is None


@pytest.mark.parametrize("value, message", [
    ("0001-01-01T00:00:00+14:00", "not a time we can store"),
    ("9999-12-31T23:59:59-14:00", "not a time we can store"),
    ("1999-12-31T23:59:59Z", "before 2000"),
    (float("nan"), "not a time"),
    (1e300, "not a time"),
    (True, "must be a time"),
    ("x" * 10_000, "not a time like"),
])
def test_times_the_store_cannot_hold_are_refused(value, message):
    with pytest.raises(InputError, match=message):
        contract.received_at(value)


def test_times_are_utc():
    assert contract.received_at("2026-11-24T18:05:00+14:00") == datetime(2026, 11, 24, 4, 5, tzinfo=timezone.utc)
    assert contract.received_at(1763900000) == datetime(2025, 11, 23, 12, 13, 20, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", [0, -1, 2**31, 2**63, "12", 1.0, True, None])
def test_record_ids_fit_postgresql(value):
    with pytest.raises(InputError, match="from 1 to 2,147,483,647"):
        contract.record_id(value)


def test_csv_cells_that_a_spreadsheet_would_run():
    for formula in ('=HYPERLINK("https://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert contract.csv_cell(formula) == "'" + formula
    for plain in ("Thanks!", "", None, -1, 0.5, "a=b"):
        assert contract.csv_cell(plain) == plain
