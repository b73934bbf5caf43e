"""S7, bringing history in: the admin imports last year's reviews from a travel platform (an
XLSX workbook whose columns are named as the platform exports them, so the column mapping
matters) through the upload page, reads the dry run's report (the bad rows named by row and
field, the duplicate counted) and imports it with a progress bar until the final count; then
uploads about 2,000 labelled historical complaints so classification learns the group's own
categories, reads per category how far to trust the model (precision, recall and F1 of
predictions made by models that had not seen the example), and sees a new complaint classified
with a learned category. The admin works in English and in Chinese.

The scenario's figure is 300,000 rows; the speed of imports at that size (and at 1,000,000)
is measured by `bench/imports.py` (BENCHMARKS.md, "Imports and exports"). Here the workbook
holds a realistic 3,000 real reviews: Chinese food-delivery reviews (zh_waimai_10k) and English
restaurant reviews (Yelp, en_uci_sentences) of ../shared/data; the corpora's hotel reviews are
kept back for evaluation. The labelled complaints are real negative reviews of the
e-commerce corpus (zh_online_shopping_7cats) in five product categories, as the group's
member shop sells them (fruit boxes, toiletries, dairy, clothing, tablets)."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from openpyxl import Workbook
from playwright.sync_api import FilePayload, Locator, Page, expect
from sqlalchemy import func, select

from tests.e2e.conftest import LANGUAGES, Contexts, Served, shot, sign_in, until
from voxloop.common.time import as_utc
from voxloop.feedback.models import Feedback
from voxloop.text import corpora
from voxloop.text.models import TextModel

DATA = corpora.data_dir()  # ../shared/data, or VOXLOOP_TEXT_DATA
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The travel platform's export: its own column names, none of them a feedback field's.
COLUMNS = ["Review ID", "Hotel", "Room Type", "Stay Date", "Review Date", "Score", "Review", "Traveller"]
MAPPING = {
    "description": "Review",
    "received_at": "Review Date",
    "external_ref": "Review ID",
    "branch": "Hotel",
    "product": "Room Type",
}
HOTELS = ("杭州西湖店", "上海外滩店", "北京国贸店")
ROOMS = ("豪华大床房", "高级双床房", "行政套房")
ZH_REVIEWS, EN_REVIEWS = 2400, 600
# The bad rows the dry run must name, by their offset among the data rows (row = offset + 2,
# as a spreadsheet numbers them under the header): no text, a date that is no date, a date
# in the future (the platform's clock), and a review exported twice.
EMPTY, NOT_A_DATE, FUTURE, TWICE = 7, 19, 33, 41
# The group's own categories, as its member shop's complaints were labelled, from the
# corpus's categories: code, Chinese name, English name, the corpus's category.
SHOP = [
    ("fruit", "水果", "Fruit", "水果"),
    ("toiletries", "洗护用品", "Toiletries", "洗发水"),
    ("dairy", "乳制品", "Dairy", "蒙牛"),
    ("apparel", "服饰", "Clothing", "衣服"),
    ("tablets", "平板电脑", "Tablets", "平板"),
]
PER_CATEGORY = 400
NEW_COMPLAINT = "在会员商城买的水果礼盒收到时烂了好几个，苹果也不新鲜，太失望了。"
WORDS = {
    "en": {
        "mapping": "Column mapping",
        "refused": "Rows refused",
        "trust": ("yes", "check its suggestions"),
        "reasons": ("is required", "is not a date and time", "is in the future"),
    },
    "zh_CN": {
        "mapping": "列对应关系",
        "refused": "被拒绝的行",
        "trust": ("可信", "请核对它的建议"),
        "reasons": ("必填", "不是有效的日期和时间", "晚于现在"),
    },
}


@dataclass(frozen=True)
class History:
    """The platform's workbook for one run (its review ids are the run's own) and what the dry
    run must say of it."""

    workbook: bytes
    rows: int
    imported: int
    problems: dict[int, tuple[str, int]]  # spreadsheet row -> the field named, which reason


def reviews() -> list[tuple[str, int]]:
    """Real reviews with their polarity (1 positive): Chinese first, then English."""
    with open(DATA / "zh_waimai_10k" / "waimai_10k.csv", encoding="utf-8") as f:
        zh = [(r["review"].strip(), int(r["label"])) for r in csv.DictReader(f) if r["review"].strip()]
    en = []
    for line in (DATA / "en_uci_sentences" / "yelp_labelled.txt").read_text(encoding="utf-8").splitlines():
        text, _, label = line.rpartition("\t")
        if text.strip():
            en.append((text.strip(), int(label)))
    rng = Random(7)
    return rng.sample(zh, ZH_REVIEWS) + rng.sample(en, EN_REVIEWS)


def history(texts: list[tuple[str, int]], run: str) -> History:
    """The workbook as the platform exports it, with the bad rows in place."""
    rng = Random(run)
    start = datetime(datetime.now(UTC).year - 1, 1, 1, 8, tzinfo=UTC)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Reviews")
    sheet.append(COLUMNS)
    for n, (text, positive) in enumerate(texts):
        stay = start + timedelta(days=n * 364 / len(texts))
        written = stay + timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 12))
        score = rng.choice((4, 5)) if positive else rng.choice((1, 2))
        review_id = f"TRIP-{run}-{n:06d}"
        when = written.strftime("%Y-%m-%d %H:%M")
        if n == EMPTY:
            text = ""
        elif n == NOT_A_DATE:
            when = f"{start.year}-02-30 10:00"
        elif n == FUTURE:
            when = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%d %H:%M")
        elif n == TWICE:
            review_id = f"TRIP-{run}-{TWICE - 1:06d}"
        sheet.append(
            [review_id, rng.choice(HOTELS), rng.choice(ROOMS), stay.strftime("%Y-%m-%d"), when, score, text,
             f"旅客{rng.randint(1000, 9999)}"]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    problems = {
        EMPTY + 2: ("description", 0),
        NOT_A_DATE + 2: ("received_at", 1),
        FUTURE + 2: ("received_at", 2),
    }
    return History(out.getvalue(), len(texts), len(texts) - len(problems) - 1, problems)


@pytest.fixture(scope="module")
def workbooks() -> dict[str, History]:
    """One workbook a language, built once: the same reviews, each run's own review ids (the
    second import is not the first one's duplicates)."""
    texts = reviews()
    return {locale: history(texts, locale.replace("_", "")) for locale in LANGUAGES}


def complaints() -> bytes:
    """About 2,000 labelled complaints (the corpus's negative reviews) as the group's system
    exports them: a CSV with its own column names and the category codes."""
    with open(DATA / "zh_online_shopping_7cats" / "online_shopping_7cats.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["label"] == "0" and r["review"] and r["review"].strip()]
    rng = Random(11)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["投诉内容", "类别"])
    for code, _zh, _en, corpus in SHOP:
        texts = sorted({r["review"].strip() for r in rows if r["cat"] == corpus and len(r["review"]) <= 300})
        for text in rng.sample(texts, PER_CATEGORY):
            writer.writerow([text, code])
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s7_history_comes_in_and_the_model_learns_the_groups_categories(
    served: Served, contexts: Contexts, workbooks: dict[str, History], locale: str
) -> None:
    admin = sign_in(contexts(locale), served.url, "admin@cloudhill.example", locale)
    import_reviews(served, admin, workbooks[locale], locale)
    learn_categories(served, admin, contexts, locale)


def import_reviews(served: Served, admin: Page, book: History, locale: str) -> None:
    words = WORDS[locale]
    filename = f"trip-reviews-{locale}.xlsx"
    # 1. The upload page: the workbook, saved as the source "trip.com".
    admin.goto(f"{served.url}/imports")
    admin.set_input_files(
        "input[name=file]", files=[FilePayload(name=filename, mimeType=XLSX, buffer=book.workbook)]
    )
    admin.fill("input[name=new_source]", f"trip.com {locale}")
    admin.click("form.import-upload button[type=submit]")
    expect(admin.locator("h2", has_text=words["mapping"])).to_be_visible()  # in the admin's language
    expect(admin.locator("hgroup p")).to_contain_text("Review Date")
    expect(admin.locator("table.sample tbody tr")).to_have_count(5)
    # No column is named like a field: nothing is mapped until the admin maps it.
    expect(admin.locator("#column-description")).to_have_value("")
    for field, column in MAPPING.items():
        admin.select_option(f"#column-{field}", column)
    shot(admin, f"s7-{locale}-1-mapping")

    # 2. The dry run: counts, the refused rows by row and field, the first rows; nothing written.
    admin.click("form.import-mapping button.secondary")
    report = admin.locator("article.dry-run")
    counts = report.locator("table.run-counts tbody td")
    expect(counts).to_have_text([str(book.rows), str(book.imported), "1", str(len(book.problems))])
    expect(report.locator("h3", has_text=words["refused"])).to_be_visible()
    problems = report.locator("table.problems tbody tr")
    expect(problems).to_have_count(len(book.problems))
    # Named by row, field and reason, the reason in the admin's language.
    expected = [
        [str(row), field, words["reasons"][reason]] for row, (field, reason) in sorted(book.problems.items())
    ]
    for n, cells in enumerate(expected):
        expect(problems.nth(n).locator("td")).to_have_text(cells)
    expect(report.locator("table.preview tbody tr").first).to_contain_text(re.compile("|".join(HOTELS)))
    assert imported_from(served, filename) == 0
    shot(admin, f"s7-{locale}-2-dry-run")

    # 3. Import: the run page shows the progress bar while the rows are written in the
    # background, then reloads itself with the final count.
    with admin.expect_response(re.compile(r"/imports/runs/\d+$")) as opened:
        admin.click("form.import-mapping button[formaction='/imports/run']")
    first = opened.value.text()
    assert "<progress" in first and "import-progress" in first, "the run page showed no progress bar"
    expect(admin).to_have_url(re.compile(r"/imports/runs/\d+$"))
    shot(admin, f"s7-{locale}-3-importing")
    expect(admin.locator("td.run-created")).to_have_text(str(book.imported), timeout=120_000)
    expect(admin.locator("#import-progress")).to_have_count(0)
    expect(admin.locator("td.run-duplicates")).to_have_text("1")
    expect(admin.locator("td.run-failed")).to_have_text(str(len(book.problems)))
    expect(admin.locator("table.problems tbody tr")).to_have_count(len(book.problems))
    shot(admin, f"s7-{locale}-3-imported")
    assert imported_from(served, filename) == book.imported
    admin.goto(f"{served.url}/imports")
    run = admin.locator("table.runs tbody tr", has_text=filename).first
    expect(run).to_contain_text(f"trip.com {locale}")
    expect(run.locator("td").nth(4)).to_have_text(str(book.imported))


def imported_from(served: Served, filename: str) -> int:
    """Records the import wrote (its review ids carry the run's name)."""
    run = filename.removeprefix("trip-reviews-").removesuffix(".xlsx").replace("_", "")
    with served.db() as db:
        return (
            db.scalar(
                select(func.count()).select_from(Feedback).where(Feedback.external_ref.like(f"TRIP-{run}-%"))
            )
            or 0
        )


def learn_categories(served: Served, admin: Page, contexts: Contexts, locale: str) -> None:
    trust = WORDS[locale]["trust"]
    # The group's own categories, added on the triage page (by the first run to come here).
    admin.goto(f"{served.url}/admin/triage")
    for code, zh, en, _ in SHOP:
        if row_of(admin, "table.categories", code).count() == 0:
            admin.fill("form.category-add input[name=code]", code)
            admin.fill("form.category-add input[name=name]", zh)
            admin.fill("form.category-add input[name=name_en]", en)
            admin.click("form.category-add button[type=submit]")
        expect(row_of(admin, "table.categories", code)).to_contain_text(zh)
    shot(admin, f"s7-{locale}-4-categories")

    # Labelled history in: the model retrains in the background; the page says how far to
    # trust each category.
    admin.click("a[href='/admin/categories/model']")
    uploaded = datetime.now(UTC)
    admin.set_input_files(
        "form[action='/admin/categories/examples'] input[name=file]",
        files=[FilePayload(name="complaints-2025.csv", mimeType="text/csv", buffer=complaints())],
    )
    admin.fill("input[name=text_column]", "投诉内容")
    admin.fill("input[name=label_column]", "类别")
    admin.click("form[action='/admin/categories/examples'] button[type=submit]")
    expect(admin.locator("p[role=status]").first).to_contain_text(str(PER_CATEGORY * len(SHOP)))
    # about a minute on two idle cores (4,000 examples with the demo's, cross-validated), more when busy
    until(lambda: trained_since(served, uploaded), timeout=300, what="the category model retrained")
    admin.reload()
    for code, zh, en, _ in SHOP:
        row = row_of(admin, "table.model-report", code)
        expect(row).to_contain_text(zh if locale == "zh_CN" else en)  # by its name in the page's language
        cells = row.locator("td")
        # its distinct examples, each predicted by a model that had not seen it
        assert int(cells.nth(1).inner_text()) >= PER_CATEGORY * 0.9
        f1 = float(cells.nth(4).inner_text())
        assert 0.5 <= f1 <= 1.0, f"{code}: F1 {f1}"
        expect(cells.nth(5)).to_have_text(re.compile("|".join(map(re.escape, trust))))
    # which to trust: some yes outright
    expect(admin.locator("table.model-report td", has_text=re.compile(f"^{trust[0]}$")).first).to_be_visible()
    shot(admin, f"s7-{locale}-5-model")

    # A new complaint from the shop is classified with a learned category.
    guest_email = f"shop.{locale.lower()}@guest.example.cn"
    guest = contexts("zh_CN", phone=True).new_page()
    guest.goto(f"{served.url}/f/cloudhill")
    guest.fill("textarea[name=description]", NEW_COMPLAINT)
    guest.fill("input[name=customer_email]", guest_email)
    guest.click("form button[type=submit]")
    expect(guest.locator(".tracking-code")).to_be_visible()
    record_id, _ = served.case(NEW_COMPLAINT, guest_email)
    admin.goto(f"{served.url}/feedback/{record_id}")
    expect(admin.locator(".triage-category")).to_have_text("水果" if locale == "zh_CN" else "Fruit")
    shot(admin, f"s7-{locale}-6-classified")


def row_of(page: Page, table: str, code: str) -> Locator:
    """The row of a table that names the category `code`."""
    return page.locator(f"{table} tbody tr", has=page.locator("code", has_text=re.compile(f"^{code}$")))


def trained_since(served: Served, moment: datetime) -> bool:
    with served.db() as db:
        at = db.scalar(select(func.max(TextModel.trained_at)).where(TextModel.kind == "categories"))
    return at is not None and as_utc(at) >= moment
