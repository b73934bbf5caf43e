"""Triage people can trust: the messages that went wrong before, through intake and triage with
the default rules; a safety alarm reaches the on-duty managers; the hand-written sets in eval/
hold their measured figures on the half that was never used to write the detectors."""

import json
from pathlib import Path

import pytest

from tests.cases.test_communication import submit
from tests.factories import make_account
from tests.triage.test_rules import triaged
from tests.web.test_triage_pages import EN, ZH, signed_in
from voxloop.jobs.executor import drain
from voxloop.text import safety, spam
from voxloop.text.analysis import known_word

EVAL = Path(__file__).resolve().parents[2] / "eval"


@pytest.mark.parametrize(
    ("text", "type_", "sentiment"),
    [
        ("房间空调坏了一晚上…麻烦尽快派人修理，谢谢", "complaint", "negative"),
        ("Thanks for nothing. The room was filthy and nobody cleaned it.", "complaint", "negative"),
        ("大堂的wifi需要重复登录，很麻烦", "complaint", "negative"),
        ("Not bad at all, I would stay again", "praise", "positive"),
        ("请问有没有接送机服务？", "inquiry", "neutral"),
        ("建议：会员延迟退房", "suggestion", "neutral"),
        ("Great, another hour on hold", "complaint", "negative"),
        ("没法说不好，挑不出毛病", "praise", "positive"),
        ("Why was I charged twice for the minibar?", "complaint", "negative"),
    ],
)
def test_the_messages_triage_got_wrong_are_typed_by_what_they_say(text, type_, sentiment):
    decided = triaged(text)
    assert (decided["type"], decided["sentiment"]) == (type_, sentiment)
    assert not decided["thank"] or type_ in ("praise", "suggestion")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("There is a strong gas smell in room 808 right now, please send someone immediately!", "gas"),
        ("电梯卡在12楼和13楼之间，里面有老人", "trapped"),
        ("卡被盗刷了，还在一笔一笔地扣", "money_taken_now"),
        (
            "my daughter was right next to me at the ice cream stand and now I can't find her",
            "missing_person",
        ),
    ],
)
def test_a_message_that_needs_someone_now_is_p1_whatever_its_wording(text, kind):
    decided = triaged(text)
    assert decided["alarm"] == kind and (decided["severity"], decided["urgency"], decided["priority"]) == (
        3,
        3,
        1,
    )
    assert decided["type"] == "complaint" and decided["sentiment"] != "positive" and not decided["thank"]
    assert decided["because"]["urgency"].startswith("safety: ") and decided["flag"] is None


def test_calm_messages_about_the_same_things_raise_no_alarm():
    for text in (
        "燃气费怎么交",
        "上次被盗刷的钱已经退回了，谢谢",
        "The fireplace in the lobby was lovely",
        "does this dish contain peanuts? I'm allergic",
        "What should we do in case of fire?",
        "房间里有老鼠！！",
    ):
        assert safety.alarm(text) is None, text


def test_spam_and_nonsense_are_flagged_with_a_reason_and_real_short_messages_are_not():
    assert triaged("代开发票，加微信 fp8899 http://a.example http://b.example")["flag"] == "spam"
    nonsense = triaged("asdfghjkl")
    assert nonsense["flag"] == "invalid" and nonsense["flag_reason"]
    for text in (
        "wifi坏了",
        "👍",
        "thx, pls fix asap",
        "请问可以开增值税专用发票吗？",
        "can I pay with WeChat Pay?",
    ):
        assert triaged(text)["flag"] is None, text


def test_a_safety_alarm_is_pinned_alerted_by_email_and_never_thanked(client, smtp):
    manager = make_account(role="manager")
    record = submit(client, manager, "There is a strong gas smell in room 808 right now, please come!")
    polite = submit(client, manager, "房间空调坏了一晚上…麻烦尽快派人修理，谢谢", email="wang@example.com")
    drain()
    got = client.get(f"/api/v1/feedback/{record['id']}", headers=manager.headers).json()
    assert (got["priority"], got["urgency"], got["type"]) == (1, 3, "complaint")
    mails = smtp.wait_for(4)
    alerts = [m for m in mails if m["To"] == manager.email and record["tracking_code"] in m["Subject"]]
    assert len(alerts) == 1 and "gas smell" in alerts[0].get_body().get_content()
    assert not [m for m in mails if "感谢您的表扬" in m["Subject"] or "Thank" in m["Subject"]]
    listed = client.get("/api/v1/alerts", headers=manager.headers).json()
    assert [a["kind"] for a in listed] == ["safety"]
    browser, _ = signed_in(client, "agent", manager.org_slug)
    for language, heading, kind in ((EN, "Needs action now", "Gas"), (ZH, "需要立即处理", "燃气泄漏")):
        pinned = browser.get("/inbox", headers=language).text.split("<table", 1)[0]
        assert heading in pinned and kind in pinned
        assert record["tracking_code"] in pinned and polite["tracking_code"] not in pinned


def _half(name: str, half: int) -> list[dict]:  # type: ignore[type-arg]
    rows = [json.loads(line) for line in (EVAL / name).read_text("utf-8").splitlines() if line.strip()]
    return rows[half::2]


def test_the_safety_set_held_out_half():
    """Recall and false alarms on the odd lines, which were never read while writing the
    phrases (measured 0.66 and 4.6 %: below the 0.97 / 3 % the issue asks, see MODEL_CARD)."""
    rows = _half("safety.jsonl", 1)
    urgent = [r for r in rows if r["urgent"]]
    calm = [r for r in rows if not r["urgent"]]
    recall = sum(safety.alarm(r["text"]) is not None for r in urgent) / len(urgent)
    false_alarms = sum(safety.alarm(r["text"]) is not None for r in calm) / len(calm)
    assert len(urgent) >= 150 and len(calm) >= 250
    assert recall >= 0.62 and false_alarms <= 0.05


def test_the_spam_set_held_out_half():
    """Measured 0.70 recall, 2.9 % of genuine messages flagged, on the odd lines."""
    rows = _half("spam.jsonl", 1)
    flagged = [spam.check(r["text"], known_word) is not None for r in rows]
    caught = sum(f for f, r in zip(flagged, rows, strict=True) if r["spam"]) / sum(r["spam"] for r in rows)
    wrong = sum(f for f, r in zip(flagged, rows, strict=True) if not r["spam"]) / sum(
        not r["spam"] for r in rows
    )
    assert caught >= 0.65 and wrong <= 0.04
