"""Documents in a real browser, over the demo investigation: search finds
the board minutes in the documents tab, the document page shows the text
with the search terms and the mentioned people marked, a mention opens the
person's page, and that page lists the documents that mention them.
Screenshots go to ``test-output/e2e-documents/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers.e2e import PASSWORD, SCREENSHOTS, Server

expect.set_options(timeout=20_000)

MINUTES = "board-minutes-2021-06-02.pdf"


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = SCREENSHOTS / "e2e-documents"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def ready(page: Page) -> None:
    expect(page.locator("body[data-ready=true]")).to_have_count(1)


def test_from_search_to_a_document_to_the_person_it_names(
    browser: Browser, server: Server, shots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server.url + "/login")
        page.get_by_test_id("login-username").fill("olga")
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("user-name")).to_have_text("olga")
        ready(page)

        # -- a purpose for the record, then a search of the documents' text
        page.get_by_test_id("scope-purpose").fill("checking the dredging award")
        page.get_by_test_id("scope-purpose").press("Enter")
        page.get_by_test_id("search-input").fill("dredging approved")
        page.get_by_test_id("search-submit").click()
        page.get_by_test_id("tab-documents").click()
        results = page.get_by_test_id("document-results")
        link = results.get_by_test_id("document-link").filter(has_text=MINUTES).first
        expect(link).to_be_visible()
        expect(results.locator("mark").first).to_be_visible()
        page.screenshot(path=str(shots / "01-search.png"), full_page=True)

        # -- the document: its text page by page, terms and mentions marked
        link.click()
        expect(page).to_have_url(re.compile(r"/documents/.+\?q="))
        ready(page)
        expect(page.get_by_test_id("doc-caption")).to_have_text(MINUTES)
        pages = page.get_by_test_id("doc-pages")
        expect(pages.get_by_test_id("doc-page")).to_have_count(2)
        expect(pages).to_contain_text("The board approved the award to Cobalt Marine Ltd")
        expect(pages.get_by_test_id("mark-term").filter(has_text="approved")).to_be_visible()
        expect(pages.get_by_test_id("mark-iban")).to_have_text("GB82 WEST 1234 5698 7654 32")
        mention = pages.get_by_test_id("mention-link").filter(has_text="Anna Petrova")
        expect(mention).to_be_visible()
        expect(page.get_by_test_id("doc-mentions")).to_contain_text("Anna Petrova")
        expect(page.get_by_test_id("doc-download")).to_be_visible()
        page.screenshot(path=str(shots / "02-document.png"), full_page=True)

        # -- the mention opens the person; her page lists the documents naming her
        mention.click()
        expect(page).to_have_url(re.compile(r"/entities/"))
        ready(page)
        expect(page.get_by_test_id("entity-caption")).to_contain_text("Anna Petrova")
        mentioned = page.get_by_test_id("mentioned-in")
        expect(
            mentioned.get_by_test_id("mentioned-in-link").filter(has_text=MINUTES)
        ).to_be_visible()
        expect(mentioned.locator("mark").filter(has_text="Anna Petrova").first).to_be_visible()
        page.screenshot(path=str(shots / "03-entity-mentioned-in.png"), full_page=True)

        # -- and back to the document from there
        mentioned.get_by_test_id("mentioned-in-link").filter(has_text=MINUTES).first.click()
        expect(page).to_have_url(re.compile(r"/documents/"))
        ready(page)
        expect(page.get_by_test_id("doc-caption")).to_have_text(MINUTES)
        assert errors == []
    finally:
        context.close()
