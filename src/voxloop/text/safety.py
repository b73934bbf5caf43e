"""Messages that need someone to act now: safety of people, or money being taken right now.

A pure function over text, in Chinese and English, phrased as customers write ("a rotten-egg
smell in the corridor", "电梯卡在12楼里面有老人"), not only alarm words. Each kind is a set of
phrases; a phrase does not count where the words just before it negate or soften it ("no one
was hurt", "差点滑倒"), or where the sentence says it is a drill, a question about what to do
"in case of", or something already over ("the refund came", "已经退回"). Organizations add
their own terms as triage rules that set `alarm`.

Where the phrases find nothing, `alarms` asks the learned head (`voxloop.text.urgency`).
Measured on eval/holdout/safety.jsonl, written by people who read neither (`make eval`).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from voxloop.text import urgency
from voxloop.text.normalize import normalize

KINDS: dict[str, tuple[str, str]] = {
    "gas": ("燃气泄漏", "Gas"),
    "fire_smoke": ("火情与烟雾", "Fire or smoke"),
    "electric": ("触电与漏电", "Electric shock"),
    "injury": ("受伤", "Injury"),
    "medical": ("急症", "Medical emergency"),
    "missing_person": ("人员走失", "Missing person"),
    "violence_harassment_intruder": ("暴力、骚扰或闯入", "Violence, harassment or intruder"),
    "theft": ("盗窃", "Theft"),
    "flooding_water": ("漏水与水浸", "Water pouring or flooding"),
    "food_poisoning_allergy": ("食物中毒或过敏", "Food poisoning or allergic reaction"),
    "trapped": ("人员被困", "People trapped"),
    "money_taken_now": ("正在被扣款或盗刷", "Money being taken now"),
    "custom": ("组织自定义", "Organization's own terms"),
}


def kind_label(kind: str, locale: str) -> str:
    """The kind's name in the reader's language (zh or en)."""
    zh, en = KINDS.get(kind, (kind, kind))
    return zh if locale.startswith("zh") else en


_PERSON_EN = (
    r"(?:son|daughter|child|kid|kids|boy|girl|baby|toddler|mother|father|mom|mum|dad|grandma|grandmother|"
    r"grandpa|grandfather|husband|wife|friend|brother|sister|nephew|niece|grandson|granddaughter|"
    r"\d+[- ]?(?:year|yr)[- ]?old)"
)
_PERSON_ZH = (
    r"(?:孩子|小孩|儿子|女儿|宝宝|宝贝|闺女|孙子|孙女|外孙|外孙女|老人|老人家|父亲|母亲|爸爸|妈妈|爸|妈|老爸|老妈|"
    r"爷爷|奶奶|外公|外婆|姥姥|姥爷|老公|老婆|丈夫|妻子|朋友|弟弟|妹妹|哥哥|姐姐|侄子|侄女|\d+岁的?(?:孩子|小孩|男孩|女孩)?)"
)
_BODY_EN = (
    r"(?:hand|arm|leg|foot|feet|finger|fingers|head|face|knee|ankle|wrist|back|eye|toe|lip|chin|forehead)"
)

_PHRASES: dict[str, list[str]] = {
    "gas": [
        r"\bsmel+s? (?:\w+ ){0,2}(?:of )?gas\b|瓦斯|液化气罐.{0,10}(?:漏|嘶)|漏气的?声|(?:propane|gas) (?:tank|cylinder|bottle)s? (?:is |are )?(?:hissing|leaking)|sul(?:ph|f)ur smell|刺鼻的?(?:气味|味道)",
        r"carbon monoxide alarm (?:keeps |is |has been )?(?:beeping|going off|sounding)|co alarm .{0,30}(?:headache|dizzy|sick)",
        r"(?:燃气表|煤气表|燃气管|煤气管|燃气灶|阀门).{0,10}(?:嘶嘶|漏|味)",
        r"\bhissing\b.{0,40}\bsmell|smell.{0,40}\bhissing",
        r"(?:smell|smells|smelling|stink|stench|odou?r)\s+(?:\w+\s+){0,3}(?:gas|propane|natural gas)\b",
        r"\bgas\s+(?:smell|leak|leaking|odou?r|is leaking)",
        r"\bleaking\s+gas\b",
        r"rotten[- ]egg",
        r"carbon monoxide(?! (?:detectors?|alarms?))|\bco alarm (?:is )?(?:going off|beeping)",
        r"煤气味|燃气味|天然气味|液化气味|煤气泄|燃气泄|天然气泄|液化气泄|漏煤气|漏燃气|漏气味|煤气漏|燃气漏|"
        r"臭鸡蛋味|一氧化碳(?!报警器|探测器)|煤气中毒|有股煤气|有股燃气|闻到(?:了)?(?:很浓的|一股|浓浓的)?(?:煤气|燃气|天然气)",
    ],
    "fire_smoke": [
        r"全是烟|冒(?:出)?(?:很大的|好大的|黑|浓)?烟|黑烟|(?:full of|filled with|thick|black|lots of|so much) smoke|smoke (?:everywhere|in the (?:stairwell|stairs|lobby|room))",
        r"battery .{0,20}(?:smoking|swelling|hissing|on fire)|\bsmoking and (?:hissing|sparking)",
        r"电池.{0,6}(?:冒烟|鼓包|起火|爆)",
        r"\bon fire\b|caught fire|catching fire|\bfire (?:in|at|on|near|behind|from) (?:the|our|my|a|room|floor|kitchen)",
        r"\b(?:a|the) fire (?:broke out|started|has started|is spreading)",
        r"\bflames?\b",
        r"(?:smell|smells|smelling|stench)\s+(?:\w+\s+){0,3}(?:burning|smoke|something burning|melting plastic)",
        r"burning (?:smell|plastic|rubber)",
        r"smoke (?:is |was )?(?:coming|pouring|billowing|filling|everywhere|in the (?:room|corridor|hallway|kitchen))",
        r"(?:full of|thick|black) smoke",
        r"\b(?:smoking|sparking) (?:outlet|socket|plug|wire|wires|charger|appliance|heater|oven)",
        r"着火|起火|失火|火灾|冒烟|烟雾弥漫|浓烟|烧焦|焦糊味|焦味|糊味|烧起来|火苗|明火|火光|冒火|烧着了|"
        r"塑料味.{0,4}(?:烧|焦)|有烟(?:冒|飘|从)",
    ],
    "electric": [
        r"gives? (?:you |me |people )?(?:a |an )?(?:electric )?shock|\bzapped\b|crackling|(?:plastic|socket|outlet|plug) .{0,20}melting|melting .{0,10}(?:outlet|socket|plug)",
        r"(?:wires?|cables?) (?:are |is )?(?:exposed|hanging out|hanging down|sparking|bare|sticking out)|cables? hanging",
        r"电表.{0,8}(?:进水|滋滋|冒|响)|插座.{0,6}(?:融化|化了|发烫|烧|滋滋)|电箱.{0,8}(?:开着|冒|响)|电线.{0,6}(?:掉|垂|露)",
        r"electric(?:al)? shock|electrocut|got (?:a )?shock(?:ed)? (?:from|by|when)|shocked (?:me|him|her|my|us) when",
        r"gave (?:me|him|her|my \w+) (?:a|an) (?:electric )?shock",
        r"\bsparks?\b|\bsparking\b",
        r"(?:exposed|bare|live|hanging|frayed) (?:electrical )?wires?",
        r"触电|漏电|电到了|被电了|电了一下|电打|电线裸露|电线外露|裸露的电线|电线露|打火花|冒火花|火花|麻手|电麻",
    ],
    "injury": [
        r"fell on (?:an? )?(?:old |elderly |little )?(?:lady|man|woman|kid|child|person|customer|guest|boy|girl|baby|worker)|hit by (?:a |the )?(?:reversing )?(?:car|truck|van|bus|bike|forklift|scooter)|lying on the (?:ground|floor)|can'?t get up",
        r"被(?:车|汽车|卡车|货车|电动车|叉车|摩托车)撞|掉下去|踩空|(?:腿|手|胳膊|脚)(?:好像)?断了|躺在地上|倒在地上",
        r"cuts all over|shattered on (?:my|his|her|a|the)|hit in the (?:eye|head|face)|\bblister\w*|spilled .{0,30}(?:boiling|hot) .{0,30}on (?:my|his|her|a|the)",
        r"(?:\bi|\bhe|she|they|we|my "
        + _PERSON_EN
        + r"|guest|customer|someone|somebody|child|kid|man|woman|lady|guy|boy|girl|"
        r"baby|patient|worker|courier) (?:just )?(?:slipped|tripped|fell)\b",
        r"从.{0,8}(?:摔|滚|掉)下|滚下来|头(?:都)?破了|起了?(?:好多|很多)?水泡|烫到|洒到.{0,8}(?:腿|手|身上|脸|脚)|躺着起不来|砸在",
        r"\binjur(?:ed|y|ies|ing)\b",
        r"\bbleeding\b|\bblood (?:everywhere|all over|on the|is|was)|covered in blood|\bbleeds?\b",
        r"(?:cut|sliced|gashed|burn(?:ed|t)|scald(?:ed)?|broke|broken|hurt|twisted|sprained|fractured|"
        r"smashed|crushed|trapped|caught|jammed) (?:his|her|my|their|our|the child's|the kid's) " + _BODY_EN,
        r"\bhas fallen\b|took a (?:bad |nasty )?fall",
        r"\bfractur|\bconcussion\b|\bscalded\b|\bbadly hurt\b|\bgot hurt\b|\bis hurt\b|\bwas hurt\b",
        r"fell on (?:him|her|me|my|his|our|the child|a guest|a customer)",
        r"受伤|摔倒|摔伤|摔了一跤|摔下|跌倒|滑倒|流血|出血|血流|骨折|烫伤|割伤|划伤|划破|砸伤|砸到|夹伤|夹到|撞伤|"
        r"扭伤|摔破|磕破|磕伤|头破|烧伤|咬伤|刺伤|伤口|缝针",
    ],
    "medical": [
        r"\bcontractions\b|water (?:has )?broke|shaking and confused|bad headache and (?:feels|feel|is) sick|tongue (?:feels )?thick|\bwelts\b|red blotches|can'?t stop (?:shaking|bleeding)",
        r"羊水破|要生了|手抖.{0,8}(?:胡话|出汗|晕)|头晕.{0,6}(?:恶心|想吐|站不稳)|心脏病(?:发作|犯了)",
        r"lips (?:are|were|turning) blue|not (?:answering|responding)|no response|\basthma|\binhaler\b|clutching (?:his|her|their) chest|can'?t see out of|\bpale and sweating|\bconfused and|won'?t wake up",
        r"没反应|哮喘|喷雾用完|低血糖|说胡话|倒在(?:地上|门口|路边|楼道)|起不来|(?:老人|孩子|病人|客人)已经不舒服|嘴唇发紫|脸色发白|叫不醒",
        r"having (?:a|some kind of|what looks like a) fit\b|shaking all over|\bfitting\b.{0,20}(?:floor|ground|seat)|"
        r"\bcollapsed?\b|\bunconscious\b|\bunresponsive\b|not breathing|can'?t breathe|cannot breathe|"
        r"trouble breathing|difficulty breathing|struggling to breathe|short(?:ness)? of breath",
        r"chest pains?|heart attack|\bstroke\b|\bseizures?\b|\bfainted\b|passed out|\bconvuls",
        r"\bambulance\b|call (?:911|999|112|120|a doctor)|\bparamedic|\bcpr\b|\bepipen\b|\bdefibrillator\b|\baed\b",
        r"\bchoking\b|overdose|diabetic (?:emergency|shock)|hypoglyc|vomiting blood|coughing (?:up )?blood",
        r"(?:high|very high) fever.{0,30}(?:child|baby|son|daughter|kid)|(?:child|baby|son|daughter|kid).{0,30}"
        r"(?:high|very high) fever",
        r"晕倒|昏倒|晕过去|昏过去|昏迷|不省人事|没有意识|失去意识|呼吸困难|喘不上气|喘不过气|上不来气|透不过气|"
        r"胸痛|胸口疼|胸闷|心梗|中风|脑梗|抽搐|休克|救护车|打120|叫120|拨打120|急救|吐血|咳血|"
        r"噎住|卡住喉咙|高烧不退|发高烧|烧到(?:39|40|41)|突然倒地|倒在地上",
    ],
    "missing_person": [
        r"(?:dementia|alzheimer'?s?).{0,100}(?:left|walked|wandered|not in|gone|nobody saw|no one saw)|(?:left|walked out|wandered).{0,60}(?:dementia|alzheimer)|not on the bus|never came back to",
        r"(?:阿尔茨海默|老年痴呆|认知障碍).{0,40}(?:跑出|走出|不见|没看到|走丢)|(?:跑出|走出)去了.{0,30}(?:阿尔茨海默|痴呆)|少了一个(?:孩子|学生|人)|找了.{0,8}(?:还没找到|没找到)",
        r"(?:son|daughter|child|kid|boy|girl|student|grandfather|grandmother|grandpa|grandma|mother|father|mum|mom|"
        r"dad|husband|wife)(?!'s)\b.{0,60}(?:(?:is|are|has been|have been|went|was|been) missing(?: from| since| for|\W*$)|"
        r"never came back|didn'?t come home|hasn'?t come home|not come home|didn'?t get off|disappeared|not back yet)",
        r"(?:孩子|小孩|儿子|女儿|学生|男童|女童|老人|爷爷|奶奶|外公|外婆|父亲|母亲|爸爸|妈妈|老公|老婆)(?!的)[^，,。的]{0,24}(?:不见了|失联|没回家|没回来|没到家|电话也打不通|联系不上)",
        r"(?:就|人)不见了",
        r"(?:can'?t|cannot|couldn'?t|can not|unable to) (?:find|locate|see) (?:my|our|his|her) " + _PERSON_EN,
        r"(?:my|our|a|the) (?:little )?"
        + _PERSON_EN
        + r" (?:is |has |was |went )?(?:missing|gone missing|lost(?! (?:his|her|their|a|an|the|my|its|some|all))|"
        r"disappeared|wandered off|vanished|not back|nowhere)",
        r"lost (?:my|our) (?:little )?" + _PERSON_EN + r"\b",
        _PERSON_EN + r"\b.{0,80}(?:can'?t|cannot|couldn'?t|can not) (?:find|see|locate) (?:him|her|them)\b",
        r"missing (?:child|kid|boy|girl|person|elderly)|\bwandered off\b|\bhas not come back\b|hasn'?t come back",
        _PERSON_ZH + r"(?!的)(?:不见了|走丢了|丢了|找不到了|走失|失踪|没回来|联系不上|不知道去哪)",
        r"找不到(?:我|我们|我家|他|她)?(?:的)?" + _PERSON_ZH + r"(?!的)",
        r"走失|走丢|失踪|寻人",
    ],
    "violence_harassment_intruder": [
        r"\bpunching\b|hitting (?:a|the|his|her) (?:woman|nurse|child|kid|wife|girl|staff)|exposing himself|(?:keeps|kept|won'?t stop) touching",
        r"打女人|打孩子|露阴|一直摸|哭喊",
        r"\bkill\b|\bharassing\b|\baggressive\b|climbed (?:the |over |in|into)|(?:used|with) a key ?card to (?:open|get into) (?:my|our)|opened my (?:room|door) while|showed up (?:outside|at) my (?:door|house|home)|banging on doors|threw (?:a|the) (?:chair|bottle|glass)",
        r"打(?:护士|医生|店员|服务员|保安|司机|老师|孩子|顾客|客人)|打起来|砸了|推搡|醉汉|翻墙|拧.{0,4}门把手|闯|耍酒疯|吓跑",
        r"(?:someone|somebody|a man|a guy|a stranger|a woman|people|person|he|they) (?:is |was |keeps |kept |has been )?"
        r"(?:trying to|tried to) (?:get|break|open|force|come) (?:in|into|our|my|the)",
        r"(?:broke|break|breaking|broken) into|\bintruder|stranger (?:in|entered|came into|walked into) (?:my|our|the)",
        r"(?:following|followed|grabbed|groped|touched|threatened|threatening|attacked|assaulted|punched|"
        r"hit|slapped|kicked|stalking|harassing|harassed|filming|filmed) (?:me|my|us|our|her|him|a guest|"
        r"guests|customers|the staff|staff|women|girls|children|a child|a woman)",
        r"\bassault|\battacked\b|sexual(?:ly)? harass|\bgroped\b|\bstalk|\bfight(?:ing)? (?:in|at|outside|broke)|"
        r"\bknife\b|\bgun\b|\bweapon\b|\bbrawl\b|\bviolent\b|\brobbery\b|\bmugged\b|hidden camera|spy camera",
        r"(?:banging|pounding|kicking|trying) (?:on|at)? ?(?:our|my|the) door.{0,30}(?:night|am\b|a\.m|midnight|"
        r"won'?t stop|again)",
        r"有人(?:撬|砸|踹|撞|推|拧|开|拽)(?:我|我们|我家)?的?门|一直(?:敲|拍|砸|踹)门|半夜.{0,6}(?:敲门|拍门|开门)|"
        r"陌生人|闯入|闯进|强行进入|跟踪|尾随|性骚扰|猥亵|非礼|摸我|动手打|打人|被打|殴打|打架|斗殴|威胁|持刀|拿刀|"
        r"刀子|抢劫|家暴|偷拍|针孔摄像|摄像头.{0,6}(?:藏|隐)|耍流氓|(?<!电话)(?<!短信)骚扰(?!电话)(?!短信)",
    ],
    "theft": [
        r"(?:took|taking|grabbed|stealing|just took) (?:the |my |our |a )?(?:parcel|package|bike|bag|suitcase|luggage|car).{0,60}(?:still|right now|now)|withdrawing money",
        r"(?:拎走|拿走|推走|偷走|搬走|撬|砸车窗).{0,20}(?:人还在|还来得及|快来|正在)|(?:正在|有人在)(?:撬|搬|偷|砸)",
        r"(?:taking|stealing|stuffing|loading|carrying) .{0,80}(?:right now|happening now|\bnow\b|still in the building)|snatched|grabbed my (?:phone|bag|purse|wallet|card)|walked off with (?:my|our)|ran off with|(?:phone|bag|wallet|laptop|passport|purse).{0,20}(?:gone|disappeared) from",
        r"抢了|抢走|拿走了|(?:电脑|护照|手机|钱包|包|行李|相机).{0,8}(?:不见了|没了|被拿)",
        r"(?:wallet|bag|handbag|purse|phone|laptop|passport|luggage|suitcase|money|cash|jewel\w*|watch|bike|"
        r"bicycle|car|ring|necklace|camera|ipad|tablet|backpack|card|cards|belongings|valuables) "
        r"(?:was|were|has been|have been|got|is|are) (?:stolen|taken|nicked|swiped|gone from)",
        r"\brobbed\b|pickpocket|\btheft\b|\bthief\b|\bthieves\b|\bburglar|someone took my",
        r"被偷|被盗(?!刷)|偷了|偷走|被抢|抢走|扒手|小偷|失窃|不翼而飞|顺手牵羊",
    ],
    "flooding_water": [
        r"water (?:main|pipe|line) (?:has )?(?:broke|burst)|like a river|into the basements?|\d+ ?cm of water|still coming out|spouting sewage|leaking like crazy|seep(?:ing)? under",
        r"冒污水|往外冒.{0,4}水|流进.{0,8}(?:家|屋|房|住户)",
        r"overflowing|water (?:is )?(?:dripping|coming|pouring|leaking) (?:out of|down from|from) (?:our |the )?(?:ceiling|roof|light)|filling (?:up )?with water|huge leak|massive leak",
        r"溢水|天花板都在滴|漏.{0,6}(?:很大|巨大)|(?:地下室|车库|停车场).{0,8}(?:进水|淹|积水)",
        r"water (?:is |was |keeps |has been )?(?:pouring|gushing|flooding|streaming|spraying|rushing|flowing) "
        r"(?:in|out|down|through|from|into|onto|everywhere|all over)",
        r"\bflood(?:ed|ing)\b|burst (?:water )?pipe|pipe (?:has )?burst|water everywhere|(?:ankle|knee)[- ]deep|"
        r"sewage (?:is )?(?:backing|coming|overflow|flooding)|ceiling (?:is )?(?:leaking|pouring|collaps)|"
        r"(?:toilet|sink|bath) (?:is )?overflowing|water (?:coming|pouring) (?:through|from) the (?:ceiling|light|wall)",
        r"水管(?:爆|裂|破)|爆管|水漫|淹了|淹水|水淹|进水了|天花板.{0,6}(?:漏水|滴水|往下(?:流|滴)|掉水|塌)|"
        r"哗哗(?:地)?(?:流|漏|往下)|满地(?:都是)?水|一地的?水|水都漫|积水.{0,6}(?:很深|没过)|"
        r"污水(?:倒灌|冒|溢)|下水道(?:反水|冒水|返水)|马桶(?:一直)?(?:溢|冒水)|漏水.{0,8}(?:很严重|严重|止不住|停不下|越来越大)",
    ],
    "food_poisoning_allergy": [
        r"thrown up \d+ times|\bthrew up\b|diarrh\w* with blood|allerg\w*.{0,80}(?:coughing|blotches|welts|swell\w*|breath\w*|hives|rash|wheez\w*)|(?:coughing|blotches|welts|rash|wheezing).{0,80}allerg",
        r"便血|过敏.{0,20}(?:咳|疹|肿|喘|呼吸)",
        r"(?:throat|tongue|lips?|face|mouth) .{0,10}(?:itch\w*|swell\w*|swollen|tight)",
        r"(?:嘴|脸|喉咙|眼睛|嘴唇|舌头).{0,3}(?:肿|痒得|好痒|很痒)",
        r"food poisoning|allergic reaction|anaphyla|(?:throat|tongue|lips?|face) (?:is |are |was |were |started |"
        r"began )?(?:swelling|swollen|closing|puffed)|swollen (?:lips|face|throat|tongue)|\bhives\b",
        r"(?:got|became|been|feel|felt|are|were|all) (?:really |very |violently )?(?:sick|ill) (?:after|since|from)",
        r"(?:vomit\w*|throwing up|threw up|diarrh\w*|stomach (?:cramps|pain|ache)) (?:\w+ ){0,4}(?:after|since) "
        r"(?:eating|we ate|i ate|dinner|lunch|breakfast|the|your|having)",
        r"(?:after|since) (?:eating|we ate|i ate|dinner|lunch|breakfast) (?:\w+ ){0,8}(?:vomit\w*|throwing up|"
        r"threw up|diarrh\w*|sick|ill)",
        r"食物中毒|拉肚子|腹泻|上吐下泻|呕吐|吐了|吃坏(?:了)?肚子|肚子(?:剧烈)?疼|肚子痛|胃(?:疼|痛)得|过敏了|"
        r"过敏反应|过敏性|起了?(?:一身)?(?:疹子|红疹|风团)|(?:嘴唇|嘴巴|喉咙|脸|舌头|眼睛)(?:都)?(?:肿|发肿)",
    ],
    "trapped": [
        r"stuck (?:underneath|under|between|down|outside)|(?:hand|head|arm|leg|finger|foot) (?:is |got )?stuck|locked (?:himself|herself|themselves) in|locked in the car|(?:baby|kid|child|toddler|son|daughter) (?:is )?(?:locked|stuck) in",
        r"拔不出来|卡在.{0,10}(?:拔不出|出不来)|(?:锁|关)在车里|被锁在",
        r"locked (?:out|in)\b.{0,40}(?:phone|help|stuck)|every door .{0,20}locked|stopped between floors|(?:door )?shut on (?:one|a|him|her|me)|(?:lift|elevator).{0,60}(?:inside|with a patient)",
        r"困人|被关在|关在里面|出不来|门.{0,8}锁上.{0,12}(?:里面|出不来|被关)|不让下(?:飞机|车)?",
        r"(?:stuck|trapped|locked) (?:in|inside) (?:the |a |an )?(?:lift|elevator|room|bathroom|toilet|sauna|"
        r"car park|garage|stairwell)",
        r"\btrapped\b|can'?t get out|cannot get out|locked in\b",
        r"(?:lift|elevator) (?:is |has |got )?(?:stuck|stopped|broke down|broken down) (?:\w+ ){0,6}"
        r"(?:with|and) (?:people|someone|somebody|us|me|my|a|an|our|guests|kids|children)",
        r"被困|困在|关在.{0,8}出不来|出不来了|锁在里面|卡在.{0,16}(?:(?:里面|里边|里头|里)(?:还)?有|有人|出不来)|"
        r"电梯.{0,16}(?:(?:里面|里边|里头|里)(?:还)?有(?!信号|灯|镜子|空调)|有人在里面)",
    ],
    "money_taken_now": [
        r"(?:transfers?|withdrawals?|payments?|money) (?:\w+ ){0,4}(?:leaving|going out of|coming out of) my|\d+ (?:contactless |atm )?(?:payments|withdrawals|charges|transactions) (?:in|within) (?:the last|\d+)|still coming in|ported my number|passwords? (?:were|was|have been) changed|about to transfer|on the phone with (?:a )?'?(?:police|bank)|(?:booking|bought|buying) .{0,30}with my .{0,25}account|(?:trips|orders|flights) i didn'?t (?:book|place|make)",
        r"补了我的卡|改(?:了)?密码的|一直被刷|立刻停卡|马上停卡|要转账|准备转账|正在.{0,10}转账|冒充(?:公安|警察|客服).{0,20}(?:电话|转)",
        r"over and over|(?:\d+|several|multiple) charges|racking up|premium charges|keeps going|still happening|balance (?:is )?going down|buying gift cards with my",
        r"一直在减少|一直收到.{0,8}(?:短信|通知)|都不是我(?:订|买|操作|消费)|不是我订的|每隔几分钟|验证码.{0,30}(?:转|扣)|安全账户|(?:正在|一直在|还在).{0,10}(?:转(?:走|账|钱|出)|扣|刷卡|买)",
        r"(?:charges?|transactions?|payments?|withdrawals?|purchases?|debits?) (?:\w+ ){0,3}(?:i|we) "
        r"(?:didn'?t|did not|never|don'?t) (?:make|authori[sz]e|recogni[sz]e|do)",
        r"(?:unauthori[sz]ed|fraudulent|unrecogni[sz]ed|unknown) (?:charges?|transactions?|withdrawals?|payments?|"
        r"debits?|transfers?|purchases?|activity|logins?)",
        r"(?:been|got|was|were|being) scammed|fraud on my (?:card|account)|\bhacked\b|identity theft|someone (?:is |has been )?(?:using|used) my "
        r"(?:card|account)",
        r"(?:keeps?|still|kept|is still|are still|again and again|repeatedly|continuously) "
        r"(?:being )?(?:charging|charged|deducting|taking|debiting|withdrawing)",
        r"(?:charged|debited|deducted|billed) (?:\w+ ){0,3}(?:again and again|repeatedly|every (?:few )?minutes?|"
        r"(?:\d+|three|four|five|six|several|multiple|many) times)",
        r"(?:in the (?:last|past) (?:\d+|few|ten|five|twenty) (?:minutes|mins|hours?))",
        r"(?:money|funds|\$ ?\d+|\d+ ?(?:dollars|usd|rmb|yuan)) (?:\w+ ){0,3}(?:is|are|was|were|being|getting) "
        r"(?:taken|withdrawn|deducted|transferred|drained|stolen) (?:from|out of)",
        r"盗刷|被刷了|被刷走|被盗用|被冒用|冒用|被骗了|(?:诈骗|骗子).{0,12}(?:转|扣|钱|卡)|钱被转走|被转走|被扣(?:了)?(?:好几|多|几)(?:次|笔)|"
        r"(?:一直|还在|不停|不断|连续|又|正在|还在不停)(?:地)?(?:在)?(?:扣|刷|划)(?:款|钱|费|走)?|"
        r"(?:扣|刷)了(?:好几|几|[三四五六七八九十\d]+)(?:次|笔)|"
        r"不是我(?:本人)?(?:的|消费|操作|刷的|买的)|(?:没有|未经|未|没)(?:我的?|本人)?(?:授权|同意|操作).{0,8}(?:扣|刷|消费|转)|"
        r"莫名(?:其妙)?(?:地)?(?:被)?(?:扣|刷)|账户.{0,6}(?:被盗|被转|异常|被冻结)",
    ],
}

# Words just before a phrase that negate or soften it.
_NEGATED_BEFORE = re.compile(
    r"(?:\b(?:no|not|never|nobody|no one|without|nearly|almost|wasn'?t|isn'?t|weren'?t|didn'?t|prevent|avoid)"
    r"\W{1,2}(?:[a-z']+\W{1,2}){0,2}"
    r"|(?:没有|没|无|未|差点|险些|差一点|以防|防止|预防|避免)[\u4e00-\u9fff]{0,2})$"
)
# A sentence that is a drill, a precaution question, a test, or something already over.
_NOT_NOW = re.compile(
    r"\bdrill\b|\bdrills\b|\btest(?:ing|ed)?\b (?:of )?the (?:alarm|fire|smoke)|in case (?:of|there)|"
    r"(?:what|how) (?:should|do|would) (?:i|we) do (?:if|when|in case)\b|\bif (?:there is|there's|a) |what if|evacuation (?:plan|route|map)|"
    r"refund(?:ed)? (?:came|has come|arrived|went through|was processed)|(?:was|been|were|got) (?:refunded|"
    r"reimbursed|returned|resolved|sorted)|already (?:refunded|returned|resolved|sorted|fixed|found|back)|"
    r"(?:we|i) found (?:him|her|them)|(?:is|was) found\b|turned out|false alarm|thankfully (?:nobody|no one)|"
    r"演习|演练|演示|逃生(?:路线|通道|图)|(?:如果|万一|假如|要是|若)(?:.{0,12})"
    r"(?:着火|火灾|失火|起火|漏|被困|停电|走失|过敏)|已经(?:退回|退还|退款|退了|到账|解决|处理|找到|修好)|"
    r"(?:钱|款)(?:已经)?(?:退回|退还|到账)了|全额退(?:了|回)|后来找到了|找到了|虚惊一场|结果是|原来是|"
    r"\brumou?rs?\b|\bon (?:the )?(?:tv|news)\b|\bin the news\b|谣言|传言|电视上|新闻(?:上|里)|报道|纪录片|"
    r"一部.{0,12}电影|电视剧|电影里|游戏里"
)
# Something that happened before and is told now: calm, unless the message says it is
# happening now ("the battery I bought last week is smoking right now").
_PAST = re.compile(
    r"上周|上个月|上次|去年|前年|之前|以前|前天|年初|已经报(?:警|案)|[一二三四五六七八九十\d]+月份|"
    r"今年[一二三四五六七八九十\d]+月|\bin (?:19|20)\d\d\b|"
    r"\blast (?:week|month|year|time|term|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\bback in\b|"
    r"\b(?:days?|weeks?|months?|years?) ago\b|\bin (?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b|\bhelped me\b|\bgood that you\b|recovering|恢复得"
)
_NOW = re.compile(
    r"right now|just now|happening now|as we speak|still (?:coming|going|happening|there|here|in|on|inside|leaking)|"
    r"\bnow (?:there'?s|it'?s|he'?s|she'?s|they'?re)\b|"
    r"\bjust (?:made|caught|started|exploded|burst|popped|collapsed|fell|went)\b|刚才|刚刚|正在|还在"
)
_SENTENCE = re.compile(r"[^.!?。！？;；\n]+[.!?。！？;；\n]*")
_COMPILED = {kind: [re.compile(p) for p in phrases] for kind, phrases in _PHRASES.items()}
_FIGURATIVE = re.compile(
    r"\b(?:stole the show|stole my heart|steal of a deal|a steal\b|fire(?:d)? (?:him|her|them|the)|"
    r"killing me|killed me|(?:daylight|highway) robbery|robbery in (?:broad )?daylight|"
    r"(?:that'?s|it'?s|is|pure|absolute|total) (?:robbery|theft|a rip-?off)|about heart attacks|dying (?:for|to)|"
    r"died laughing|heart attack (?:prices|bill)|(?:gave|give|giving|gives) (?:me|us) a heart attack|"
    r"shocked (?:by|at|to see) the (?:price|bill|cost)|on fire (?:tonight|today|this season)|"
    r"(?:is|are|was) choking (?:us|me)\b|robbed blind|(?:fire|theft|fire and theft) (?:cover|insurance|policy)|"
    r"knife (?:set|block)|(?:butter|steak|bread) knife)"
    r"|点不着火|打不着火|不着火|偷工减料|偷懒|抢手|抢购|抢票|抢先|刀工|抢光|抢不到|被抢光"
)
# Words that share an alarm word and mean something calm (a fire exit, a cigarette, a train):
# taken out before the phrases are matched, and a sentence that has one is not put to the
# learned head, which reads the alarm word in them.
_FALSE_FRIENDS = re.compile(
    r"(?:gas )?\bfire ?places?|fire pits?|first aid kits?|fire exits?|fire extinguishers?|fire tv|fire stick|\bcampfires?|cigarettes?(?: smoke| butts?)?|"
    r"smoking (?:inside|in the|area|room)|灭火器|消防通道|消防设施|防火|打火机|火车|红火|上火|火爆|火候|香烟|抽烟|吸烟|急救包|急救箱"
)
# A message that says nobody came to harm: its alarming words tell of something else.
_UNHARMED = re.compile(
    r"\b(?:nobody|no one|no-one|none of us) (?:was|got|is|were) (?:hurt|injured|harmed)|"
    r"(?:has|have)n'?t been (?:hurt|injured|harmed)|(?:didn'?t|did not) (?:cut|hurt|injure) (?:myself|himself|herself)|"
    r"(?:didn'?t|did not) (?:burn|hurt|injure|scald) (?:anyone|anybody)|\bno harm done\b|\bnothing'?s wrong\b|"
    r"没(?:有)?(?:人)?受伤|没人受伤|无人受伤|没有人受伤|人没事|都没事|没(?:有)?(?:烫|伤|砸)到(?:人|谁)"
)
# A question about what would happen, or what to do, if something happened: not happening.
_HYPOTHETICAL = re.compile(
    r"^\W*(?:what (?:if|happens if|would happen if|should|do)|what'?s the (?:plan|procedure|process) (?:if|when|for)|"
    r"if (?:i|we|my|our|a|the|there|someone|your)|in case|should (?:i|we)|do you (?:have|keep|offer|notify)|"
    r"is there an?|are there|are (?:staff|your staff)|will (?:staff|you)|does (?:the|your))\b.*\?\s*$|"
    r"(?:如果|万一|假如|要是|若是|一旦|若).{0,40}(?:吗|呢|么|怎么|怎样|如何|哪|能不能|会不会|是否|？|\?)|"
    r"^[^，,。！？!?]{0,12}有(?:没有)?[^，,。！？!?]{0,16}吗[？?]?\s*$|"
    r"\bif\b[^.!]*\?\s*$|风险.{0,6}[？?]|(?:险|保障|理赔|报案).{0,12}(?:吗|怎么|流程|[？?])|包不包括"
)
# Over already: the message says it is repaired, handled or reported.
_OVER = re.compile(
    r"\b(?:was|were|has been|have been|got) (?:repaired|fixed|handled|sorted|resolved|put out|dealt with)\b|"
    r"\bthe fire brigade (?:already )?came|\b(?:it'?s|it is|they'?re|they are) (?:fixed|repaired|sorted) now\b|"
    r"已经(?:修复|修好|处理|解决|立案|结痂|恢复|报警|报案)|已修复|处理了也|派出所已经|"
    r"\beveryone(?:'s| is| was) (?:fine|ok|okay|safe)\b|(?:已经|现在|后来)?没事了|缓过来了|都正常了"
)


@dataclass(frozen=True)
class Alarm:
    """Why a message needs someone now: the kind and the words that said so."""

    kind: str
    evidence: str

    @property
    def reason(self) -> str:
        """What triage records as the reason for the fields the alarm sets."""
        return f"safety: {self.evidence}"


def _negated(sentence: str, start: int) -> bool:
    before = sentence[max(0, start - 24) : start]
    return _NEGATED_BEFORE.search(before) is not None


def _over(value: str) -> bool:
    """The message says nobody was hurt, or that it is over (repaired, handled, in the past)
    and nothing says it is happening now."""
    return bool(
        _UNHARMED.search(value) or ((_OVER.search(value) or _PAST.search(value)) and not _NOW.search(value))
    )


def _live(sentence: str) -> bool:
    """A sentence about now: not "no longer", not "what if…?"."""
    if _NOW.search(sentence):
        return True
    return not (_NOT_NOW.search(sentence) or _HYPOTHETICAL.search(sentence.strip()))


def calm(text: object) -> bool:
    """Whether the message itself says there is nothing to do now: empty, over, nobody hurt,
    or only questions about what-if and things no longer happening. The learned head is not
    asked about such a message."""
    value = normalize(text)
    sentences = _SENTENCE.findall(value)
    return not value or _over(value) or not any(_live(s) and not _FALSE_FRIENDS.search(s) for s in sentences)


def alarm(text: object) -> Alarm | None:
    """The first kind of immediate need the text states, with the phrase that states it; None
    for a calm message."""
    value = normalize(text)
    if not value or _over(value):
        return None
    for sentence in filter(_live, _SENTENCE.findall(value)):
        plain = _FALSE_FRIENDS.sub(" ", _FIGURATIVE.sub(" ", sentence))
        for kind, patterns in _COMPILED.items():
            for pattern in patterns:
                for found in pattern.finditer(plain):
                    if not _negated(plain, found.start()):
                        return Alarm(kind=kind, evidence=found.group(0).strip()[:80])
    return None


def alarms(texts: Sequence[object], *, learned: bool = True) -> list[Alarm | None]:
    """Each text's alarm: the phrases first; where they find nothing, the message does not say
    it is over or hypothetical (`calm`) and `learned` is set, the learned head
    (`voxloop.text.urgency`), which reads the words and the meaning."""
    found = [alarm(t) for t in texts]
    model = urgency.shipped() if learned else None
    rest = [i for i, a in enumerate(found) if a is None and not calm(texts[i])]
    if model is None or not rest:
        return found
    for i, (p, kind) in zip(rest, model.predict([texts[i] for i in rest]), strict=True):
        if kind is not None:
            found[i] = Alarm(kind=kind, evidence=f"learned model, p = {p:.2f}")
    return found
