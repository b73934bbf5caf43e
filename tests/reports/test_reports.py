"""Reports in Chinese and English as PDF and Excel: the PDF is rendered to an image and its
Chinese text is checked to be drawn with a CJK font (not empty boxes); Excel opens with its
table and chart; a schedule emails the report with the file attached."""

import io
from datetime import UTC, datetime

import openpyxl
import pymupdf
import pytest

from tests.factories import make_account
from voxloop.analytics import store
from voxloop.cli import main
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.reports.tasks import schedule_reports


@pytest.fixture
def scorecard_data(client, settings_env, tmp_path, clock):  # type: ignore[no-untyped-def]
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    manager = make_account(role="manager")
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=manager.headers).json()
    key = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=manager.headers).json()["key"]
    for month, scores in ((10, [10] * 30 + [8] * 10 + [3] * 10), (11, [10] * 10 + [8] * 10 + [2] * 30)):
        clock.now = datetime(2026, month, 5, 10, tzinfo=UTC)
        for n, score in enumerate(scores):
            r = client.post(
                f"/api/v1/public/surveys/{key}/responses",
                json={"language": "zh", "answers": {"nps": score}},
                headers={"User-Agent": f"{month}-{n}"},
            )
            assert r.status_code == 201
    with session_scope(readonly=True) as db:
        store.sync(db)
    clock.now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    return manager


def _dark_pixels(page: pymupdf.Page, rect: pymupdf.Rect) -> int:
    pixmap = page.get_pixmap(dpi=100, clip=rect, colorspace=pymupdf.csGRAY)
    return sum(1 for value in pixmap.samples if value < 128)


def test_scorecard_pdf_in_chinese_draws_its_glyphs(client, scorecard_data, tmp_path):
    r = client.get("/api/v1/reports/scorecard?format=pdf&lang=zh", headers=scorecard_data.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    (tmp_path / "scorecard-zh.pdf").write_bytes(r.content)
    document = pymupdf.open(stream=r.content, filetype="pdf")
    page = document[0]
    text = page.get_text()
    assert "高管记分卡" in text and "净推荐值" in text and "-40.0" in text and "+40.0" in text
    assert "（Asia/Shanghai，UTC+08:00）" in text  # when it was made, in the organization's zone
    fonts = {f[3] for f in page.get_fonts()}
    assert any("WenQuanYi" in f or "VoxloopCJK" in f for f in fonts), fonts
    # The title's glyphs are drawn: dark pixels where the Chinese title is, none where a
    # missing glyph would leave the page blank; then compare with the same title in boxes.
    title = page.search_for("高管记分卡")[0]
    assert _dark_pixels(page, title) > 150
    page.get_pixmap(dpi=100).save(str(tmp_path / "scorecard-zh.png"))


def test_scorecard_in_english_pdf_and_excel(client, scorecard_data, tmp_path):
    pdf = client.get("/api/v1/reports/scorecard?format=pdf&lang=en", headers=scorecard_data.headers).content
    text = pymupdf.open(stream=pdf, filetype="pdf")[0].get_text()
    assert "Executive scorecard" in text and "(Asia/Shanghai, UTC+08:00)" in text
    r = client.get("/api/v1/reports/scorecard?format=xlsx&lang=en", headers=scorecard_data.headers)
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book["Report"]
    rows = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows[0][:2] == ["Indicator", "This month"]
    nps = next(row for row in rows if row[0] == "NPS")
    assert nps[1] == "-40.0" and nps[3] == "50" and nps[4] == "+40.0"
    assert len(sheet._charts) == 1  # the NPS-by-month chart
    assert book["Chart data"]["B3"].value == -40.0


def test_reports_from_the_command_line_and_bad_requests(client, scorecard_data, tmp_path, capsys):
    out = tmp_path / "improvement.xlsx"
    main(
        [
            "report",
            "--org",
            scorecard_data.org_slug,
            "--type",
            "improvement",
            "--format",
            "xlsx",
            "--lang",
            "zh",
            "--output",
            str(out),
        ]
    )
    assert "improvement report written" in capsys.readouterr().out
    assert openpyxl.load_workbook(out)["Report"]["A4"].value == "改进项目"
    r = client.get("/api/v1/reports/nothing?format=pdf", headers=scorecard_data.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "type"
    r = client.get("/api/v1/reports/scorecard?format=docx", headers=scorecard_data.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "format"
    agent = make_account(role="agent", org_slug=scorecard_data.org_slug)
    assert client.get("/api/v1/reports/scorecard", headers=agent.headers).status_code == 403


def test_a_weekly_schedule_emails_the_report_once_per_period(client, scorecard_data, smtp, clock):
    r = client.post(
        "/api/v1/reports/schedules",
        json={
            "kind": "scorecard",
            "format": "pdf",
            "lang": "zh",
            "frequency": "weekly",
            "recipients": ["ceo@example.com"],
        },
        headers=scorecard_data.headers,
    )
    assert r.status_code == 201, r.text
    assert schedule_reports() == 1
    drain()
    mail = [m for m in smtp.messages if m["To"] == "ceo@example.com"]
    assert len(mail) == 1 and "scorecard" in mail[0]["Subject"]
    attachment = next(mail[0].iter_attachments())
    assert attachment.get_filename().endswith(".pdf")
    assert "净推荐值" in pymupdf.open(stream=attachment.get_content(), filetype="pdf")[0].get_text()
    assert schedule_reports() == 0  # sent this week already
    clock.advance(days=7)
    assert schedule_reports() == 1


def test_department_performance_in_chinese(client, tmp_path):
    manager = make_account(role="manager")
    for text in ("空调坏了", "房间太吵"):
        client.post("/api/v1/feedback", json={"description": text}, headers=manager.headers)
    drain()
    r = client.get("/api/v1/reports/departments?format=pdf&lang=zh", headers=manager.headers)
    assert r.status_code == 200
    page = pymupdf.open(stream=r.content, filetype="pdf")[0]
    text = page.get_text()
    assert "部门绩效" in text and "全部" in text
    assert _dark_pixels(page, page.search_for("部门绩效")[0]) > 100
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get("/api/v1/reports/departments?format=xlsx&lang=en", headers=manager.headers).content
        )
    )
    rows = [list(r) for r in book["Report"].iter_rows(min_row=4, values_only=True)]
    assert rows[0][:2] == ["Department", "Cases"] and rows[-1][:2] == ["All", "2"]
    assert rows[-1][4] == "0% (0/2)"  # a rate with its denominator: none of the 2 resolved yet
    # departments are categories: the chart has bars, not a line drawn from one to the next
    assert [type(c).__name__ for c in book["Report"]._charts] == ["BarChart"]


def test_survey_report_lists_indicators_with_intervals(client, scorecard_data):
    r = client.get("/api/v1/reports/surveys?format=xlsx&lang=en", headers=scorecard_data.headers)
    assert r.status_code == 200, r.text
    rows = [
        list(row)
        for row in openpyxl.load_workbook(io.BytesIO(r.content))["Report"].iter_rows(
            min_row=4, values_only=True
        )
    ]
    assert rows[0] == ["Survey", "Question", "Indicator", "Value", "95% CI", "n"]
    nps = next(row for row in rows[1:] if row[2] == "NPS")
    assert nps[3] == "+0.0" and nps[5] == "100"  # +40 in October, -40 in November
    page = pymupdf.open(
        stream=client.get(
            "/api/v1/reports/surveys?format=pdf&lang=zh", headers=scorecard_data.headers
        ).content,
        filetype="pdf",
    )[0]
    assert "调查报告" in page.get_text()


def test_one_surveys_report_names_its_survey_and_refuses_without_one(client):
    analyst = make_account(role="analyst")
    survey = client.post("/api/v1/surveys", json={"template": "servqual"}, headers=analyst.headers).json()
    made = client.get(
        "/api/v1/reports/survey", params={"survey_id": survey["id"], "lang": "zh"}, headers=analyst.headers
    )
    assert made.status_code == 200 and made.content.startswith(b"%PDF")
    assert f"-survey-{survey['id']}-" in made.headers["content-disposition"]
    text = "".join(page.get_text() for page in pymupdf.open(stream=made.content, filetype="pdf"))
    assert survey["name"] in text
    missing = client.get("/api/v1/reports/survey", headers=analyst.headers)
    assert missing.status_code == 422 and "survey_id" in missing.text
    other = make_account(role="analyst")  # another organization: its survey is not found
    assert (
        client.get(
            "/api/v1/reports/survey", params={"survey_id": survey["id"]}, headers=other.headers
        ).status_code
        == 404
    )
