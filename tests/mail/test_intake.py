"""Email intake end to end against real servers: Voxloop's SMTP listener (`voxloop mail
serve`) and an IMAP mailbox on Dovecot. New mail becomes feedback, answers join their case,
machines are never answered, nothing is taken twice."""

import smtplib
import uuid
from email.message import EmailMessage

import pytest

from tests.conftest import free_port
from tests.factories import make_account
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.mail.inbound import Mailbox, poll, smtp_controller
from voxloop.mail.models import InboundMail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def mail(subject: str, body: str, sender: str = "li@example.com", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Li Lei <{sender}>"
    msg["To"] = "feedback@hotel.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return msg


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    port = free_port()
    controller = smtp_controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def send(port: int, msg: EmailMessage, to: str) -> None:
    with smtplib.SMTP("127.0.0.1", port) as s:
        s.send_message(msg, to_addrs=[to])


def items(client, acct):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/feedback", headers=acct.headers).json()["items"]


def test_mail_to_the_listener_becomes_feedback_and_the_answer_joins_the_case(client, listener, smtp):
    admin = make_account(role="admin")
    msg = mail("空调坏了", "1203房间的空调一直吹热风，请尽快修理。")
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="aircon.png")
    send(listener, msg, f"feedback+{admin.org_slug}@hotel.example")
    [record] = items(client, admin)
    assert (record["channel"], record["customer"]["email"]) == ("email", "li@example.com")
    assert "热风" in record["description"] and record["attachments"][0]["filename"] == "aircon.png"
    drain()
    ack = smtp.wait_for(1)[0]  # acknowledged with the tracking code in the subject
    assert record["tracking_code"] in ack["Subject"]

    # The customer answers the acknowledgement: threaded by In-Reply-To, quote removed.
    answer = mail(f"Re: {ack['Subject']}", "房间号是1203，谢谢\n\nOn Thu, Voxloop wrote:\n> We have received")
    answer["In-Reply-To"] = ack["Message-ID"]
    send(listener, answer, f"{admin.org_slug}@hotel.example")
    assert len(items(client, admin)) == 1
    timeline = client.get(f"/api/v1/feedback/{record['id']}/timeline", headers=admin.headers).json()
    said = [e for e in timeline if e["kind"] == "customer_message"]
    assert said[0]["data"]["text"] == "房间号是1203，谢谢" and said[0]["public"] is True

    # Threaded by the tracking code in the subject alone, too.
    send(listener, mail(f"about {record['tracking_code']}", "还有一件事"), f"{admin.org_slug}@hotel.example")
    assert len(items(client, admin)) == 1


def test_an_emailed_answer_to_the_handlers_question_resumes_the_case(client, listener, smtp):
    admin = make_account(role="admin")
    owner = make_account(role="agent", org_slug=admin.org_slug, email="owner@hotel.example")
    send(
        listener,
        mail("Broken shower", "The shower in room 301 is broken."),
        f"{admin.org_slug}@hotel.example",
    )
    [record] = items(client, admin)
    fid = record["id"]
    r = client.post(
        f"/api/v1/feedback/{fid}/assignment", json={"assignee_id": owner.user_id}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": "in_progress"}, headers=owner.headers)
    client.post(
        f"/api/v1/feedback/{fid}/replies", json={"text": "Which time suits you?"}, headers=owner.headers
    )
    r = client.post(
        f"/api/v1/feedback/{fid}/transitions", json={"to": "waiting_customer"}, headers=owner.headers
    )
    assert r.json()["status"] == "waiting_customer"
    drain()
    question = [m for m in smtp.wait_for(2) if "Which time" in m.get_body().get_content()][0]

    answer = mail(f"Re: {question['Subject']}", "After 3 pm, please.\n\n> Which time suits you?")
    answer["In-Reply-To"] = question["Message-ID"]
    send(listener, answer, f"{admin.org_slug}@hotel.example")
    after = client.get(f"/api/v1/feedback/{fid}", headers=owner.headers).json()
    assert after["status"] == "in_progress" and after["due_at"] is not None
    drain()
    [told] = [m for m in smtp.wait_for(3) if m["To"] == "owner@hotel.example"]
    assert record["tracking_code"] in told["Subject"] and "After 3 pm" in told.get_body().get_content()


def test_unknown_mailboxes_and_bombs_are_refused_at_smtp(listener, settings_env):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, mail("x", "y"), "nobody-here@hotel.example")
    admin = make_account(role="admin")
    settings_env(MAIL_MAX_BYTES="2000")
    port = free_port()
    controller = smtp_controller("127.0.0.1", port)
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPException) as refused:
            send(port, mail("big", "字" * 5000), f"{admin.org_slug}@hotel.example")
        assert "552" in str(refused.value) or "too big" in str(refused.value).lower()
    finally:
        controller.stop()


def test_auto_replies_and_bounces_are_logged_never_answered(client, listener, smtp):
    admin = make_account(role="admin")
    send(listener, mail("自动回复：我正在休假", "我将于下周回来"), f"{admin.org_slug}@hotel.example")
    send(
        listener,
        mail("Delivery failure", "bounced", sender="MAILER-DAEMON@example.com"),
        f"{admin.org_slug}@hotel.example",
    )
    send(listener, mail("Thanks", "noted", Auto_Submitted="auto-replied"), f"{admin.org_slug}@hotel.example")
    assert items(client, admin) == []
    assert drain() == 0 and smtp.messages == []  # nothing to answer
    with session_scope() as db:
        logged = db.query(InboundMail).order_by(InboundMail.id).all()
        assert [(m.outcome, m.reason) for m in logged] == [
            ("ignored", "auto-reply subject"),
            ("ignored", "sent by mailer-daemon (bounce)"),
            ("ignored", "Auto-Submitted: auto-replied"),
        ]


def test_attachments_too_large_or_of_the_wrong_type_are_dropped_with_a_reason(client, listener, settings_env):
    admin = make_account(role="admin")
    settings_env(MAX_ATTACHMENT_BYTES="100")
    msg = mail("photos", "see attached")
    msg.add_attachment(PNG + b"\x00" * 200, maintype="image", subtype="png", filename="big.png")
    msg.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload", filename="evil.exe")
    send(listener, msg, f"{admin.org_slug}@hotel.example")
    [record] = items(client, admin)
    assert record["attachments"] == []
    with session_scope() as db:
        reason = db.query(InboundMail).one().reason
    assert "big.png: too large" in reason and "evil.exe" in reason


def test_an_imap_mailbox_is_polled_once_per_message(client, dovecot):
    admin = make_account(role="admin")
    user, password = f"{admin.org_slug}@hotel.example", "imap-secret"
    dovecot.add_user(user, password)
    first = mail("Wi-Fi", "The Wi-Fi drops every few minutes.")
    dovecot.deliver(user, password, first.as_bytes())
    gbk = (
        b"From: wang@example.com\r\nTo: "
        + user.encode()
        + b"\r\nSubject: =?gbk?B?"
        + __import__("base64").b64encode("投诉".encode("gbk"))
        + b"?=\r\nMessage-ID: <gbk-1@example.com>\r\nContent-Type: text/plain; charset=gb2312\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "前台服务态度很差，喆".encode("gbk")
    )
    dovecot.deliver(user, password, gbk)
    box = Mailbox(admin.org_slug, dovecot.host, dovecot.port, user, password, ssl=False)
    outcomes = poll(box)
    assert [o.outcome for o in outcomes] == ["feedback", "feedback"]
    assert dovecot.unseen(user, password) == 0
    texts = sorted(i["description"] for i in items(client, admin))
    assert texts[0].startswith("Wi-Fi") and texts[1] == "投诉\n\n前台服务态度很差，喆"
    # The same message delivered again (a crash before it was marked seen) is not taken twice.
    dovecot.deliver(user, password, first.as_bytes())
    assert [o.outcome for o in poll(box)] == ["feedback"]
    assert len(items(client, admin)) == 2


def test_a_flood_from_one_address_is_refused_after_the_limit(client, listener, settings_env):
    admin = make_account(role="admin")
    settings_env(MAIL_PER_SENDER_PER_HOUR="3")
    for n in range(5):
        try:
            send(
                listener,
                mail(f"spam {n}", f"message number {n}", sender="flood@example.com"),
                f"{admin.org_slug}@hotel.example",
            )
        except smtplib.SMTPDataError as exc:
            assert exc.smtp_code == 554 and b"messages from this sender" in exc.smtp_error
    send(listener, mail("hello", "a real guest"), f"{admin.org_slug}@hotel.example")
    assert len(items(client, admin)) == 4  # three from the flood, one from the guest
    with session_scope() as db:
        refused = db.query(InboundMail).filter(InboundMail.outcome == "rejected").count()
    assert refused == 2


def test_a_message_past_the_organizations_attachment_quota_is_taken_without_its_files(
    client, listener, settings_env
):
    admin = make_account(role="admin")
    settings_env(ATTACHMENT_QUOTA_MB="1")
    first = mail("photos", "see the first photo")
    first.add_attachment(PNG + b"\x00" * 700_000, maintype="image", subtype="png", filename="first.png")
    send(listener, first, f"{admin.org_slug}@hotel.example")
    second = mail("more photos", "and the second one")
    second.add_attachment(PNG + b"\x01" * 700_000, maintype="image", subtype="png", filename="second.png")
    send(listener, second, f"{admin.org_slug}@hotel.example")
    newest, oldest = items(client, admin)
    assert [a["filename"] for a in oldest["attachments"]] == ["first.png"]
    assert newest["attachments"] == [] and "second one" in newest["description"]
    with session_scope() as db:
        reason = db.query(InboundMail).order_by(InboundMail.id).all()[-1].reason
    assert reason == "second.png: the organization's 1 MB attachment quota is full"
