"""Reports as PDF (ReportLab, with a CJK font so Chinese renders) and as Excel (openpyxl, with a
native chart); both in the reader's language."""

import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from voxloop.exports.formats import neutralise

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# TrueType CJK fonts (ReportLab cannot embed the CFF outlines of Noto CJK); `make cjkfont`
# installs the first.
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FONT = "VoxloopCJK"


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _font() -> str:
    for candidate in CJK_FONTS:
        if Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont(FONT, candidate, subfontIndex=0))
            return FONT
    raise FontMissing("no CJK TrueType font found: install one with `make cjkfont` (fonts-wqy-zenhei)")


def pdf(report: dict[str, Any], *, org_name: str, subtitle: str) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    margin = 15 * mm
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), title=report["title"], author="Voxloop",
        leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
    )  # fmt: skip
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=12, textColor=colors.grey)
    # A Paragraph reads its text as markup (<font>, <a href>): names are escaped to stay text.
    story: list[Any] = [
        Paragraph(escape(f"{org_name} · {report['title']}"), title),
        Paragraph(escape(subtitle), small),
        Spacer(1, 6 * mm),
    ]
    story.append(_table(report["table"], font))
    heading = ParagraphStyle("heading", fontName=font, fontSize=13, leading=18)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12)
    for section in report.get("sections", []):  # further tables, each under its heading
        rows = [row[:-1] + [Paragraph(escape(row[-1]), cell)] for row in section["table"]]
        story += [Spacer(1, 8 * mm), Paragraph(escape(section["title"]), heading), Spacer(1, 3 * mm)]
        story.append(_table(rows, font))
    chart = report.get("chart")
    if chart and chart["points"]:
        draw = _bar_chart if chart.get("style") == "bar" else _line_chart
        story += [Spacer(1, 8 * mm), draw(chart, font)]
    doc.build(story)
    return buffer.getvalue()


def _table(rows: list[list[Any]], font: str) -> Table:
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _framed(chart: dict[str, Any], font: str, plot: Any) -> Drawing:
    """The chart's drawing: its title above, the plot placed below it."""
    drawing = Drawing(240 * mm, 70 * mm)
    drawing.add(String(0, 66 * mm, chart["title"], fontName=font, fontSize=11))
    plot.x, plot.y, plot.width, plot.height = 15 * mm, 10 * mm, 215 * mm, 50 * mm
    drawing.add(plot)
    return drawing


def _line_chart(chart: dict[str, Any], font: str) -> Drawing:
    points = chart["points"]
    plot = LinePlot()
    plot.data = [[(i, float(v)) for i, (_, v) in enumerate(points)]]
    plot.lines[0].strokeColor = colors.HexColor("#1f6feb")
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = -0.5, len(points) - 0.5
    plot.xValueAxis.valueSteps = list(range(len(points)))
    plot.xValueAxis.labelTextFormat = lambda i: points[int(i)][0] if 0 <= int(i) < len(points) else ""
    plot.xValueAxis.labels.fontName = plot.yValueAxis.labels.fontName = font
    return _framed(chart, font, plot)


def _bar_chart(chart: dict[str, Any], font: str) -> Drawing:
    """Values of separate categories (departments): bars, not a line joining them."""
    points = chart["points"]
    bars = VerticalBarChart()
    bars.data = [[float(v) for _, v in points]]
    bars.bars[0].fillColor = colors.HexColor("#1f6feb")
    bars.valueAxis.valueMin = 0
    bars.categoryAxis.categoryNames = [str(label) for label, _ in points]
    bars.categoryAxis.labels.fontName = bars.valueAxis.labels.fontName = font
    return _framed(chart, font, bars)


def xlsx(report: dict[str, Any], *, org_name: str, subtitle: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Report"
    sheet.append([neutralise(f"{org_name} · {report['title']}")])
    sheet["A1"].font = Font(size=14, bold=True)
    sheet.append([neutralise(subtitle)])
    sheet.append([])
    for row in report["table"]:
        sheet.append([neutralise(cell) for cell in row])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for section in report.get("sections", []):
        sheet.append([])
        sheet.append([neutralise(section["title"])])
        for row in section["table"]:
            sheet.append([neutralise(cell) for cell in row])
    for column in sheet.columns:
        sheet.column_dimensions[column[3].column_letter].width = max(
            12, *(len(str(c.value or "")) + 2 for c in column[3:])
        )
    chart = report.get("chart")
    if chart and chart["points"]:
        data = book.create_sheet("Chart data")
        data.append(["period", "value"])
        for period, value in chart["points"]:
            data.append([neutralise(period), value])
        line = BarChart() if chart.get("style") == "bar" else LineChart()
        line.title = chart["title"]
        line.add_data(
            Reference(data, min_col=2, min_row=1, max_row=len(chart["points"]) + 1), titles_from_data=True
        )
        line.set_categories(Reference(data, min_col=1, min_row=2, max_row=len(chart["points"]) + 1))
        sheet.add_chart(line, f"A{len(report['table']) + 6}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(report: dict[str, Any], fmt: str, *, org_name: str, subtitle: str) -> bytes:
    if fmt == "pdf":
        return pdf(report, org_name=org_name, subtitle=subtitle)
    if fmt == "xlsx":
        return xlsx(report, org_name=org_name, subtitle=subtitle)
    raise ValueError(f"format: one of {', '.join(FORMATS)}")
