"""What a message is for — praise, complaint, suggestion, inquiry or other — from the sentiment
model's probabilities and the way customers state a problem, ask, or propose, in Chinese and
English. Pure functions.

The sentiment models learned from reviews and posts; a feedback message differs in ways they
miss, and these cues are the evidence that corrects them:
- a problem stated politely ("…麻烦尽快派人修理，谢谢") or with sarcasm ("Great, another hour on
  hold") is a complaint, whatever the polite or ironic words weigh;
- a negated problem ("not bad at all", "挑不出毛病", "no hassle") is praise;
- a plain question ("能带狗吗") is an inquiry even where the Chinese model, which never saw
  neutral questions, calls it negative; a "why was I charged…" question is a complaint;
- "please ignore my last message" or "工单可以关闭" is other.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

# Proposing outright: a suggestion even when it starts from a problem.
STRONG_SUGGESTION = re.compile(
    r"建议|最好(?:能|是|可以|还是)|要是能|如果能|应该(?:增加|提供|改进|改善|加|多|有)|麻烦(?:增加|加)|改进一下|改善一下|"
    r"多一些|加个|增加一个?|出个|开通|\b(?:would be (?:nice|great|better|good|helpful|useful|awesome|lovely)|it would be|"
    r"i wish|please (?:add|consider|introduce|bring back)|suggest|suggestion|recommend(?:ation)? (?:that|to)|"
    r"why not|how about|would love (?:to see|it if)|consider (?:adding|making|offering|opening|putting|installing)|"
    r"maybe (?:add|offer|consider|set up|open|put)|an option to|the option to|bring back)\b"
)
# Asking for something, which a problem in the same message makes a polite complaint.
SUGGESTION = re.compile(
    r"希望(?:能|可以|你们|贵|以后|下次|增加|多|有)|能不能|能否|可不可以|可否|"
    r"\b(?:should (?:add|offer|have|consider|provide|open|put|make|let|allow|bring|install|extend)|"
    r"could you (?:add|offer|make|consider|provide|open|put|bring|extend|install|set up|let)|"
    r"could (?:the|you|we) (?:school|store|bank|hotel|app|office|team)? ?(?:offer|add|provide|consider|set up|open)|"
    r"would be (?:nice|great|better|good|helpful|useful|awesome|lovely)|it would be|i wish|"
    r"please (?:add|make|consider|provide|allow|enable|bring|offer|introduce|include|extend|let us|set up)|"
    r"suggest|suggestion|recommend(?:ation)? (?:that|to)|why not|how about|would love (?:to see|it if|a|an|more)|"
    r"need to (?:add|improve)|consider (?:adding|making|offering|opening|putting|installing)|maybe (?:add|offer|"
    r"consider|set up|open|put|have|a|an|some|more)|an option to|the option to|bring back)\b"
)
ASKING = re.compile(
    r"请问|问一下|想问|想知道|咨询一下|想咨询|想了解|了解一下"
    r"|\b(?:i'd like to know|i want to know|please (?:tell|let) me know|i was wondering|is it possible|"
    r"can you tell me|do you know)\b"
)
QUESTION = re.compile(
    r"[?？]|怎么|如何|为什么|为啥|是否|多少钱|哪里|哪儿|什么时候|几点|有没有|能.{0,8}吗|可以.{0,8}吗|吗[。.!！]?$"
    r"|^(?:how|what|when|where|why|which|who|can|could|is|are|do|does|did|will|may|should i|is there|am i)\s"
)
# A message that opens by asking (not "why"): what it mentions of problems is hypothetical.
OPENS_ASKING = re.compile(
    r"^(?:请问|如果|万一|想问|咨询|(?:how|what|when|where|which|who|can|could|is|are|do|does|will|may|should i|"
    r"is there|are there|if)\s)"
)
# Asking why something happened to me: a complaint phrased as a question.
WHY_ME = re.compile(
    r"\bwhy (?:did|was|is|am|are|were|do|does|has|have|would|can'?t|won'?t|isn'?t|wasn'?t|doesn'?t|didn'?t|"
    r"haven'?t|hasn'?t|on earth|the hell)\b|\bhow (?:come|is it that|can you)\b|"
    r"为什么|为啥|凭什么|怎么(?:又|还|老是|总是|一直)|这不是.{0,6}吗"
)
PROBLEM = re.compile(
    # English: things broken, dirty, late, wrong, rude, charged, waiting, nobody came
    r"\b(?:broken|broke|not working|doesn'?t work|didn'?t work|won'?t work|stopped working|out of order|faulty|"
    r"dirty|filthy|stain\w*|smell\w*|stink\w*|mou?ld\w*|musty|noisy|noise|loud|cold food|freezing|"
    r"rude|unprofessional|ignored|yelled|nobody|no one|never (?:came|arrived|showed|called|got|received|answered)|"
    r"still (?:no|not|waiting|haven'?t|hasn'?t|broken)|waiting|waited|wait(?:ed)? (?:for )?(?:over|more than|almost)|"
    r"on hold|hold music|jingle|queue|delayed|delay|late|overcharg\w*|charged (?:twice|double|me|for)|double[- ]charg\w*|"
    r"wrong|missing|lost|damaged|cracked|leak\w*|crash\w*|glitch\w*|bug|error|declined|refused|cancel(?:l)?ed|"
    r"logged me out|under maintenance|closed (?:for|again)|went up|hidden fees?|surcharge|"
    r"disappoint\w*|terrible|awful|horrible|worst|unacceptable|ridiculous|useless|pathetic|frustrat\w*|annoy\w*|"
    r"complain\w*|problem|issue|hassle|headache|pain|nightmare|refund|every single time|each time|again and again|"
    r"(?:broke|broken|down|late|wrong|failed|crashed|out|off|closed|charged|happened|stuck|delayed) again|again[?!]|"
    r"keeps? (?:\w+ing)|eating (?:quarters|coins|money)|taking his|taking her|hole|cockroach\w*|bug bites|rats?|"
    r"mice|hair in|expired|spoiled|raw|undercooked|overcooked|burnt|tasteless|bland|slow|tiny|cramped|"
    r"thanks for nothing|smells? like|one star|1 star|zero stars|not (?:clean|working|happy|acceptable|what|as|good|great|enough|"
    r"fixed|resolved|received|delivered|refunded)|no (?:hot water|water|power|signal|internet|wifi|response|reply|"
    r"one came|answer|call ?back)|can'?t (?:get|log|access|connect|use|tell|reach|find|sleep)|couldn'?t|unable to)\b"
    # Chinese
    r"|没收到|未收到|没到账|坏了|坏掉|故障|不能用|用不了|没法用|打不开|连不上|不工作|不好用|失灵|漏水|漏|脏|臭|异味|霉|吵|噪音|隔音差|"
    r"太慢|很慢|慢死|等了|等太久|排队|排了|迟到|晚点|延误|没人|无人|不理|不管|态度差|态度不好|态度恶劣|凶|骂|"
    r"多收|多扣|乱收|扣费|重复扣|收费.{0,4}(?:不合理|太高|贵)|太贵|涨价|乱涨|不退|退款|退钱|少了|缺了|少发|漏发|错发|发错了?(?!群)|"
    r"送错|拿错|弄错|搞错|破损|损坏|碎了|过期|变质|发霉|难吃|太咸|太淡|凉了|没熟|头发|虫子|蟑螂|老鼠|"
    r"投诉|差评|不满|失望|糟糕|太差|很差|垃圾|恶心|敷衍|推诿|扯皮|踢皮球|白跑|不通知|没通知|没有通知|"
    r"一直跟着|推销|骚扰|还没|还是没|仍然没|至今没|到现在|好几天|好几次|又(?:坏|停|断|出|是|来)|老是|总是|每次都|"
    r"从不|从来不|从来没|估算|补缴|不合理|不清楚|不明白|不透明|问题没解决|没解决|没处理|不处理|处理不了|"
    r"断网|断线|停水|停电|没信号|信号差|卡顿|闪退|崩溃|登不上|登录不了|重复登录|麻烦死|很麻烦|太麻烦|"
    r"被拒|拒绝|不给|不让|不能退|不能换|影响|耽误|误了|错过|吃出|拉肚子|投诉无门|不能接受|无法接受|接受不了|难以接受|摔伤"
)
# A problem denied: evidence for praise, and not a problem.
NEGATED_PROBLEM = re.compile(
    r"\b(?:not|no|zero|never|without|nothing|n't|hardly|hard to find|can'?t find|can'?t say i'?ve ever had)\s+"
    r"(?:a |an |any |one |single |the |of |to |really |even |at all )*"
    r"(?:bad|problem|problems|issue|issues|hassle|hassles|complaint|complaints|headache|fuss|trouble|wrong|"
    r"glitch|glitches|hiccup|hiccups|complain|drama|worries|delay|delays|wait|waiting|bad things|"
    r"anything (?:wrong|bad)|bad experience)\b|\bnot bad\b|\bcan'?t complain\b|nothing to complain|"
    r"\bno complaints?\b|\bzero (?:hassle|issues|problems|complaints)\b|not the headache|"
    r"没有?(?:出)?(?:一点|任何|什么|半点)?(?:问题|毛病|岔子|差错|麻烦|不好|意外|故障|怨言)|挑不出(?:毛病|问题|刺|错)|"
    r"无可挑剔|没得挑|没法说不好|说不出不好|不差|一点都不(?:麻烦|慢|贵|差|难|累|吵)|毫无(?:问题|怨言)|零(?:投诉|差评|问题)|"
    r"一句多余的话都没|都没(?:让|叫)我(?:等|跑)|从来没(?:让|叫)?(?:我们?)?(?:操过心|失望|出过(?:问题|错))|没让.{0,4}操心|"
    r"\bnot (?:at all |the least bit |even |in the slightest )?(?:disappointed|pushy|rude|slow|expensive|dirty|noisy|"
    r"crowded|late)\b"
)
PRAISE_IRONY = re.compile(r"thanks for nothing|谢谢你们(?:看完|的敷衍)")
# Praise words used with a problem: sarcasm or a polite complaint.
PRAISE_WORDS = re.compile(
    r"\b(?:great|love|loved|thrilled|so glad|glad|wonderful|fantastic|amazing|excellent|perfect|top (?:tier|quality|"
    r"notch)|brilliant|awesome|thanks|thank you|appreciate|nice|lovely|very 21st century)\b|太好了|真好|真棒|"
    r"谢谢|感谢|多谢|辛苦|不错|很好|满意|点赞|好评"
)
# Thanks that open a message, or praise of a person's help: praise, even where the message
# tells of the problem that was solved.
GRATITUDE = re.compile(
    r"^(?:非常|特别|十分|真心)?(?:感谢|谢谢|多谢)|^(?:a )?(?:big |huge |many )?(?:thanks|thank you|kudos|shout ?out)|"
    r"态度(?:特别|非常|很|超)好|太暖心|很暖心|专业又耐心|非常耐心|很耐心|特别耐心|给个赞|above and beyond|"
    r"went out of (?:his|her|their) way|\blegend\b|life ?saver|saved (?:my|our) (?:day|trip|holiday)|"
    r"(?:so|very|super|genuinely|incredibly) helpful"
)
# Asking someone to check, sort out or fix something: a thank-you around it is politeness.
ASKS_TO_FIX = re.compile(
    r"麻烦(?:帮忙|您|你们|尽快)?(?:查|核实|核对|协调|处理|解决|看一下|看看|跟进|修|退|改)|请(?:尽快)?(?:核实|处理|解决|修|退还|更正)|"
    r"\b(?:please|could you|can you|would you mind) (?:check|look into|fix|sort|investigate|resolve|correct|refund|"
    r"send someone|have someone)"
)
# A turn to what went wrong: what follows it is the point of the message.
PIVOT = re.compile(r"但是|可是|不过|然而|只是|\b(?:but|however|unfortunately|though|sadly|that said)\b")
OTHER = re.compile(
    r"发错了|发错群|请忽略|请大家忽略|忽略(?:上|前)|撤销|撤回|可以关闭|关闭(?:本|这个)?工单|工单可以|不用(?:处理|回复|回电)了|"
    r"请以这[张个份]为准|已经(?:解决|修好|到账|收到)了?[，,。]?(?:谢谢|不用|可以|请)|是我(?:自己)?(?:看错|搞错|弄错)|"
    r"\b(?:please )?(?:ignore|disregard) (?:my|this|the) (?:previous|last|earlier|message|email)|"
    r"close (?:my|the|this) (?:ticket|case|request)|(?:please )?cancel my (?:\w+ )?request|sent (?:this|it) by mistake|"
    r"wrong (?:chat|group|number|person|address|email)|(?:my|our) mistake|never ?mind|no longer (?:needed|necessary)|"
    r"i decided to keep|(?:has|have|was|got) (?:been )?(?:sorted|resolved|fixed)[.,!]? (?:you can|please close|thanks)"
)


LEAN = 0.15  # P(positive) − P(negative) that tips a message neither asking nor proposing
# The polarity that goes with each type.
POLARITY = {"complaint": "negative", "praise": "positive"}


@dataclass(frozen=True)
class Intent:
    """A message's type and the polarity that goes with it."""

    feedback_type: str
    sentiment: str


def _negated_problem_only(text: str) -> bool:
    """Every stated problem is denied ("no hassle at all", "没出任何岔子")."""
    if not NEGATED_PROBLEM.search(text):
        return False
    rest = NEGATED_PROBLEM.sub(" ", text)
    return PROBLEM.search(rest) is None


def _problem_after_turn(text: str) -> bool:
    """A problem stated after the message turns ("谢谢老师。但是孩子摔伤了…", "Thanks, but…")."""
    turns = list(PIVOT.finditer(text))
    return bool(turns) and PROBLEM.search(text[turns[0].end() :]) is not None


@dataclass(frozen=True)
class _Cues:
    """What `intent` reads off one text, besides the patterns its rules search themselves."""

    text: str
    sentiment: str
    score: float  # P(pos) − P(neg)
    suggestion: float  # the suggestion model's probability
    denied: bool  # every stated problem is denied
    problem: bool
    question: bool
    opens_asking: bool


def _suggests(c: _Cues) -> bool:
    if STRONG_SUGGESTION.search(c.text):
        return True
    return not c.problem and (
        SUGGESTION.search(c.text) is not None or (c.suggestion >= 0.5 and not c.opens_asking)
    )


def _thanks_despite_problem(c: _Cues) -> bool:
    thanked = GRATITUDE.search(c.text) and not PRAISE_IRONY.search(c.text) and not _problem_after_turn(c.text)
    return c.problem and c.score > 0.2 and bool(thanked)


_OTHER = Intent("other", "neutral")
_SUGGESTION = Intent("suggestion", "neutral")
_COMPLAINT = Intent("complaint", "negative")
_INQUIRY = Intent("inquiry", "neutral")
_PRAISE = Intent("praise", "positive")
# The first rule that holds decides.
_RULES: tuple[tuple[Callable[[_Cues], bool], Intent], ...] = (
    (lambda c: OTHER.search(c.text) is not None and c.score > -0.95, _OTHER),
    (_suggests, _SUGGESTION),
    (
        lambda c: (
            c.question and WHY_ME.search(c.text) is not None and (c.problem or not ASKING.search(c.text))
        ),
        _COMPLAINT,
    ),
    (
        lambda c: ASKING.search(c.text) is not None or (c.question and (c.opens_asking or not c.problem)),
        _INQUIRY,
    ),
    (_thanks_despite_problem, _PRAISE),
    (lambda c: c.denied, _PRAISE),
    (lambda c: c.problem, _COMPLAINT),
    (
        lambda c: ASKS_TO_FIX.search(c.text) is not None and not GRATITUDE.search(c.text) and c.score < 0.5,
        _COMPLAINT,
    ),
    (lambda c: PRAISE_WORDS.search(c.text) is not None, _PRAISE),
    (lambda c: c.question, _INQUIRY),
    # feedback that asks nothing and proposes nothing is rarely neutral: the model's lean decides
    # ("neutral" in the sentiment corpora is mostly news and chatter, not a customer's message)
    (lambda c: c.sentiment == "negative" or c.score <= -LEAN, _COMPLAINT),
    (lambda c: c.sentiment == "positive" or c.score >= LEAN, _PRAISE),
)


def intent(text: str, sentiment: str, score: float, suggestion: float) -> Intent:
    """The type of a normalized text and its polarity, from the sentiment model's label and
    score (P(pos) − P(neg)), the suggestion model's probability and the cues above."""
    if not text:
        return _OTHER
    denied = _negated_problem_only(text)
    cues = _Cues(
        text=text,
        sentiment=sentiment,
        score=score,
        suggestion=suggestion,
        denied=denied,
        problem=not denied and PROBLEM.search(text) is not None,
        question=QUESTION.search(text) is not None,
        opens_asking=OPENS_ASKING.search(text) is not None,
    )
    return next((found for holds, found in _RULES if holds(cues)), _OTHER)
