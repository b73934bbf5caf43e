"""The pure text functions: language, normalisation, personal data, near-duplicates, keywords."""

import pytest

from voxloop.text import pii
from voxloop.text.duplicates import near_duplicates
from voxloop.text.intent import intent
from voxloop.text.keywords import keywords
from voxloop.text.language import language_of
from voxloop.text.normalize import MAX_CHARS, clean, normalize, without_courtesy


def test_language_of_tells_chinese_english_mixed_and_no_letters():
    assert language_of("早餐太难吃了") == "zh"
    assert language_of("The breakfast was cold") == "en"
    assert language_of("我用iPhone订的 but the wifi was terrible") == "mixed"
    assert language_of("我用iPhone订的房间，服务很好") == "zh"
    assert language_of("😀👍 !!! 123") == "unknown"


def test_normalize_folds_width_simplifies_chinese_and_drops_markup():
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("這家飯店的服務態度很差") == "这家饭店的服务态度很差"
    assert normalize("<p>Rude&nbsp;<b>staff</b></p>\n\n") == "rude staff"
    assert normalize(None) == "" and normalize(b"\xff\xfebad").endswith("bad")
    assert normalize("ok\ud800\x00") == "ok"  # lone surrogate and NUL from broken input
    assert len(normalize("字" * 1_000_000)) == MAX_CHARS
    assert clean("  a \t b  ") == "a b"


def _id_number(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def _luhn(prefix: str) -> str:
    for check in "0123456789":
        if pii.luhn_valid(prefix + check):
            return prefix + check
    raise AssertionError


def test_pii_finds_and_redacts_phones_emails_ids_and_cards():
    id_number = _id_number("11010519900307123")
    card = _luhn("622202123456789012")
    text = (
        f"我的手机是138 1234 5678，座机010-62345678，邮箱 li.ming@example.com，"
        f"身份证{id_number}，银行卡{card}，call +1 415 555 0100"
    )
    kinds = [f.kind for f in pii.find(text)]
    assert kinds == ["phone", "phone", "email", "id_card", "bank_card", "phone"]
    redacted = pii.redact(text)
    assert "138" not in redacted and id_number not in redacted and card not in redacted
    assert redacted.count("[PHONE]") == 3 and "[ID]" in redacted and "[CARD]" in redacted
    assert "[EMAIL]" in redacted and "li.ming" not in redacted


def test_pii_leaves_order_numbers_and_invalid_ids_alone():
    wrong_check = _id_number("11010519900307123")[:-1] + (
        "0" if _id_number("11010519900307123")[-1] != "0" else "1"
    )
    text = f"订单号 2024112612345678，金额 300 元，编号 {wrong_check}"
    assert pii.find(text) == []
    assert pii.redact(text) == text


def test_near_duplicates_group_texts_that_differ_only_in_punctuation_or_case():
    texts = [
        "房间很干净，但是早餐太难吃了",
        "房间很干净但是早餐太难吃了！！",
        "前台办理入住非常快",
        "The room was clean but breakfast was awful",
        "the room was clean, but breakfast was awful.",
        "😀",
        "😀",
        "",
    ]
    assert near_duplicates(texts) == [[0, 1], [3, 4]]


def test_keywords_are_content_words_in_both_languages():
    zh = keywords(normalize("房间很干净，但是早餐太难吃了，服务员态度也很差"))
    assert {"早餐", "服务员", "房间"} <= set(zh) and "但是" not in zh
    en = keywords(normalize("The breakfast was cold and the receptionist was rude"))
    assert {"breakfast", "receptionist", "rude"} <= set(en) and "the" not in en
    assert keywords("") == []


def test_an_organizations_own_words_stay_whole():
    from voxloop.text.tokenize import cut

    text = "云栖早餐的小笼包很好吃"
    assert "云栖早餐" not in cut(text)
    own = frozenset({"云栖早餐"})
    assert cut(text, own)[0] == "云栖早餐"
    assert "云栖早餐" in keywords(normalize(text), dictionary=own)
    assert cut(text) == cut(text, frozenset())  # the shared dictionary is untouched


def test_links_and_handles_are_left_out_but_emails_kept():
    assert normalize("@united delayed again http://t.co/x1 mail li@qq.com") == "delayed again mail li@qq.com"
    assert normalize("致敬//@Mr_凡先生:大家记得戴口罩") == "致敬// 大家记得戴口罩"


def test_thanks_then_a_turn_to_what_went_wrong_is_a_complaint():
    turned = "谢谢王老师平时的照顾。但是这次体育课孩子摔伤了，学校到放学才通知家长，这个处理我们不能接受。"
    assert intent(normalize(turned), "positive", 0.3, 0.0).feedback_type == "complaint"
    solved = "谢谢师傅，空调坏了两天，今天终于修好了，效率很高。"  # the problem told is the one solved
    assert intent(normalize(solved), "positive", 0.6, 0.0).feedback_type == "praise"


def test_a_request_to_check_or_fix_with_a_thank_you_is_not_praise():
    polite = "您好，我的信用卡账单里有一笔年费300元，办卡时说首年免年费的，麻烦核实一下，谢谢。"
    assert intent(normalize(polite), "positive", 0.2, 0.0).feedback_type == "complaint"
    thanks = "Thank you so much for fixing the heater so quickly, please pass on my thanks to Tom."
    assert intent(normalize(thanks), "positive", 0.9, 0.0).feedback_type == "praise"


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("延迟退房的建议\n您好：\n建议增加延迟退房。\n谢谢！\n张女士", "延迟退房的建议\n建议增加延迟退房。"),
        ("尊敬的云栖酒店：房间很干净。此致敬礼", "房间很干净。"),
        ("Dear Sir or Madam,\nthe TV is broken. Best regards, John Smith", "the TV is broken."),
        ("Hi the AC is broken, please fix", "Hi the AC is broken, please fix"),  # no greeting: "Hi" begins it
        ("感谢你们的帮助", "感谢你们的帮助"),  # thanks that is the message
        ("谢谢！", "谢谢！"),  # nothing else left: the whole message
        ("房间很脏，麻烦核实一下，谢谢", "房间很脏，麻烦核实一下"),
    ],
)
def test_a_letters_greeting_and_sign_off_are_not_what_it_says(text, body):
    assert without_courtesy(text) == body
