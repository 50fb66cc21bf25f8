"""Every page kind on a phone (375x740) and a desktop (1280x800), in each state a person meets:
nothing wider than the screen, clauses at (nearly) full width on a phone, a visible focus on
every control the keyboard reaches, Enter never sending a quiz, paper copies whole and their
option lists only on paper, and axe-core finding nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from handbook.build import build
from handbook.links import PAGES
from handbook.project import load_project
from tests.conftest import ROOT, axe_violations, copy_project, served_folder
from tests.lifecycle_kit import NEW_WORDS, OLD_WORDS, change_words, publish
from tests.quiz_driver import ACKNOWLEDGE, EMPLOYEE, SMA, check_answers, key, presented, quiz_data

pytestmark = pytest.mark.browser

KINDS = {
    "home": "index.html",
    "policy": "policies/admin-policy-6.html",
    "quizzes": "quizzes/index.html",
    "quiz": EMPLOYEE,
    "acknowledge": ACKNOWLEDGE,
    "checklists": "checklists/index.html",
    "checklist": "checklists/sma.html",
    "forms": "forms/index.html",
    "form": "forms/removed-content.html",
    "roles": "roles/index.html",
    "role": "roles/sma.html",
    "requirements": "requirements.html",
    "glossary": "glossary.html",
    "changes": "changes/admin-policy-6/v2.html",
}
PATHS = {**KINDS, "exam": SMA}
PUBLISHED_ONLY = {"changes"}
"""Page kinds only a handbook with published versions has: looked at on ``published_url``."""
"""Every page kind, and the exam page (a quiz graded by the service: a page of its own)."""
SIZES = {"phone": (375, 740), "desktop": (1280, 800)}
SHIPPED, _ = load_project(ROOT)
POLICY = SHIPPED.policy("admin-policy-6")
EMPLOYEE_CHECKLIST = next(c for c in SHIPPED.checklists if c.id == "employee")
CHECKLIST_KEY = f"handbook:checklist:employee:{EMPLOYEE_CHECKLIST.version}"


def test_every_page_kind_is_looked_at():
    assert set(KINDS) == set(PAGES)


@pytest.fixture(scope="module")
def published_url(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[str]:
    """The shipped handbook with version 1 published, a clause changed and version 2 published."""
    root = copy_project(tmp_path_factory.mktemp("published") / "project")
    publish(root)
    change_words(root, OLD_WORDS, NEW_WORDS, "2")
    publish(root, "--note", "Vital, not merely valuable")
    with served_folder(build(root, engine=engine).site_dir) as url:
        yield url


@pytest.fixture
def base_for(site_url: str, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """The site a page kind is looked at on (the published one only when needed: it is built)."""
    return lambda kind: request.getfixturevalue("published_url") if kind in PUBLISHED_ONLY else site_url


@pytest.fixture(params=sorted(SIZES), ids=sorted(SIZES))
def screen(request, browser) -> Iterator[Any]:
    """A fresh tab of the given size; ``screen.size`` names it."""
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    tab = context.new_page()
    tab.size = request.param
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


def remember(tab, base: str, values: dict[str, Any]) -> None:
    """Put what this browser would remember into localStorage (the site's origin)."""
    tab.goto(f"{base}/index.html")
    tab.evaluate("values => { localStorage.clear(); for (const [k, v] of Object.entries(values)) "
                 "localStorage.setItem(k, JSON.stringify(v)); }", values)


def acknowledged(at: str = "2026-11-25T13:04:09Z") -> dict[str, Any]:
    return {f"handbook:acknowledged:{POLICY.id}": {"E-1001": {
        "name": "Ada Lovelace", "version": POLICY.version, "hash": POLICY.content_hash(), "at": at,
        "id": "0b7e2c1a-54f1-4c3a-9d7e-5af866eba6fd"}}}


def a_pass(quiz_id: str, employee_id: str = "E-1001") -> dict[str, Any]:
    """A pass as quiz.js keeps it: under the employee id of the person who sent it."""
    quiz = next(q for q in SHIPPED.quizzes if q.id == quiz_id)
    return {f"handbook.quiz.{quiz.id}@{quiz.version}": {"attempts": 1, "missed": [], "passes": {employee_id: {
        "employee_id": employee_id, "name": "Ada Lovelace", "questions": [], "answers": {}, "score": 100,
        "pass_mark": quiz.pass_mark, "passed": True, "attempt": 1, "at": "2026-11-24T09:00:00Z"}}}}


def quiz_confirm(tab) -> None:
    data = quiz_data(tab)
    first, _ = presented(tab)[0]
    tab.locator(f"[data-hb-question='{first}'] [data-hb-option='{key(data, first)[0]}'] input").check()
    tab.locator("[data-hb-quiz-submit] button").click()
    tab.locator("[data-hb-quiz-confirm]").wait_for()


def quiz_result_and_errors(tab) -> None:
    check_answers(tab, unanswered=len(presented(tab)))
    tab.locator("[data-hb-record-form] button[type='submit']").click()
    tab.locator("[data-hb-record-form] [data-hb-error-summary]").wait_for()


def submit_empty(tab) -> None:
    tab.locator("form button[type='submit']").first.click()
    tab.locator("[data-hb-error-summary]:visible").first.wait_for()


def tick_all(tab) -> None:
    for box in tab.locator("input[data-hb-item]").all():
        box.check()
    tab.locator("[data-hb-checklist-done]").wait_for()


def open_clause(tab) -> None:
    tab.evaluate("location.hash = '#restrictions'")


STATES: dict[str, list[tuple[str, dict[str, Any], Callable[[Any], None] | None]]] = {
    "home": [("with progress", {**a_pass("admin-policy-6-employee"), **acknowledged(),
                                CHECKLIST_KEY: ["read-policy", "know-terms"]}, None)],
    "policy": [("a section linked", {}, open_clause)],
    "quiz": [("asking before an incomplete check", {}, quiz_confirm),
             ("result, record form refused", {}, quiz_result_and_errors)],
    "acknowledge": [("self-check passed", a_pass("admin-policy-6-employee"), None),
                    ("errors", a_pass("admin-policy-6-employee"), submit_empty),
                    ("already acknowledged", acknowledged(), None)],
    "checklist": [("all done", {}, tick_all)],
    "form": [("errors", {}, submit_empty)],
}
"""States beyond a first visit: (name, what the browser remembers, what the person did)."""

CASES = [(kind, "first visit", {}, None) for kind in PATHS] + [
    (kind, *state) for kind, states in STATES.items() for state in states
]


def arrive(tab, base: str, kind: str, stored: dict[str, Any], action: Callable[[Any], None] | None) -> None:
    remember(tab, base, stored)
    tab.goto(f"{base}/{PATHS[kind]}")
    if action:
        action(tab)
    tab.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")


@pytest.mark.parametrize(("kind", "state", "stored", "action"), CASES, ids=[f"{c[0]}, {c[1]}" for c in CASES])
def test_no_overflow_and_no_wcag_violations_in_any_state(screen, base_for, kind, state, stored, action):
    arrive(screen, base_for(kind), kind, stored, action)
    overflow = screen.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{kind} ({state}) is {overflow}px wider than the {screen.size} screen"
    assert axe_violations(screen) == []
    assert screen.errors == []


def test_clause_text_takes_the_width_of_a_phone(screen, site_url):
    """Clauses, however deep, keep at least 90 % of the column on a phone (on the policy and
    on a role page), and words are never broken to fit."""
    for path in (KINDS["policy"], KINDS["role"]):
        screen.goto(f"{site_url}/{path}")
        widths = screen.evaluate("""() => {
            const column = document.querySelector('.md-content__inner');
            const style = getComputedStyle(column);
            const inner = column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return Array.from(document.querySelectorAll('.hb-clause')).map(c => [
                c.id || c.textContent.slice(0, 30), c.getBoundingClientRect().width / inner,
                getComputedStyle(c).wordBreak]);
        }""")
        assert len(widths) > 10
        least = 0.9 if screen.size == "phone" else 0.75
        narrow = [(clause, round(share, 2)) for clause, share, _ in widths if share < least]
        assert narrow == [], f"{path}: clauses narrower than {least:.0%} of the column"
        assert all(word_break != "break-all" for _, _, word_break in widths)


FOCUS_STYLE = ("e => { const s = getComputedStyle(e); "
               "return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|'); }")


def keyboard_stops(tab) -> list[dict[str, Any]]:
    """Tab through the whole page once; for each control reached, its focus style and its style
    when not focused, and whether it is on screen."""
    unfocused = tab.evaluate(f"""() => {{ const style = {FOCUS_STYLE}; let n = 0; const found = {{}};
        for (const e of document.querySelectorAll('*')) {{
            e.dataset.hbProbe = n++;
            found[e.dataset.hbProbe] = style(e);
        }}
        return found; }}""")
    stops: list[dict[str, Any]] = []
    for _ in range(400):
        tab.keyboard.press("Tab")
        stop = tab.evaluate(f"""() => {{ const e = document.activeElement, style = {FOCUS_STYLE};
            if (!e || e === document.body) return null;
            const r = e.getBoundingClientRect();
            const name = e.tagName + ' ' + (e.textContent || e.name || '').trim().slice(0, 30);
            return {{probe: e.dataset.hbProbe, name: name,
                     style: style(e), shown: r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth
                                            && r.bottom > 0 && r.top < innerHeight}}; }}""")
        if stop is None or (stops and stop["probe"] == stops[-1]["probe"]):  # a date's parts: one control
            if stop is None:
                break
            continue
        if stop["probe"] in {s["probe"] for s in stops}:
            break
        stop["unfocused"] = unfocused.get(stop["probe"])
        stops.append(stop)
    return stops


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_every_control_the_keyboard_reaches_shows_it_has_focus(screen, base_for, kind):
    """Tab through the page: each stop is on screen and its outline or shadow changes (on both
    engines' sites: Zensical's open section in the closed drawer once kept focus off screen)."""
    screen.goto(f"{base_for(kind)}/{PATHS[kind]}")
    stops = keyboard_stops(screen)
    assert len(stops) > 5
    hidden = [stop["name"] for stop in stops if not stop["shown"]]
    unmarked = [stop["name"] for stop in stops if stop["style"] == stop["unfocused"]]
    assert hidden == [], f"focus lands on controls off screen: {hidden}"
    assert unmarked == [], f"no visible focus on: {unmarked}"


def test_quiz_options_show_focus_and_enter_never_sends_the_quiz(screen, site_url):
    screen.goto(f"{site_url}/{EMPLOYEE}")
    screen.locator("[data-hb-quiz-round]").focus()
    screen.keyboard.press("Tab")
    option = screen.evaluate(f"(e => [e.type, ({FOCUS_STYLE})(e)])(document.activeElement)")
    assert option[0] in ("radio", "checkbox") and option[1].split("|")[0] == "solid"
    screen.keyboard.press("Space")
    kinds = [kind for kind in ("radio", "checkbox")  # a round is drawn: it may hold only one kind
             if screen.locator(f"[data-hb-question] input[type='{kind}']").count()]
    assert kinds
    for kind in kinds:
        screen.locator(f"[data-hb-question] input[type='{kind}']").first.focus()
        screen.keyboard.press("Enter")
    assert not screen.locator("[data-hb-quiz-result]").is_visible()
    assert not screen.locator("[data-hb-quiz-confirm]").is_visible()
    assert screen.locator("[data-hb-question] input:disabled").count() == 0
    stored = f"handbook.quiz.admin-policy-6-employee@{quiz_data(screen)['version']}"
    assert screen.evaluate("key => localStorage.getItem(key)", stored) is None  # no attempt made
    count = screen.locator("[data-hb-quiz-count]").inner_text()
    assert re.fullmatch(rf"Answered [12] of {len(presented(screen))} questions\.", count), count


SELECT_PAGES = (KINDS["form"], KINDS["quiz"], KINDS["acknowledge"], "forms/sma-designation.html")


@pytest.mark.parametrize("path", SELECT_PAGES)
def test_paper_lists_of_choices_are_on_paper_only(screen, site_url, path):
    remember(screen, site_url, a_pass("admin-policy-6-employee"))
    screen.goto(f"{site_url}/{path}")
    lists = screen.locator(".hb-print-options")
    assert lists.count() >= 1
    assert all(not item.is_visible() for item in lists.all())
    screen.emulate_media(media="print")
    assert all(item.is_visible() for item in lists.all() if item.evaluate("e => !e.closest('[hidden]')"))
    assert all(not select.is_visible() for select in screen.locator(".hb-field select").all())


PAPER = ("forms/removed-content.html", "forms/account-request.html", "checklists/sma.html")


@pytest.mark.parametrize("path", PAPER)
def test_print_keeps_every_box_whole_and_inside_the_page(screen, site_url, path):
    """On paper a fieldset is never split between sheets, never cut at the margin, and no
    question is split; a form fills its sheets (the removed-content record: two)."""
    screen.goto(f"{site_url}/{path}")
    screen.emulate_media(media="print")
    boxes = screen.evaluate("""() => {
        const page = document.documentElement.getBoundingClientRect();
        const boxes = document.querySelectorAll('fieldset.hb-fieldset, fieldset.hb-checklist-section');
        return Array.from(boxes).map(f => {
            const r = f.getBoundingClientRect(), s = getComputedStyle(f);
            return [f.querySelector('legend').textContent, s.breakInside, r.left >= page.left,
                    r.right <= page.right - 1, s.borderRightStyle];
        }); }""")
    assert boxes and all(box[1:] == ["avoid", True, True, "solid"] for box in boxes), boxes
    fields = screen.eval_on_selector_all(".hb-field", "all => all.map(f => getComputedStyle(f).breakInside)")
    assert set(fields) <= {"avoid"}
    pdf = screen.pdf(format="Letter")
    sheets = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    if path == "forms/removed-content.html":
        assert sheets <= 2, sheets


def test_a_ticked_box_prints_its_tick_inside_it(screen, site_url):
    screen.goto(f"{site_url}/forms/removed-content.html")
    screen.check("#f-restrictions-broken-restrictions-a")
    screen.emulate_media(media="print")
    drawn = screen.evaluate("""() => ['a', 'b'].map(option => {
        const box = document.querySelector('#f-restrictions-broken-restrictions-' + option);
        const tick = getComputedStyle(box, '::before'), style = getComputedStyle(box);
        return [style.appearance, style.borderTopStyle, tick.visibility,
                parseFloat(tick.width) < box.getBoundingClientRect().width]; })""")
    assert drawn == [["none", "solid", "visible", True], ["none", "solid", "hidden", True]]


def test_the_person_blocks_fields_all_look_alike(screen, site_url):
    """The email field is a field like the others on quiz, acknowledgement and form pages."""
    remember(screen, site_url, a_pass("admin-policy-6-employee"))
    for path in (KINDS["quiz"], KINDS["acknowledge"], KINDS["form"]):
        screen.goto(f"{site_url}/{path}")
        if path == KINDS["quiz"]:
            check_answers(screen, unanswered=len(presented(screen)))
        looks = screen.eval_on_selector_all(".hb-person input:not([type=hidden])", """inputs => inputs
            .filter(e => e.offsetParent).map(e => { const s = getComputedStyle(e);
                return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.paddingLeft, s.fontSize,
                        s.height, s.backgroundColor, s.borderRadius, e.getBoundingClientRect().width]; })""")
        assert len(looks) == 4, path
        assert all(look == looks[0] for look in looks), (path, looks)


def test_checked_content_is_announced_once(screen, site_url):
    """The quiz's result sentence is on screen once; its copy in the live region is for
    screen readers only."""
    screen.goto(f"{site_url}/{EMPLOYEE}")
    check_answers(screen, unanswered=len(presented(screen)))
    summary = screen.locator("[data-hb-quiz-summary]").inner_text()
    assert summary.startswith("You scored 0%")
    visible = screen.evaluate("""s => Array.from(document.querySelectorAll('body *')).filter(e =>
        e.children.length === 0 && e.textContent.trim() === s && e.getBoundingClientRect().width > 2)
        .length""", summary)
    assert visible == 1
    assert screen.locator("[data-hb-quiz-live]").text_content() == summary


def test_a_linked_section_is_what_lights_up(screen, site_url):
    screen.goto(f"{site_url}/{KINDS['policy']}#restrictions")
    lit = screen.evaluate("""() => Array.from(document.querySelectorAll('.md-content *'))
        .filter(e => getComputedStyle(e).backgroundColor.startsWith('rgba(48, 63, 161, 0.1'))
        .map(e => [e.tagName, e.className, e.textContent.length])""")
    assert len(lit) == 1 and lit[0][0] == "SECTION" and lit[0][2] > 500, lit  # the section, not an empty bar
    assert screen.locator("[id='restrictions']").is_visible()


def test_home_contacts_are_links_when_given(project_copy, browser):
    """Who to ask: a name, an email to write to and a number to call, when the handbook has them."""
    import yaml

    from handbook.build import build

    handbook = project_copy / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(handbook.read_text(encoding="utf-8"))
    data["contacts"][0].update(name="Jordan Smith", email="jsmith@example.org", phone="860-652-7500 ext. 123")
    handbook.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    site = build(project_copy).site_dir
    tab = browser.new_page()
    tab.goto((site / "index.html").as_uri())
    first = tab.locator(".hb-contacts li").first
    assert "Marketing & Communications Specialist, Jordan Smith" in first.inner_text()
    assert first.locator("a[href='mailto:jsmith@example.org']").inner_text() == "jsmith@example.org"
    assert first.locator("a[href='tel:8606527500,123']").inner_text() == "860-652-7500 ext. 123"
    assert axe_violations(tab) == []
    tab.close()
