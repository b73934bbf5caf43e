"""Survey templates, each in Chinese and English: the post-case CSAT, relationship NPS, CES,
the 22-item SERVQUAL battery and a full service-satisfaction questionnaire."""

from typing import Any

from voxloop.common.i18n import N_, gettext


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


WHY = {
    "id": "why",
    "type": "text",
    "text": _t("请告诉我们原因（选填）", "What is the main reason for your score? (optional)"),
}

CSAT_POST_CASE: dict[str, Any] = {
    "languages": ["zh", "en"],
    "title": _t("服务满意度回访", "How did we do?"),
    "hidden": ["case_id", "channel", "agent", "branch"],
    "sections": [
        {
            "id": "main",
            "questions": [
                {
                    "id": "csat",
                    "type": "csat",
                    "required": True,
                    "text": _t(
                        "您对这次问题的处理满意吗？", "How satisfied are you with how we handled your case?"
                    ),
                },
                {
                    "id": "resolved",
                    "type": "single",
                    "required": True,
                    "text": _t("您的问题解决了吗？", "Was your problem solved?"),
                    "options": [
                        {"value": "yes", "label": _t("已解决", "Yes")},
                        {"value": "partly", "label": _t("部分解决", "Partly")},
                        {"value": "no", "label": _t("未解决", "No")},
                    ],
                },
                {**WHY, "show_if": {"question": "csat", "op": "lte", "value": 3}},
            ],
        }
    ],
}

NPS: dict[str, Any] = {
    "languages": ["zh", "en"],
    "title": _t("推荐意愿调查", "Would you recommend us?"),
    "sections": [
        {
            "id": "main",
            "questions": [
                {
                    "id": "nps",
                    "type": "nps",
                    "required": True,
                    "text": _t(
                        "您有多大可能向朋友或同事推荐我们？",
                        "How likely are you to recommend us to a friend or colleague?",
                    ),
                },
                WHY,
            ],
        }
    ],
}

CES: dict[str, Any] = {
    "languages": ["zh", "en"],
    "title": _t("办事便利度调查", "How easy was it?"),
    "hidden": ["case_id", "channel"],
    "sections": [
        {
            "id": "main",
            "questions": [
                {
                    "id": "ces",
                    "type": "ces",
                    "required": True,
                    "text": _t(
                        "这次办理您的事情有多容易？（1 很难，7 很容易）",
                        "How easy was it to get your issue handled? (1 very difficult, 7 very easy)",
                    ),
                },
                WHY,
            ],
        }
    ],
}

# The 22 items of Parasuraman, Zeithaml & Berry (1988), by dimension, asked twice: what an
# excellent company would do (expectation) and what we did (perception), on 7 points.
SERVQUAL_ITEMS: list[tuple[str, str, str, str]] = [
    ("t1", "tangibles", "设备现代化", "Has up-to-date equipment"),
    ("t2", "tangibles", "设施美观", "Physical facilities are visually appealing"),
    ("t3", "tangibles", "员工衣着整洁", "Employees are well dressed and neat in appearance"),
    (
        "t4",
        "tangibles",
        "宣传资料等与服务相称、美观",
        "Materials associated with the service are visually appealing",
    ),
    (
        "r1",
        "reliability",
        "承诺在某时间内做到的事都能及时完成",
        "When it promises to do something by a certain time, it does so",
    ),
    (
        "r2",
        "reliability",
        "顾客遇到困难时，真诚地帮助解决",
        "Shows a sincere interest in solving customers' problems",
    ),
    ("r3", "reliability", "第一次就把服务做好", "Performs the service right the first time"),
    ("r4", "reliability", "在承诺的时间提供服务", "Provides its services at the time it promises to do so"),
    ("r5", "reliability", "记录准确无误", "Insists on error-free records"),
    (
        "s1",
        "responsiveness",
        "告诉顾客何时提供服务",
        "Tells customers exactly when services will be performed",
    ),
    ("s2", "responsiveness", "员工提供及时的服务", "Employees give prompt service"),
    ("s3", "responsiveness", "员工总是乐意帮助顾客", "Employees are always willing to help customers"),
    (
        "s4",
        "responsiveness",
        "员工不会因为太忙而无法回应顾客",
        "Employees are never too busy to respond to customers' requests",
    ),
    ("a1", "assurance", "员工的行为让人信任", "The behaviour of employees instils confidence"),
    ("a2", "assurance", "顾客与其打交道时感到放心", "Customers feel safe in their transactions"),
    ("a3", "assurance", "员工始终礼貌待人", "Employees are consistently courteous"),
    (
        "a4",
        "assurance",
        "员工有足够的知识回答顾客的问题",
        "Employees have the knowledge to answer customers' questions",
    ),
    ("e1", "empathy", "给予顾客个别的关怀", "Gives customers individual attention"),
    ("e2", "empathy", "营业时间方便所有顾客", "Has operating hours convenient to all its customers"),
    ("e3", "empathy", "员工给予顾客个人的关注", "Has employees who give customers personal attention"),
    ("e4", "empathy", "以顾客的利益为重", "Has the customers' best interests at heart"),
    ("e5", "empathy", "员工了解顾客的具体需要", "Employees understand the specific needs of their customers"),
]

SERVQUAL: dict[str, Any] = {
    "languages": ["zh", "en"],
    "title": _t("服务质量调查（SERVQUAL）", "Service quality survey (SERVQUAL)"),
    "sections": [
        {
            "id": "servqual",
            "title": _t(
                "请分别评价：一家优秀的企业应当如何（期望），以及我们实际做得如何（感知）",
                "For each statement, rate what an excellent company would do (expectation) "
                "and what we did (perception)",
            ),
            "questions": [
                {
                    "id": "sq",
                    "type": "servqual",
                    "points": 7,
                    "required": True,
                    "text": _t("1 = 非常不同意，7 = 非常同意", "1 = strongly disagree, 7 = strongly agree"),
                    "items": [
                        {"id": i, "dimension": dim, "text": _t(zh, en)} for i, dim, zh, en in SERVQUAL_ITEMS
                    ],
                }
            ],
        },
        {
            "id": "overall",
            "questions": [{"id": "nps", "type": "nps", "text": NPS["sections"][0]["questions"][0]["text"]}],
        },
    ],
}

LIKERT5 = {
    "zh": ["非常不满意", "不满意", "一般", "满意", "非常满意"],
    "en": ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
}

SERVICE_SATISFACTION: dict[str, Any] = {
    "languages": ["zh", "en"],
    "title": _t("客户服务满意度问卷", "Customer service satisfaction questionnaire"),
    "hidden": ["channel", "branch"],
    "sections": [
        {
            "id": "dimensions",
            "title": _t("请对以下方面打分", "Please rate each of the following"),
            "questions": [
                {
                    "id": "dims",
                    "type": "matrix",
                    "points": 5,
                    "labels": LIKERT5,
                    "required": True,
                    "text": _t("您对我们以下方面的满意程度", "How satisfied are you with our"),
                    "rows": [
                        {"id": "attitude", "text": _t("服务态度", "Service attitude")},
                        {"id": "efficiency", "text": _t("响应与办理效率", "Speed of response and handling")},
                        {"id": "ability", "text": _t("专业能力", "Professional ability")},
                        {"id": "outcome", "text": _t("处理结果", "Outcome")},
                        {"id": "environment", "text": _t("环境与设施", "Environment and facilities")},
                        {"id": "convenience", "text": _t("渠道便利性", "Convenience of contacting us")},
                    ],
                },
                {
                    "id": "attention",
                    "type": "attention",
                    "points": 5,
                    "expect": 2,
                    "labels": LIKERT5,
                    "text": _t(
                        "为确认您在认真作答，本题请选择“不满意”",
                        'To show you are reading carefully, please choose "Dissatisfied" here',
                    ),
                },
            ],
        },
        {
            "id": "overall",
            "title": _t("总体评价", "Overall"),
            "questions": [
                {
                    "id": "csat",
                    "type": "csat",
                    "required": True,
                    "text": _t(
                        "总体而言，您对我们的服务满意吗？", "Overall, how satisfied are you with our service?"
                    ),
                },
                {"id": "nps", "type": "nps", "text": NPS["sections"][0]["questions"][0]["text"]},
                {"id": "best", "type": "text", "text": _t("我们哪方面做得最好？", "What did we do best?")},
                {
                    "id": "improve",
                    "type": "text",
                    "text": _t("我们最需要改进的是什么？", "What should we improve first?"),
                },
            ],
        },
    ],
}


def _again(kind: str, question: dict[str, str]) -> dict[str, Any]:
    return {
        "languages": ["zh", "en"],
        "title": _t("回访：再问您一个问题", "After our follow-up: one question"),
        "hidden": ["case_id", "channel", "agent", "branch"],
        "sections": [
            {"id": "main", "questions": [{"id": kind, "type": kind, "required": True, "text": question}]}
        ],
    }


# The one question asked again once a follow-up case is resolved: a detractor's NPS question,
# else satisfaction (recovered: NPS >= 7, CSAT >= 4). The survey is made per organization on
# first use (Survey.trigger "resurvey_nps" / "resurvey_csat") and may be edited like any other.
RESURVEY: dict[str, tuple[str, dict[str, Any]]] = {
    "nps": (N_("Re-survey after follow-up (NPS)"), _again("nps", NPS["sections"][0]["questions"][0]["text"])),
    "csat": (
        N_("Re-survey after follow-up (CSAT)"),
        _again(
            "csat",
            _t("我们联系并处理之后，您现在满意吗？", "Now that we have followed up, how satisfied are you?"),
        ),
    ),
}

# Names marked for translation: the list page shows them in the reader's language.
TEMPLATES: dict[str, tuple[str, dict[str, Any]]] = {
    "csat_post_case": (N_("Post-case CSAT"), CSAT_POST_CASE),
    "nps": (N_("Relationship NPS"), NPS),
    "ces": (N_("Customer effort (CES)"), CES),
    "servqual": (N_("SERVQUAL (22 items)"), SERVQUAL),
    "service_satisfaction": (N_("Service satisfaction questionnaire"), SERVICE_SATISFACTION),
}


def named(name: str) -> str:
    """A template's name as a survey made from it is called: in Chinese and English, as the
    organization's other names are, so each reader finds theirs."""
    zh = gettext(name, "zh_CN")
    return name if zh == name else f"{zh} / {name}"
