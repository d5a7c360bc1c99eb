"""An analyst's session in a real browser: log in, open a case, search
(Cyrillic query, Latin and Cyrillic records), open a resolved entity with its
sources, expand it in the graph explorer and read an ownership chain, judge a
pair in the review queue, load a spreadsheet from the browser after a
mapping preview, add the entity and a note to the case; then an
admin verifies the audit trail, and revoking the analyst's sessions ends her
browser session on the next page. Screenshots of each step go to
``test-output/`` (or ``$THREADLINE_SCREENSHOTS``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers.e2e import PASSWORD, SCREENSHOTS, Server

# a shared 2-core CI machine: give each expectation time
expect.set_options(timeout=20_000)

CASE_TITLE = "Road contracts 2024"
GRANTS_CSV = (
    "grant_no,recipient,amount\nG-1,Kestrel Paving OÜ,120000\nG-2,Tallinn Asphalt AS,80000\n"
)
NOTE = "Petrov sits on both sides of the 2019 award; ask the registry for the 2012 filing."


class Session:
    """One user's browser context; page errors fail the test."""

    def __init__(self, browser: Browser, server: Server, folder: Path, user: str) -> None:
        self.server = server
        self.user = user
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.set_default_timeout(20_000)
        self.folder = folder
        self.shots: list[Path] = []

    def goto(self, path: str) -> Page:
        """Open a page and wait until its script has set it up."""
        self.page.goto(self.server.url + path)
        if "/login" not in self.page.url:
            expect(self.page.locator("body[data-ready=true]")).to_have_count(1)
        return self.page

    def login(self) -> None:
        page = self.goto("/login")
        page.get_by_test_id("login-username").fill(self.user)
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("user-name")).to_have_text(self.user)

    def shot(self, name: str) -> None:
        path = self.folder / f"{self.user}-{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def shots_folder() -> Path:
    folder = SCREENSHOTS / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def test_analyst_investigates_and_admin_audits(
    browser: Browser, server: Server, shots_folder: Path
) -> None:
    olga = Session(browser, server, shots_folder, "olga")
    page = olga.page

    # -- log in: the search page sends a stranger to the login page
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    olga.shot("login")
    olga.login()
    expect(page.get_by_test_id("user-role")).to_have_text("analyst")

    # -- a search needs a case or a purpose
    page.get_by_test_id("search-input").fill("Иван Петров")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("scope-needed")).to_be_visible()

    # -- open a case
    olga.goto("/cases")
    page.get_by_test_id("case-title").fill(CASE_TITLE)
    page.get_by_test_id("case-description").fill("Who is behind the road-building awards?")
    page.get_by_test_id("case-create").click()
    expect(page).to_have_url(re.compile(r"/cases/[\w-]+$"))
    case_url = page.url
    expect(page.get_by_test_id("case-title")).to_have_text(CASE_TITLE)
    expect(page.get_by_test_id("case-owner")).to_contain_text("olga")

    # -- search under the case: a Cyrillic query finds Latin and Cyrillic
    # records, merged into resolved entities, with facets
    olga.goto("/")
    page.get_by_test_id("scope-case").select_option(label=CASE_TITLE)
    page.get_by_test_id("search-input").fill("Иван Петров")
    page.get_by_test_id("search-submit").click()
    results = page.get_by_test_id("search-results")
    expect(results.get_by_test_id("result-link").first).to_be_visible()
    expect(page.get_by_test_id("search-summary")).to_contain_text("Иван Петров")
    expect(page.get_by_test_id("facet-schema")).to_contain_text("Person")
    expect(page.get_by_test_id("facet-dataset")).to_contain_text("sanctions")
    merged = results.locator("tr", has=page.get_by_test_id("merged-count")).first
    expect(merged).to_be_visible()
    olga.shot("search")

    # -- the resolved entity: values with their sources, members, evidence
    merged.get_by_test_id("result-link").click()
    expect(page).to_have_url(re.compile(r"/entities/"))
    entity_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_test_id("entity-caption")).not_to_be_empty()
    properties = page.get_by_test_id("properties")
    expect(properties).to_contain_text("name")
    expect(properties).to_contain_text(".csv")  # the source file of a value
    expect(page.get_by_test_id("members").locator("li").nth(1)).to_be_visible()
    expect(page.get_by_test_id("merge-evidence")).not_to_be_empty()
    expect(page.get_by_test_id("relations").locator("tbody tr").first).to_be_visible()
    olga.shot("entity")
    page.get_by_test_id("add-case-select").select_option(label=CASE_TITLE)
    page.get_by_test_id("add-to-case").click()
    expect(page.get_by_test_id("toasts")).to_contain_text(re.compile("added", re.I))

    # -- the graph explorer: starts from the entity, expands a neighbour
    page.get_by_test_id("open-graph").click()
    expect(page).to_have_url(re.compile(r"/graph\?id="))
    canvas = page.get_by_test_id("graph-canvas")
    expect(canvas).not_to_have_attribute("data-nodes", "0")
    expect(canvas).not_to_have_attribute("data-nodes", "1")
    before = int(canvas.get_attribute("data-nodes") or "0")
    # select a neighbour that has links of its own (a company), then expand it
    page.evaluate(
        """() => {
        const cy = window.threadlineGraph;
        const start = cy.nodes('.subject, :selected').first();
        const other = cy.nodes().filter((n) => n.id() !== start.id()
            && n.data('schema') !== 'Person').first();
        cy.$(':selected').unselect();
        (other.nonempty() ? other : cy.nodes().last()).select();
    }"""
    )
    expect(page.get_by_test_id("expand")).to_be_enabled()
    page.get_by_test_id("expand").click()
    expect(canvas).not_to_have_attribute("data-nodes", str(before))
    assert int(canvas.get_attribute("data-nodes") or "0") > before
    olga.shot("graph-expanded")

    # -- ownership chain with shares: the owners of the selected company
    page.get_by_test_id("owners-of-selected").click()
    page.get_by_test_id("find-owners").click()
    owners = page.get_by_test_id("owners-list")
    expect(owners.locator("tr").first).to_be_visible()
    olga.shot("graph-owners")

    # -- a path from the entity to a node the expansion brought in (two hops)
    far = page.evaluate(
        """(startId) => {
        const cy = window.threadlineGraph;
        const start = cy.getElementById(startId);
        const far = cy.nodes().filter((n) => n.id() !== startId
            && n.edgesWith(start).empty() && !n.hasClass('pivot'));
        return far.nonempty() ? far.first().id() : null;
    }""",
        entity_id,
    )
    assert far, "the expansion brought in no node two hops away"
    page.get_by_test_id("path-from").fill(entity_id)
    page.get_by_test_id("path-to").fill(far)
    page.get_by_test_id("find-path").click()
    expect(page.get_by_test_id("hop-list").locator("li").nth(1)).to_be_visible()
    olga.shot("graph-path")

    # -- the review queue: a candidate against a cluster, decided "same"
    olga.goto("/review")
    expect(page.get_by_test_id("review-pair")).to_be_visible()
    expect(page.get_by_test_id("review-explanation")).to_contain_text("name")
    expect(page.get_by_test_id("review-progress")).to_contain_text("in the queue")
    expect(page.get_by_test_id("review-progress")).to_contain_text("cluster of")
    # a bulk rule previews what it would decide before anything is recorded
    page.get_by_test_id("review-bulk").locator("summary").click()
    page.get_by_test_id("bulk-preview").click()
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("would be decided")
    left = page.get_by_test_id("review-left")
    left_href = left.get_attribute("href")
    right_text = page.get_by_test_id("review-right").inner_text()
    olga.shot("review")
    page.get_by_test_id("judge-same").click()
    expect(page.get_by_test_id("toasts")).to_contain_text("same")
    # the judgement shows on the entity, with who made it
    assert left_href
    olga.goto(left_href)
    judgements = page.get_by_test_id("judgements")
    expect(judgements).to_contain_text("olga")
    assert right_text

    # -- ingest a spreadsheet from the browser: preview the mapping, then load
    olga.goto("/ingest")
    page.get_by_test_id("ingest-file").set_input_files(
        files=[{"name": "grants.csv", "mimeType": "text/csv", "buffer": GRANTS_CSV.encode()}]
    )
    page.get_by_test_id("ingest-dataset").fill("grants")
    page.get_by_test_id("ingest-schema").fill("Company")
    page.get_by_test_id("ingest-key").fill("grant_no")
    page.get_by_test_id("map-prop").first.fill("name")
    page.get_by_test_id("map-column").first.fill("recipient")
    page.get_by_test_id("ingest-preview").click()
    expect(page.get_by_test_id("preview-columns")).to_contain_text("recipient")
    expect(page.get_by_test_id("preview-entities")).to_contain_text("Kestrel Paving OÜ")
    olga.shot("ingest-preview")
    page.get_by_test_id("ingest-load").click()
    expect(page.get_by_test_id("ingest-result")).to_contain_text("2")
    olga.goto("/")
    page.get_by_test_id("search-input").fill("Kestrel Paving")
    page.get_by_test_id("search-submit").click()
    olga.shot("search-after-ingest")
    expect(page.get_by_test_id("search-results")).to_contain_text("grants")

    # -- the case: add a note about the entity; members and activity show it
    page.goto(case_url)
    case_entities = page.get_by_test_id("case-entities")
    expect(case_entities.locator(f"a[href='/entities/{entity_id}']")).to_be_visible()
    page.get_by_test_id("note-text").fill(NOTE)
    page.get_by_test_id("note-entity").fill(entity_id)
    page.get_by_test_id("add-note").click()
    expect(page.get_by_test_id("case-notes")).to_contain_text(NOTE)
    page.reload()
    expect(page.get_by_test_id("case-notes")).to_contain_text(NOTE)
    expect(page.get_by_test_id("case-members")).to_contain_text("olga")
    # the activity: what was looked at under this case, from the audit log
    activity = page.get_by_test_id("case-activity")
    expect(activity).to_contain_text("search")
    expect(activity).to_contain_text("Иван Петров")
    olga.shot("case")
    assert olga.errors == []

    # -- an admin: the audit trail holds olga's looks, with the case, and verifies
    ada = Session(browser, server, shots_folder, "ada")
    ada.login()
    ada.goto("/admin")
    audit = ada.page.get_by_test_id("audit")
    expect(audit).to_contain_text("olga")
    expect(audit).to_contain_text("search")
    ada.page.get_by_test_id("verify-chain").click()
    expect(ada.page.get_by_test_id("verify-result")).to_contain_text(re.compile("intact|ok", re.I))
    ada.shot("audit")

    # -- admins manage accounts but do not read case contents
    ada.page.goto(case_url)
    expect(ada.page.get_by_test_id("case-notes")).not_to_contain_text(NOTE)

    # -- revoking olga's sessions ends hers on the next request
    users = ada.page
    users.goto(server.url + "/admin")
    row = users.locator("tr[data-user='olga']")
    row.get_by_role("button", name=re.compile("end sessions|revoke", re.I)).click()
    expect(ada.page.get_by_test_id("toasts")).to_contain_text("olga")
    page.goto(server.url + "/cases")
    expect(page).to_have_url(re.compile(r"/login"))
    ada.shot("after-revoke")
    assert ada.errors == []

    for path in olga.shots + ada.shots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    olga.close()
    ada.close()
