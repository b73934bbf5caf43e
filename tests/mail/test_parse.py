"""Parsing incoming mail: charsets common in Chinese email, HTML, quoting, machines, bombs."""

from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from voxloop.mail import parse

LIMIT = 25 * 1024 * 1024


def message(body: str = "hello", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Li Lei <li@example.com>")
    msg["Subject"] = headers.pop("Subject", "Breakfast")
    msg["Message-ID"] = headers.pop("Message_ID", "<m1@example.com>")
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return msg


def test_gb2312_labelled_mail_with_gbk_characters_is_read_as_gb18030():
    text = "早餐等位太久，喆字也能显示"  # 喆 is in GBK, not in GB2312
    name, subject = (Header(x, "gb2312").encode().encode() for x in ("李雷", "早餐"))
    raw = (
        b"From: " + name + b" <li@example.com>\r\nSubject: " + subject + b"\r\n"
        b"Message-ID: <gb@example.com>\r\nContent-Type: text/plain; charset=gb2312\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("gbk")
    )
    mail = parse.parse(raw, max_bytes=LIMIT)
    assert mail.text == text
    assert (mail.sender, mail.sender_name, mail.subject) == ("li@example.com", "李雷", "早餐")


def test_big5_and_unknown_charsets_decode():
    raw = (
        b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=big5\r\n\r\n"
        + "服務很好".encode("big5")
    )
    assert parse.parse(raw, max_bytes=LIMIT).text == "服務很好"
    bogus = (
        b"From: a@example.com\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=x-nonsense\r\n\r\nplain words"
    )
    assert parse.parse(bogus, max_bytes=LIMIT).text == "plain words"


def test_html_only_mail_becomes_text_without_scripts_or_markup():
    msg = MIMEMultipart("alternative")
    msg["From"] = "a@example.com"
    msg["Subject"] = "x"
    msg.attach(
        MIMEText(
            "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
            "<body><p>房间<b>很脏</b></p><br>请处理<img src=x onerror=alert(2)></body></html>",
            "html",
            "utf-8",
        )
    )
    text = parse.parse(msg.as_bytes(), max_bytes=LIMIT).text
    assert "很脏" in text and "请处理" in text
    assert "alert" not in text and "<" not in text and "color" not in text


def test_replies_lose_the_quoted_message():
    body = "好的，谢谢\n\n在 2026年11月26日 写道：\n> 您好，我们已处理\n> ...\n"
    assert parse.strip_quoted(body) == "好的，谢谢"
    english = "Thanks, fixed now.\nOn Thu, 26 Nov 2026, Voxloop wrote:\n> We are on it"
    assert parse.strip_quoted(english) == "Thanks, fixed now."


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"X_Autoreply": "yes"}, "X-Autoreply header"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"From": "MAILER-DAEMON@example.com"}, "sent by mailer-daemon (bounce)"),
        ({"Subject": "自动回复：我正在休假"}, "auto-reply subject"),
        ({"Subject": "Out of Office: back Monday"}, "auto-reply subject"),
        ({"Return_Path": "<>"}, "empty Return-Path (bounce)"),
    ],
)
def test_machine_written_mail_is_recognised(headers, reason):
    assert parse.parse(message(**headers).as_bytes(), max_bytes=LIMIT).automatic == reason


def test_a_delivery_report_is_a_bounce():
    msg = MIMEMultipart("report", report_type="delivery-status")
    msg["From"] = "someone@example.com"
    msg["Subject"] = "Undelivered Mail"
    msg.attach(MIMEText("could not deliver"))
    assert parse.parse(msg.as_bytes(), max_bytes=LIMIT).automatic == "delivery report (bounce)"


def test_people_are_not_machines():
    assert parse.parse(message(Auto_Submitted="no").as_bytes(), max_bytes=LIMIT).automatic is None


def test_mail_bombs_are_rejected():
    many = MIMEMultipart()
    many["From"] = "a@example.com"
    for i in range(parse.MAX_PARTS + 1):
        many.attach(MIMEText(f"part {i}"))
    with pytest.raises(parse.Rejected, match="MIME parts"):
        parse.parse(many.as_bytes(), max_bytes=LIMIT)
    deep = MIMEText("bottom")
    for _ in range(parse.MAX_DEPTH + 2):
        outer = MIMEMultipart()
        outer.attach(deep)
        deep = outer
    deep["From"] = "a@example.com"
    with pytest.raises(parse.Rejected, match="nested"):
        parse.parse(deep.as_bytes(), max_bytes=LIMIT)
    with pytest.raises(parse.Rejected, match="larger than"):
        parse.parse(message("x" * 2000).as_bytes(), max_bytes=1000)
    with pytest.raises(parse.Rejected, match="characters of text"):
        parse.parse(message("字" * (parse.MAX_TEXT + 1)).as_bytes(), max_bytes=LIMIT)


def test_malformed_mime_is_read_as_far_as_it_goes():
    raw = (
        b"From: a@example.com\r\nSubject: =?utf-8?B?broken?=\r\n"
        b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n'
        b"--zz\r\nContent-Type: text/plain\r\n\r\nthe text survives\r\n"  # never closed
    )
    mail = parse.parse(raw, max_bytes=LIMIT)
    assert "the text survives" in mail.text
    with pytest.raises(parse.Rejected, match="no sender"):
        parse.parse(b"Subject: nobody\r\n\r\nhi", max_bytes=LIMIT)
