"""S5, a common problem becomes an improvement: the Cloudhill demo's theme discovery of two
months ago raised the emerging-issue alert about breakfast waiting time, many distinct guests
at three hotels; the manager started an initiative from it, and its evaluation now shows the
before/after test, the control chart with the intervention marked, and the verdict. On the
themes page the analyst sees that alert as a common problem, leading to its initiative (not
offering a second one), and the week's themes told apart: a handful of guests is not "common".
The manager starts an initiative from an alert nobody has acted on, with its own button: the
mentions down 50 % within 8 weeks, the baseline computed and shown, and an action with its
owner on a step of the service process."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LANGUAGES, Contexts, Served, shot, sign_in
from voxloop.initiatives.models import Initiative
from voxloop.text.themes import Criteria
from voxloop.themes.models import Alert

BREAKFAST = "早餐排队等待时间投诉减半 Halve breakfast waiting-time complaints"
WORDS = {
    "en": {
        "common": "Common problem",
        "spread": "{n} records from {c} customers at {b} branches",
        "initiative": "Improvement initiative",
        "goal": "share of feedback mentioning",
        "step": "handling",
        "achieved": "achieved",
        "before": "Before",
        "after": "After",
        "start": "start",
    },
    "zh_CN": {
        "common": "共性问题",
        "spread": "{n} 条记录，来自 {c} 位客户、{b} 家门店",
        "initiative": "改进项目",
        "goal": "的反馈占比",
        "step": "处理",
        "achieved": "已达成",
        "before": "变更前",
        "after": "变更后",
        "start": "开始",
    },
}


def alert_of(page: Page, initiative_id: int) -> Locator:
    """The alert on the themes page that leads to this initiative."""
    return page.locator(".alerts article.alert").filter(
        has=page.locator(f"a[href='/improvement/{initiative_id}']")
    )


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s5_a_common_problem_becomes_an_improvement(served: Served, contexts: Contexts, locale: str) -> None:
    words = WORDS[locale]
    with served.db() as db:
        breakfast = db.scalars(select(Initiative).where(Initiative.title == BREAKFAST)).one()
        raised = db.get(Alert, int(breakfast.origin_ref or 0))
    assert raised is not None and raised.kind == "emerging_issue"
    spread = raised.detail

    # 1. The analyst's themes page: the breakfast alert, raised by many distinct guests at three
    # hotels, is a common problem, and leads to the initiative started from it.
    analyst = sign_in(contexts(locale), served.url, "analyst@cloudhill.example", locale)
    analyst.goto(f"{served.url}/reports/themes")
    alert = alert_of(analyst, breakfast.id)
    expect(alert).to_have_count(1)
    expect(alert.locator("mark.common")).to_have_text(words["common"])
    told = words["spread"].format(n=spread["size"], c=spread["customers"], b=spread["branches"])
    expect(alert).to_contain_text(told)
    assert spread["customers"] >= Criteria().customers and spread["branches"] >= 3
    assert "早餐" in alert.locator("strong a").inner_text() or "breakfast" in alert.inner_text().lower()
    expect(alert.locator("p.initiative")).to_contain_text(f"{words['initiative']}: {BREAKFAST}")
    expect(alert.locator("details.start-initiative")).to_have_count(0)  # no second initiative
    # This week's themes: a common problem is raised by many distinct customers; the handful
    # of guests behind the others do not make them common.
    rows = analyst.locator("table.themes tbody tr")
    expect(rows.first).to_be_visible()
    scopes = [(r.get_attribute("class"), int(r.locator("td").nth(3).inner_text())) for r in rows.all()]
    assert {"scope-common", "scope-individual"} <= {s for s, _ in scopes}, scopes
    assert all(customers >= Criteria().customers for s, customers in scopes if s == "scope-common")
    assert "None" not in analyst.locator("main").inner_text()
    shot(analyst, f"s5-{locale}-themes-analyst")

    # 2. The manager starts an initiative from an alert nobody has acted on, with its button.
    manager = sign_in(contexts(locale), served.url, "manager@cloudhill.example", locale)
    manager.goto(f"{served.url}/reports/themes")
    fresh = (
        manager.locator(".alerts article.alert").filter(has=manager.locator("details.start-initiative")).first
    )
    expect(fresh.locator("mark.common")).to_have_text(words["common"])
    fresh.locator("details.start-initiative summary").click()
    title = f"S5 {locale}: {fresh.locator('strong a').inner_text()} down by half"
    fresh.locator("input[name=title]").fill(title)
    fresh.locator("input[name=cut]").fill("50")
    fresh.locator("input[name=deadline]").fill((datetime.now(UTC).date() + timedelta(weeks=8)).isoformat())
    fresh.locator("details.start-initiative button[type=submit]").click()
    expect(manager.locator("h1")).to_have_text(title)
    with served.db() as db:
        started = db.scalars(select(Initiative).where(Initiative.title == title)).one()
    assert started.origin_kind == "alert" and started.baseline_value and started.baseline_n > 100
    assert started.target_value == round(started.baseline_value * 0.5, 4)
    goal = manager.locator("article.goal")
    expect(goal).to_contain_text(words["goal"])
    expect(goal).to_contain_text(f"{100 * started.baseline_value:.1f}%")  # the baseline, computed
    expect(goal).to_contain_text(f"n = {started.baseline_n}")
    expect(goal).to_contain_text(f"{100 * started.target_value:.1f}%")  # half of it
    expect(goal).to_contain_text(started.deadline.isoformat())

    # An action with its owner, on a step of the service process.
    action = f"Staff the busiest hour ({locale})"
    form = manager.locator("form[action$='/actions']")
    form.locator("input[name=title]").fill(action)
    form.locator("select[name=process_step]").select_option("handling")
    form.locator("select[name=owner_id]").select_option(label="孙主管")
    form.locator("input[name=due]").fill((datetime.now(UTC).date() + timedelta(days=14)).isoformat())
    form.locator("button[type=submit]").click()
    row = manager.locator("table.actions tbody tr", has_text=action)
    expect(row.locator("td").nth(1)).to_have_text(words["step"])
    expect(row.locator("td").nth(2)).to_have_text("孙主管")
    shot(manager, f"s5-{locale}-started")

    # The alert now leads to it, instead of offering to start another.
    manager.goto(f"{served.url}/reports/themes")
    expect(alert_of(manager, started.id).locator("details.start-initiative")).to_have_count(0)
    expect(alert_of(manager, started.id).locator("p.initiative")).to_contain_text(title)
    shot(manager, f"s5-{locale}-themes-manager")

    # The list says what each goal measures, in words.
    manager.goto(f"{served.url}/improvement")
    table = manager.locator("table.initiatives")
    expect(table.locator("tr", has_text=BREAKFAST)).to_contain_text(words["goal"])
    assert "mention_share" not in table.inner_text()
    shot(manager, f"s5-{locale}-list")

    # 3. Eight weeks on, the demo's breakfast initiative: the before/after test, the control
    # chart with the intervention marked, and the verdict.
    table.locator(f"a[href='/improvement/{breakfast.id}']").click()
    before, after = manager.locator(".evaluation .before"), manager.locator(".evaluation .after")
    expect(before).to_contain_text(words["before"])
    expect(after).to_contain_text(words["after"])
    for shown in (before, after):
        assert re.search(r"\d+\.\d% \(n = \d+, 95%.+ [\d.]+% – [\d.]+%\)", shown.inner_text()), (
            shown.inner_text()
        )
    expect(manager.locator(".evaluation .test")).to_contain_text("two-proportion z: p < 0.001")
    expect(manager.locator(".verdict mark")).to_have_text(words["achieved"])
    chart = manager.locator("#control-chart")
    expect(chart).to_have_attribute("data-rendered", "yes")
    weeks = json.loads(chart.get_attribute("data-chart") or "{}")
    assert 0 < weeks["intervention"] < len(weeks["weeks"]) and weeks["upper"] and weeks["centre"]
    marked = manager.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('control-chart'))"
        ".getOption().series[0].markLine.data[0]"
    )
    assert marked["xAxis"] == weeks["intervention"] and marked["label"]["formatter"] == words["start"]
    expect(manager.locator("table.actions")).to_contain_text("孙主管")
    assert "None" not in manager.locator("main").inner_text()
    shot(manager, f"s5-{locale}-evaluation")
