"""S3, email and a suggestion: a guest emails the service mailbox (GB18030, HTML, a PDF
attached) through the SMTP intake `voxloop serve` listens on; it becomes feedback of type
suggestion, routed to Front Office, with the PDF; she is thanked with the suggestion template
by email, recorded on the case's timeline; later the suggestion is adopted and she is
rewarded with points, recorded on the case and shown on her tracking page. The staff work in
English and in Chinese."""

import smtplib
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LANGUAGES, Contexts, Served, open_from_inbox, shot, sign_in, text_of

SUGGESTION = "建议为会员增加延迟退房服务，最好能延到下午{hour}点。"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
WORDS = {
    "en": {
        "department": "Front Office",
        "type": "Suggestion",
        "channel": "Email",
        "thanked": "Thanked",
        "adopted": "Suggestion adopted",
        "points": "500 points",
    },
    "zh_CN": {
        "department": "前厅部",
        "type": "建议",
        "channel": "电子邮件",
        "thanked": "已致谢",
        "adopted": "建议已采纳",
        "points": "500 积分",
    },
}


def message(sender: str, suggestion: str) -> MIMEMultipart:
    """What a Chinese mail client sends: GB18030 HTML, base64, with a PDF."""
    msg = MIMEMultipart("mixed")
    msg["From"] = formataddr(("张女士", sender), charset="gb18030")
    msg["To"] = "cloudhill@voxloop.local"
    msg["Subject"] = Header("会员延迟退房的建议", "gb18030").encode()
    html = f"<html><body><p>您好：</p><p>{suggestion}</p><p>谢谢！<br>张女士</p></body></html>"
    msg.attach(MIMEText(html, "html", "gb18030"))
    pdf = MIMEApplication(PDF, "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="member-card.pdf")
    msg.attach(pdf)
    return msg


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s3_an_email_suggestion_is_thanked_adopted_and_rewarded(
    served: Served, contexts: Contexts, locale: str
) -> None:
    words = WORDS[locale]
    sender = f"zhang.{locale.lower()}@guest.example.cn"
    suggestion = SUGGESTION.format(hour="两" if locale == "en" else "一")  # one record per run
    raw = message(sender, suggestion)
    assert "gb18030" in raw.as_string()

    # 1. The guest's mail client delivers it to the service mailbox.
    with smtplib.SMTP("127.0.0.1", served.intake_port, timeout=60) as smtp:
        smtp.send_message(raw)

    # 2. A suggestion, from the email channel, with her words decoded and the PDF kept.
    record_id, code = served.case(suggestion, sender)
    staff = sign_in(contexts(locale), served.url, "frontoffice@cloudhill.example", locale)
    open_from_inbox(staff, served, record_id)
    expect(staff.locator("h1")).to_contain_text(code)
    expect(staff.locator("hgroup p")).to_contain_text(words["channel"])
    expect(staff.locator(".triage-type")).to_have_text(words["type"])
    expect(staff.locator(".case-department")).to_have_text(words["department"])
    expect(staff.locator("a", has_text="member-card.pdf")).to_be_visible()
    expect(staff.locator("p.text").first).to_contain_text(suggestion)

    # 3. She is thanked with the suggestion template, by email, and the case says so.
    thanks = served.mail_to(sender, "感谢您为")
    assert "感谢您的建议" in str(thanks["Subject"]) and code in text_of(thanks)
    staff.reload()
    expect(staff.locator(".timeline")).to_contain_text(words["thanked"])
    shot(staff, f"s3-{locale}-case")

    # Later the suggestion is adopted; she is rewarded with points, on the case and on her
    # tracking page (in her language).
    decision = "会员延迟退房至下午两点，下月起实行。"
    staff.fill("article.adopt input[name=points]", "500")
    staff.fill("article.adopt textarea[name=note]", decision)
    staff.click("article.adopt button[type=submit]")
    adopted = staff.locator(".timeline li", has_text=words["adopted"])
    expect(adopted).to_contain_text(words["points"])
    expect(adopted).to_contain_text(decision)
    expect(staff.locator("article.adopt")).to_have_count(0)  # once
    shot(staff, f"s3-{locale}-adopted")
    guest = contexts("zh_CN", phone=True).new_page()
    guest.goto(f"{served.url}/t/{code}")
    news = guest.locator(".timeline li", has_text="建议已采纳")
    expect(news).to_contain_text("500 积分")
    expect(news).to_contain_text(decision)
    shot(guest, f"s3-{locale}-tracking")
