"""The jobs page in a real browser: an analyst starts a background job,
follows it to its end and reads its log."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.helpers.e2e import PASSWORD, Server

expect.set_options(timeout=30_000)


def test_an_analyst_starts_a_job_and_follows_it_to_the_end(
    browser: Browser, server: Server
) -> None:
    kind = "reindex"  # harmless to the other browser tests sharing the server
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server.url + "/login")
        page.get_by_test_id("login-username").fill("olga")
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("user-name")).to_have_text("olga")

        page.goto(server.url + "/jobs")
        expect(page.get_by_test_id("jobs-table")).to_be_visible()
        before = page.get_by_test_id("job-row").count()
        page.get_by_test_id("job-kind").select_option(kind)
        page.get_by_test_id("job-start-button").click()
        rows = page.get_by_test_id("job-row")
        expect(rows).to_have_count(before + 1)
        mine = rows.filter(has_text=kind).filter(has_text="olga").first
        # the page refreshes itself while the job runs, until it ends
        expect(mine.get_by_test_id("job-state")).to_have_text("done")
        mine.locator("a").first.click()
        expect(page.get_by_test_id("job-detail")).to_be_visible()
        expect(page.get_by_test_id("job-log")).not_to_be_empty()
        assert not errors, errors
    finally:
        context.close()
