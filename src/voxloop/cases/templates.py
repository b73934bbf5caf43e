"""Messages to customers that an organization words itself: the thank-you for praise and for
suggestions and the service remedies it delivers (an apology, a voucher, compensation), in
Chinese and English, with variables. Pure: rendering and checking only.

Templates are Jinja2 in a sandbox, so an organization's template can use the variables below
and nothing else of the system.
"""

from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

KINDS = ("thanks_praise", "thanks_suggestion", "remedy_apology", "remedy_voucher", "remedy_compensation")
LOCALES = ("zh_CN", "en")
# `remedy_detail` is what a remedy gave (a sum, a voucher), `message` the staff's own words.
VARIABLES = (
    "customer_name",
    "organization",
    "tracking_code",
    "tracking_url",
    "feedback",
    "remedy_detail",
    "message",
)
SAMPLE = {
    "customer_name": "李雷",
    "organization": "云栖酒店",
    "tracking_code": "7K3M9QX2B4TR",
    "tracking_url": "https://example.com/t/7K3M9QX2B4TR",
    "feedback": "前台的小王服务非常热情",
    "remedy_detail": "200元代金券",
    "message": "工程部已于今早9点修好空调。",
}

# (kind, locale) -> (subject, body)
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("thanks_praise", "zh_CN"): (
        "感谢您的表扬（{{ tracking_code }}）",
        "{{ customer_name or '尊敬的客户' }}，您好：\n\n感谢您对{{ organization }}的肯定！"
        "我们已把您的表扬转达给相关同事，这对我们是莫大的鼓励。\n\n"
        "您的反馈：{{ feedback }}\n查看进度：{{ tracking_url }}",
    ),
    ("thanks_praise", "en"): (
        "Thank you for your kind words ({{ tracking_code }})",
        "Dear {{ customer_name or 'customer' }},\n\nThank you for your praise of {{ organization }}. "
        "We have passed it on to the people concerned; it means a lot to them.\n\n"
        "Your feedback: {{ feedback }}\nFollow it here: {{ tracking_url }}",
    ),
    ("thanks_suggestion", "zh_CN"): (
        "感谢您的建议（{{ tracking_code }}）",
        "{{ customer_name or '尊敬的客户' }}，您好：\n\n感谢您为{{ organization }}提出宝贵建议！"
        "我们会认真评估，并在有进展时告诉您。\n\n您的建议：{{ feedback }}\n查看进度：{{ tracking_url }}",
    ),
    ("thanks_suggestion", "en"): (
        "Thank you for your suggestion ({{ tracking_code }})",
        "Dear {{ customer_name or 'customer' }},\n\nThank you for your suggestion to {{ organization }}. "
        "We will look into it and let you know when something changes.\n\n"
        "Your suggestion: {{ feedback }}\nFollow it here: {{ tracking_url }}",
    ),
    ("remedy_apology", "zh_CN"): (
        "致歉：您的反馈（{{ tracking_code }}）",
        "{{ customer_name or '尊敬的客户' }}，您好：\n\n对于您的反馈，我们未能在承诺的时间内处理，"
        "{{ organization }}深表歉意。\n\n{% if message %}{{ message }}\n\n{% endif %}"
        "您的反馈：{{ feedback }}\n查看进度：{{ tracking_url }}",
    ),
    ("remedy_apology", "en"): (
        "Our apologies: your feedback ({{ tracking_code }})",
        "Dear {{ customer_name or 'customer' }},\n\nWe are sorry: {{ organization }} did not handle your "
        "feedback within the time we promised.\n\n{% if message %}{{ message }}\n\n{% endif %}"
        "Your case: {{ feedback }}\nFollow it here: {{ tracking_url }}",
    ),
    ("remedy_voucher", "zh_CN"): (
        "给您的代金券（{{ tracking_code }}）",
        "{{ customer_name or '尊敬的客户' }}，您好：\n\n为弥补给您带来的不便，{{ organization }}"
        "为您准备了：{{ remedy_detail }}。\n\n{% if message %}{{ message }}\n\n{% endif %}"
        "您的反馈：{{ feedback }}\n查看进度：{{ tracking_url }}",
    ),
    ("remedy_voucher", "en"): (
        "A voucher for you ({{ tracking_code }})",
        "Dear {{ customer_name or 'customer' }},\n\nTo make up for the trouble, {{ organization }} "
        "offers you: {{ remedy_detail }}.\n\n{% if message %}{{ message }}\n\n{% endif %}"
        "Your case: {{ feedback }}\nFollow it here: {{ tracking_url }}",
    ),
    ("remedy_compensation", "zh_CN"): (
        "给您的补偿（{{ tracking_code }}）",
        "{{ customer_name or '尊敬的客户' }}，您好：\n\n对于给您带来的不便，{{ organization }}"
        "向您致歉，并给予补偿：{{ remedy_detail }}。\n\n{% if message %}{{ message }}\n\n{% endif %}"
        "您的反馈：{{ feedback }}\n查看进度：{{ tracking_url }}",
    ),
    ("remedy_compensation", "en"): (
        "Compensation for your trouble ({{ tracking_code }})",
        "Dear {{ customer_name or 'customer' }},\n\n{{ organization }} apologises for the trouble and "
        "offers you compensation: {{ remedy_detail }}.\n\n{% if message %}{{ message }}\n\n{% endif %}"
        "Your case: {{ feedback }}\nFollow it here: {{ tracking_url }}",
    ),
}

_env = SandboxedEnvironment(autoescape=False)


def render(subject: str, body: str, variables: dict[str, Any]) -> tuple[str, str]:
    values = {k: variables.get(k, "") for k in VARIABLES}
    return (
        _env.from_string(subject).render(values).strip().replace("\n", " "),
        _env.from_string(body).render(values),
    )


def check(subject: str, body: str) -> list[dict[str, str]]:
    """Field errors for a template that does not compile or render with sample values."""
    errors = []
    for field, text in (("subject", subject), ("body", body)):
        if not text.strip():
            errors.append({"field": field, "reason": "is required"})
            continue
        try:
            _env.from_string(text).render(SAMPLE)
        except TemplateError as exc:
            errors.append({"field": field, "reason": f"template error: {exc}"})
    return errors
