"""The review page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser is
downloaded): a member of staff edits a suggested reply until the guard passes, an approver approves it,
and both see it in the audit trail. Without /usr/bin/chromium: skipped on a laptop, a failure under CI=true."""
from __future__ import annotations



from tests.review_support import add_user, sign_in

STAFF, APPROVER = ("web.amira", "amira's browser passphrase"), ("web.priya", "priya's browser passphrase")
COMMENT = {"platform": "facebook", "author": "Dawn Patel", "url": "https://www.facebook.com/SENDIASSLeicester/posts/9",
           "text": "My son Kyle is in year 4 at Mowmacre Hill and the school keeps sending him home at lunch. "
                   "Can you help?"}


def signed_in_page(browser, base: str, name: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/review")
    assert page.url.endswith("/review/login")  # not signed in: the sign-in page
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/review")
    page.wait_for_selector("#who:has-text('Signed in as')")
    return context, page, errors


def test_edit_until_the_guard_passes_then_another_person_approves(server, browser):
    base = server["url"]
    add_user(server["home"], STAFF[0], "staff", STAFF[1])
    add_user(server["home"], APPROVER[0], "approver", APPROVER[1])
    item = sign_in(base, *STAFF).post_json("/api/comments", COMMENT).json()
    assert item["route"] == "redirect_private"

    # staff: the comment with its detections highlighted, the suggested reply, a live-checked edit
    context, page, errors = signed_in_page(browser, base, *STAFF)
    page.click(f"[data-testid=item-{item['id']}]")
    page.wait_for_selector("#detail:not([hidden])")
    marked = page.locator("#comment mark[data-testid=detection]").all_inner_texts()
    assert "Kyle" in marked and any("year 4" in m for m in marked)
    assert page.inner_text("#suggested") == item["suggested_reply"]
    assert page.is_disabled("#approve")  # staff cannot approve

    page.fill("#reply-edit", "Hi Dawn, we'll make sure Kyle stays in school all day, I promise.")
    page.wait_for_selector("#guard.fail [data-testid=finding]")
    findings = page.locator("[data-testid=finding]").all_inner_texts()
    assert any(f.startswith("promise") for f in findings) and any(f.startswith("personal data") for f in findings)
    assert page.is_visible("[data-testid=use-suggestion]")

    # fix it by hand until the guard passes
    page.fill("#reply-edit", "Thank you for getting in touch. This page is public, so please don't share personal "
                             "details here. Our advisers can talk it through with you in confidence on "
                             "0116 482 0870 or at info@sendiassleicester.org.uk.")
    page.wait_for_selector("#guard.ok [data-testid=guard-ok]")
    page.click("#save")
    page.wait_for_selector("#message:has-text('Edit saved')")
    assert page.locator("tr[data-action=edit][data-actor='web.amira']").count() == 1
    assert errors == []
    context.close()

    # the approver (not the editor) approves; the reply is ready to post, with a copy button
    context, page, errors = signed_in_page(browser, base, *APPROVER)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.click(f"[data-testid=item-{item['id']}]")
    page.wait_for_selector("#detail:not([hidden])")
    page.wait_for_selector("#guard.ok")
    assert page.is_enabled("#approve") and page.inner_text("#approve") == "Approve"
    page.click("#approve")
    page.wait_for_selector("#ready:not([hidden])")
    assert "Safe Replies never posts" in page.inner_text("#ready")
    assert page.inner_text("#ready-text").startswith("Thank you for getting in touch.")
    page.click("#copy")
    page.wait_for_selector("#message:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()").startswith("Thank you for getting in touch.")

    # the audit trail: intake, the staff edit, the approval, each with the guard's verdict then
    rows = page.locator("#history tr[data-testid=audit-row]")
    trail = [(rows.nth(i).get_attribute("data-action"), rows.nth(i).get_attribute("data-actor"))
             for i in range(rows.count())]
    assert trail == [("intake", "web.amira"), ("edit", "web.amira"), ("approve", "web.priya")]
    approve_row = page.locator("tr[data-action=approve]").inner_text()
    assert "edited approved" in approve_row and "passes" in approve_row

    # the queue: filtered to ready-to-post, the dashboard counts the decision
    page.select_option("#filter-status", "ready")
    page.wait_for_selector(f"[data-testid=item-{item['id']}]")
    assert page.inner_text("[data-testid=dash-median] strong") not in ("", "–")
    assert errors == []
    context.close()
