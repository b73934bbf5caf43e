"""Spam and nonsense: ads, contact-ID bait, link farms, gibberish, keyboard mashing and test
submissions, in Chinese and English. A pure function: what it flags is kept with the reason,
never dropped (triage flags it; nobody is assigned and no clock starts).

Measured on the hand-written set in eval/spam.jsonl (`make eval`).
"""

import re
from collections.abc import Callable, Sequence

from voxloop.text import spam_model
from voxloop.text.tokenize import cut

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]{2,}\.(?:com|net|org|biz|info|xyz|top|vip|cc|io|me|cn|ru|co)\b\S*",
    re.I,
)
# Solicitation: someone selling something, or asking the reader to contact them elsewhere.
_AD_ZH = re.compile(
    r"代开|开(?:各类|各种|正规|普通|增值税)?发票.{0,8}(?:联系|加|微信|v|q|电话|手机|点)|发票代开|刷单|刷信誉|刷好评|"
    r"兼职.{0,12}(?:日(?:赚|结|入)|月入|佣金|招聘|打字)|日赚|日结|月入(?:过)?[万\d]|躺赚|稳赚|轻松赚|赚钱(?:项目|门路)|"
    r"(?:请|可|欢迎|速|快|详情|有意者?|需要的?)(?:加|\+|添加|联系)(?:我|本人)?(?:的)?(?:微信|v信|vx|v|wx|威信|薇信|微|qq|扣扣|"
    r"企鹅|tg|电报|飞机)|(?<![a-z])(?:微信|v信|vx|wx|威信|薇信|qq|扣扣|q|v)(?:号)?\s*[:：]\s*[a-z0-9_-]{5,}|"
    r"(?<![a-z])(?:微信|v信|vx|wx|威信|薇信|qq|扣扣)(?:号)?\s*[a-z0-9_-]*\d[a-z0-9_-]{4,}|"
    r"私聊|私信我|量大从优|批发|货源|厂家直销|诚招代理|招代理|出售.{0,8}账号|包真包查|上分|下分|六合彩|特码|期期准|棋牌|"
    r"先回本|帮你回本|(?:扫|长按)(?:描)?(?:二维码|码)|"
    r"博彩|赌场|网赌|百家乐|时时彩|彩票.{0,4}(?:稳|平台|计划|内幕)|娱乐城|老虎机|真人荷官|首充|"
    r"裸聊|约炮|上门服务|找小姐|小姐上门|同城交友|(?:美女|少妇).{0,4}(?:陪|聊|约)|成人(?:视频|网站)|"
    r"贷款.{0,6}(?:秒批|秒到|无抵押|免息|低息|黑户)|无抵押|黑户|套现|代办(?:信用卡|证件|学历)|办证|高仿|a货|"
    r"扫码(?:领|加|进|关注)|进群|拉群|(?:点击|戳)(?:链接|下方)|(?:优惠|限时).{0,6}(?:点击|链接)|"
    r"比特币|虚拟币|usdt|挖矿|空投|(?:投资|理财).{0,8}(?:回报|收益|翻倍|稳赚|高收益)|带单|内幕消息|"
    r"(?:网站|关键词)(?:优化|排名)|seo|百度(?:排名|快照)|外链|引流|涨粉|粉丝.{0,4}(?:购买|出售)"
)
_AD_EN = re.compile(
    r"\bbuy (?:cheap |real |instant )?(?:followers|likes|views|subscribers|reviews|backlinks|viagra|cialis)|"
    r"\bcheap (?:viagra|cialis|replica|rolex|meds|pills)|\bviagra\b|\bcialis\b|\breplica (?:watches|bags)|"
    r"\bseo\b|(?:rank|ranking|rankings) (?:your|on|#?1 on) (?:site|website|google)|\bbacklinks?\b|\bguest posts?\b|"
    r"\b(?:crypto|bitcoin|btc|usdt|ethereum|forex|token|coin|presale)\b.{0,60}(?:profit|returns?|double|\d+x\b|"
    r"potential|invest|earn|airdrop|giveaway|moon|signals)|\bairdrop\b|\bpresale\b|\b\d{3,}x (?:potential|gains?)|"
    r"investment (?:opportunity|plan)|double your (?:money|investment|bitcoin)|guaranteed (?:returns?|profits?|income)|"
    r"\bearn \$?\d[\d,]* (?:a|per|every) (?:day|week|hour|month)|work from home|make money (?:fast|online|from home)|"
    r"\bcasino\b|\bbetting\b|\bslots?\b online|\bjackpot\b|\bporn|\bxxx\b|\bsexy? (?:girls|chat|cam)|hot singles|"
    r"\bescorts?\b|adult (?:content|videos|dating)|\bclick (?:here|the link|this link|below)|visit (?:my|our) "
    r"(?:site|website|page|store)|\bwhats ?app\b.{0,6}\+?\d{6,}|\btelegram\b[:\s]{0,3}@\w{4,}|\bdm me\b|"
    r"\border now\b|\bshop now\b|\bbuy now\b|\bwholesale\b|\boem\b|\bsupplier\b.{0,40}\bfactory\b|"
    r"\b(?:crypto|bitcoin|btc|forex) (?:trading|bot|recovery|signals)|recovery experts|\bearn \d+% (?:daily|a day|"
    r"per day|weekly)|message (?:him|her) now|(?:he|she) is legit|minimum deposit|\b18\+|\bcam girls?\b|discreet (?:encounters|dating|meetings)|join our (?:vip|telegram|whatsapp) group|"
    r"scan the qr code|domain authority|link building|page one (?:of|on) google|\d+% off.{0,30}(?:limited|now|stock)|"
    r"limited (?:time )?offer|free (?:gift ?card|iphone|money)|congratulations?,? you(?:'ve| have)? won|"
    r"claim your (?:prize|reward|bonus)|loan (?:approved|offer)|no credit check|\bpromo code\b.{0,20}(?:\.com|www)|"
    r"increase (?:your )?(?:traffic|sales|followers)|marketing services|web ?design services|we (?:can )?offer "
    r"(?:seo|marketing|backlinks|web)"
)
_TESTING = re.compile(
    r"\b(?:checking|testing|test) (?:if |whether |that )?(?:the |this |your )?(?:form|site|page|submission|system|"
    r"contact form)|this is a test|\btest (?:submission|entry|post|ticket)\b|(?:表单|系统|提交|功能|页面).{0,4}"
    r"(?:能不能|是否|好不好)(?:用|提交|正常)|测试(?:一下)?(?:表单|系统|提交|功能|页面)"
)
_TEST = re.compile(
    r"^\W*(?:test(?:ing)?|tset|asdf|qwerty|hello world|ignore(?: this)?|dummy|sample|xxx+|123+|1234\d*|"
    r"测试|测一下|试试|试一下|测试一下|测试测试|这是测试|test ?message|this is a test)"
    r"(?:\W*(?:test(?:ing)?|message|msg|only|again|\d+|测试|一下|123|请忽略|please ignore|ignore|1|2|3|消息|内容))*\W*$",
    re.I,
)
# "Testing whether the form works" is a test message; a longer one that goes on to say something
# ("… because email doesn't. My order is #88213.") is feedback.
TEST_MAX_CHARS = 60
_LETTERS = re.compile(r"[a-z]+", re.I)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORDISH = re.compile(r"[^\W\d_]", re.UNICODE)
_EMOJI = re.compile(r"[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2764]")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_VOWELS = re.compile(r"[aeiouy]")
_PINYIN = re.compile(
    r"^(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|"
    r"en|in|un|vn|ia|ie|iu|ua|uo|ui|ue|ve|er|a|o|e|i|u|v))+$"
)

Known = Callable[[str], bool]


def _keyboard_run(word: str) -> bool:
    """Four or more neighbouring keys of one keyboard row, either way."""
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            for i in range(len(line) - 3):
                if line[i : i + 4] in word:
                    return True
    return False


def _nonsense_word(word: str, known: Known) -> bool:
    # a keyboard run is nonsense even where it made its way into a vocabulary (tweets say
    # "asdfghjkl"); only "erty" and "wert" run along a row inside English words
    if _keyboard_run(word.replace("erty", "").replace("wert", "")):
        return True
    if known(word) or _PINYIN.match(word):
        return False
    if len(set(word)) <= 2 and len(word) >= 4:
        return True
    return len(word) >= 4 and (not _VOWELS.search(word) or re.search(r"[^aeiouy]{5,}", word) is not None)


_STOP_EN = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "was",
        "a",
        "an",
        "it",
        "that",
        "this",
        "for",
        "on",
        "with",
        "as",
        "at",
        "by",
        "be",
        "are",
    ]
)
_FRAGMENTS = re.compile(r"[,，、;；|/]+")


def _stuffed(text: str) -> bool:
    """Keyword stuffing: four or more fragments, most repeating one phrase."""
    parts = [p.strip() for p in _FRAGMENTS.split(text.lower()) if p.strip()]
    if len(parts) < 4:
        parts = text.lower().split()
    if len(parts) < 4:
        return False
    for n in (2, 3, 4):
        grams: dict[str, int] = {}
        for part in set(parts):
            for gram in {part[i : i + n] for i in range(len(part) - n + 1)}:
                if gram.strip() and not gram.isdigit():
                    grams[gram] = grams.get(gram, 0) + 1
        if grams and max(grams.values()) >= max(4, (len(set(parts)) * 2 + 2) // 3):
            return True
    return False


def _repeated_run(text: str) -> bool:
    """A stretch of two to four characters said again and again (阿萨德阿萨德群翁群翁)."""
    return re.search(r"(.{2,4})\1", text) is not None and len(re.sub(r"(.{2,4})\1+", "", text)) * 2 < len(
        text
    )


def _gibberish(text: str, known: Known) -> str | None:
    """Why the text is no language, or None."""
    compact = "".join(_WORDISH.findall(text)).lower()
    if len(compact) >= 4 and (len(set(compact)) == 1 or (len(compact) >= 8 and len(set(compact)) <= 2)):
        return "one character repeated"
    han = _HAN.findall(text)
    letters = [w.lower() for w in _LETTERS.findall(text)]
    return _han_gibberish(han, letters) if han else _letters_gibberish(letters, known)


def _han_gibberish(han: list[str], letters: list[str]) -> str | None:
    """Why Chinese characters form no language, or None."""
    if len(han) >= 4 and len(set(han)) <= max(1, len(han) // 4):
        return "the same characters repeated"
    if len(han) >= 6 and _repeated_run("".join(han)):
        return "a few characters repeated"
    if len(han) >= 6 and not letters:
        words = [w for w in cut("".join(han)) if _HAN.match(w)]
        joined = sum(len(w) for w in words if len(w) > 1)
        if joined / len(han) < 0.25:
            return "characters that form no words"
    return None


def _letters_gibberish(letters: list[str], known: Known) -> str | None:
    """Why words in letters form no language, or None."""
    long_words = [w for w in letters if len(w) >= 3]
    if not long_words:
        return None
    nonsense = [w for w in long_words if _nonsense_word(w, known)]
    if len(nonsense) == len(long_words) or (len(nonsense) >= 2 and len(nonsense) * 2 > len(long_words)):
        return "keyboard mashing or no language"
    unknown = [w for w in long_words if not known(w) and not _PINYIN.match(w)]
    if len(long_words) >= 3 and len(unknown) * 4 > len(long_words) * 3:
        return "no language"
    if len(letters) >= 5 and all(w in _STOP_EN for w in letters):
        return "no content words"
    return None


# Words that name what spam sells but that customers also write about (a bank asked about
# bitcoin, a complaint about the casino night, "click here to reset" not working): they count
# as solicitation only where the message does not ask something.
_TOPIC = re.compile(
    r"比特币|虚拟币|usdt|挖矿|空投|刷单|刷好评|扫码\S?|进群|拉群|博彩|赌场|棋牌|批发|货源|外链|引流|涨粉|"
    r"casino|betting|jackpot|wholesale|oem|click (?:here|the link|this link|below)|order now|shop now|buy now|"
    r"limited (?:time )?offer|airdrop|presale"
)
_QUESTION = re.compile(r"[?？]|吗")


def _ad(text: str) -> str | None:
    asks = _QUESTION.search(text) is not None
    for pattern in (_AD_ZH, _AD_EN):
        for found in pattern.finditer(text):
            phrase = found.group(0).strip()
            if not (asks and _TOPIC.fullmatch(phrase)):
                return phrase[:40]
    return None


def check(text: str, known: Known = lambda word: False) -> tuple[str, str] | None:
    """('spam' | 'invalid', reason) for text no one should have to read as feedback, else None.
    `known` says whether a word is in the language's vocabulary (so a real word is never
    mistaken for keyboard mashing)."""
    value = text.strip()
    return _spam(value) or _invalid(value, known)


def _spam(value: str) -> tuple[str, str] | None:
    links = len(_URL.findall(value))
    ad = _ad(value.lower())
    if links >= 3:
        return "spam", f"{links} links"
    if ad:
        return "spam", f"advertising or solicitation ({ad})" + (f", {links} links" if links else "")
    if _stuffed(value):
        return "spam", "keyword stuffing"
    return None


def _invalid(value: str, known: Known) -> tuple[str, str] | None:
    if len(_WORDISH.findall(value)) < 1 and not _EMOJI.search(value):
        return "invalid", "no words in the text"
    if _TEST.match(value) or (len(value) <= TEST_MAX_CHARS and _TESTING.search(value.lower())):
        return "invalid", "a test message"
    nonsense = _gibberish(value, known)
    return ("invalid", nonsense) if nonsense else None


def checks(
    texts: Sequence[str], known: Known = lambda word: False, *, learned: bool = True
) -> list[tuple[str, str] | None]:
    """Each text's `check`; where the patterns find nothing and `learned` is set, the learned
    head (`voxloop.text.spam_model`), which reads disguised wording too."""
    found = [check(t, known) for t in texts]
    model = spam_model.shipped() if learned else None
    rest = [i for i, f in enumerate(found) if f is None]
    if model is None or not rest:
        return found
    for i, (p, kind) in zip(rest, model.predict([texts[i] for i in rest]), strict=True):
        if kind is not None:
            found[i] = (kind, f"learned model, p = {p:.2f}")
    return found
