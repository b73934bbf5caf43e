"""English and Simplified Chinese: the catalogs are complete, and pages, emails and API errors use them."""

import ast
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tests.factories import make_account
from voxloop import errors
from voxloop.common import i18n
from voxloop.mail.compose import render
from voxloop.web.render import EVENT_LABELS, STATUS_LABELS

SRC = Path(i18n.__file__).resolve().parents[1]
ROOT = SRC.parents[1]
TRANSLATIONS = SRC / "web" / "translations"
POT = TRANSLATIONS / "messages.pot"
ZH_PO = TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
ZH_CN = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- the catalogs -----------------------------------------------------------------------------------


def test_every_template_message_has_a_chinese_translation_with_the_same_placeholders():
    pot = load(POT)
    po = load(ZH_PO, "zh_CN")
    ids = [m.id for m in pot if m.id]
    assert len(ids) > 100
    problems = []
    for msgid in ids:
        entry = po.get(msgid)
        if entry is None or not entry.string:
            problems.append(f"untranslated: {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif placeholders(msgid) != placeholders(entry.string):
            problems.append(f"placeholders differ: {msgid!r} -> {entry.string!r}")
        elif not has_han(entry.string):
            problems.append(f"not Chinese: {msgid!r} -> {entry.string!r}")
    assert not problems, "\n".join(problems)


def test_the_chinese_catalog_has_no_fuzzy_or_obsolete_entries_and_compiles():
    po = load(ZH_PO, "zh_CN")
    assert not po.fuzzy
    assert not [m.id for m in po if m.id and m.fuzzy]
    assert not po.obsolete, f"obsolete entries are not loaded at runtime: {list(po.obsolete)}"
    assert i18n.translations("zh_CN").gettext("Sign in") == "登录"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `make translations` extracts: its pybabel command, written to a scratch file."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(out), "--no-location"]
    CommandLineInterface().run([*argv, str(ROOT)])
    return load(out)


def _error_class_names() -> set[str]:
    names, todo = set(), [errors.VoxloopError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _literal(node: ast.expr) -> str | None:
    """The string in "text" or in N_("text"), the marker that only flags it for extraction."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _scan_source() -> tuple[set[str], set[str]]:
    """Strings translated at runtime rather than written inside _() (error messages), and the
    timeline event kinds the code records (add_event(kind="..."), {"kind": "..."})."""
    error_classes = _error_class_names()
    messages: set[str] = set()
    kinds: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name in error_classes:
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "message" for t in stmt.targets)
                        and (text := _literal(stmt.value)) is not None
                    ):
                        messages.add(text)
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in error_classes
                and node.args
                and (text := _literal(node.args[0])) is not None
            ):
                messages.add(text)
            # Timeline writers name the kind (add_event(kind=...), FeedbackEvent(kind=...));
            # other libraries' "kind" arguments (segno's image kind) are not event kinds.
            if isinstance(node, ast.Call) and _callee(node) in ("add_event", "FeedbackEvent"):
                for kw in node.keywords:
                    if kw.arg == "kind" and isinstance(kw.value, ast.Constant):
                        kinds.add(str(kw.value.value))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "kind"
                        and isinstance(value, ast.Constant)
                    ):
                        kinds.add(str(value.value))
    return messages, kinds


def test_every_timeline_event_kind_has_a_label():
    """Templates show kinds through event_label(), which translates EVENT_LABELS."""
    _, kinds = _scan_source()
    assert {"received", "acknowledged"} <= kinds
    unlabelled = sorted(kinds - set(EVENT_LABELS))
    assert not unlabelled, f"add these to EVENT_LABELS in web/render.py: {unlabelled}"


def test_messages_translated_at_runtime_are_extracted_and_in_the_chinese_catalog(extracted):
    """They are translated where they are shown, so each must be marked for extraction (N_ or a
    keyword in babel.cfg): `make translations` marks whatever it does not extract obsolete."""
    messages, _ = _scan_source()
    wanted = messages | set(STATUS_LABELS.values()) | set(EVENT_LABELS.values())
    assert {"Some fields are invalid.", "The API token is unknown or revoked.", "Acknowledged"} <= wanted
    extracted_ids = {m.id for m in extracted if m.id}
    not_extracted = sorted(wanted - extracted_ids)
    assert not not_extracted, f"mark these with N_() so pybabel extracts them: {not_extracted}"
    po = load(ZH_PO, "zh_CN")
    missing = sorted(m for m in wanted if po.get(m) is None or not po.get(m).string)
    assert not missing, f"run `make translations` and translate these in zh_CN: {missing}"
    for msgid in wanted:
        assert placeholders(i18n.gettext(msgid, "zh_CN")) == placeholders(msgid), msgid


def test_make_translations_would_not_make_any_chinese_entry_obsolete(extracted):
    extracted_ids = {m.id for m in extracted if m.id}
    po = load(ZH_PO, "zh_CN")
    dropped = sorted(m.id for m in po if m.id and m.id not in extracted_ids)
    assert not dropped, f"in the zh_CN catalog but no longer extracted: {dropped}"


# --- locale negotiation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("fr-FR,en;q=0.5", "en"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh-TW", "zh_CN"),
        (None, "en"),
    ],
)
def test_negotiate(header, expected):
    assert i18n.negotiate(header) == expected


# --- pages, emails and API errors -----------------------------------------------------------------


def test_public_form_is_rendered_in_the_browsers_language(client):
    slug = make_account().org_slug

    zh = client.get(f"/f/{slug}", headers=ZH_CN)
    assert zh.status_code == 200
    assert '<html lang="zh-CN">' in zh.text
    assert "<h1>请评价我们的服务</h1>" in zh.text
    assert "描述发生了什么" in zh.text
    assert "Tell us how we did" not in zh.text

    en = client.get(f"/f/{slug}", headers=EN)
    assert en.status_code == 200
    assert '<html lang="en">' in en.text
    assert "<h1>Tell us how we did</h1>" in en.text
    assert "请评价我们的服务" not in en.text


def test_acknowledgement_email_is_translated_with_its_placeholders_filled():
    ctx = {
        "record": SimpleNamespace(tracking_code="VX-7K2Q", description="空调坏了"),
        "customer": SimpleNamespace(name="王女士"),
        "url": "http://testserver/t/VX-7K2Q",
    }
    subject = render("acknowledgement_subject.txt", "zh_CN", **ctx).strip()
    assert subject == "我们已收到您的反馈（VX-7K2Q）"
    body = render("acknowledgement.txt", "zh_CN", **ctx)
    assert body.startswith("尊敬的王女士：")
    assert "查询码: VX-7K2Q" in body
    anonymous = render("acknowledgement.txt", "zh_CN", **{**ctx, "customer": SimpleNamespace(name="")})
    assert anonymous.startswith("尊敬的客户：")
    english = render("acknowledgement_subject.txt", "en", **ctx).strip()
    assert english == "We have received your feedback (VX-7K2Q)"


def test_api_error_message_follows_accept_language(client):
    acct = make_account()

    zh = client.post("/api/v1/feedback", json={"description": ""}, headers={**acct.headers, **ZH_CN})
    assert zh.status_code == 422
    assert zh.json()["error"]["code"] == "invalid_input"
    assert zh.json()["error"]["message"] == "部分字段填写有误。"
    assert "description" in {f["field"] for f in zh.json()["error"]["fields"]}

    en = client.post("/api/v1/feedback", json={"description": ""}, headers={**acct.headers, **EN})
    assert en.status_code == 422
    assert en.json()["error"]["message"] == "Some fields are invalid."


def test_api_error_with_a_placeholder_is_translated_and_filled(client):
    acct = make_account()
    r = client.post(
        "/api/v1/feedback",
        content=b'{"description": "x"}',
        headers={**acct.headers, **ZH_CN, "Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    assert r.json()["error"]["message"] == "请以 application/json 格式发送请求正文。"
