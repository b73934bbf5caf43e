"""The demo's feedback texts: hotel templates with varied details, and real review sentences
from the shared corpora (restaurant and food reviews, read at load time, never copied here).

Pure functions over a seeded `random.Random`, so the demo is the same on every machine."""

import random
from dataclasses import dataclass
from datetime import datetime

from voxloop.text import corpora


@dataclass(frozen=True)
class Text:
    lang: str
    touchpoint: str
    product: str
    text: str
    ask: str | None
    topic: str


@dataclass(frozen=True)
class Topic:
    """One kind of feedback: where it happens (zh, en), sentence frames and what guests ask for."""

    touchpoint: tuple[str, str]
    product: tuple[str, str]
    zh: tuple[str, ...]
    en: tuple[str, ...]
    zh_asks: tuple[str, ...] = ()
    en_asks: tuple[str, ...] = ()


TOPICS: dict[str, Topic] = {
    "aircon": Topic(
        ("客房", "Room"),
        ("空调", "Air conditioning"),
        (
            "{room}房间的空调从{when_zh}就坏了，一直吹热风，打了{n}次电话都没人来修。",
            "空调噪音特别大，{room}房间开到{temp}度还是闷热，根本睡不着。",
            "{room}的空调遥控器失灵，温度调不下来，前台说{minutes}分钟内派人，结果没人来。",
        ),
        (
            "The air conditioning in room {room} has not worked since {when_en}; "
            "I called {n} times and nobody came.",
            "Room {room} stays at {temp} degrees whatever we set, and the AC unit rattles all night.",
            "The AC in {room} blows warm air. The front desk promised someone within {minutes} minutes; "
            "no one showed up.",
        ),
        ("请尽快派人维修，或者给我换个房间。", "请工程部今天处理好。"),
        ("Fix it tonight or move me.", "Please send an engineer today."),
    ),
    "checkout": Topic(
        ("退房", "Checkout"),
        ("前台服务", "Front desk"),
        (
            "{when_zh}退房排队排了{minutes}分钟，只开了一个窗口，差点误了高铁。",
            "退房时查房查了{minutes}分钟，前台{staff_zh}一直说在等客房部回电话。",
            "早上退房的人很多，{n}个窗口只开了一个，{minutes}分钟才轮到我。",
        ),
        (
            "Checkout took {minutes} minutes {when_en}; only one desk was open and I nearly missed my train.",
            "We waited {minutes} minutes at checkout while they 'checked the minibar' in room {room}.",
        ),
        ("高峰时段请多开几个窗口。",),
        ("Please open more desks in the morning rush.",),
    ),
    "breakfast": Topic(
        ("早餐", "Breakfast"),
        ("自助早餐", "Buffet breakfast"),
        (
            "早餐等位太久了，{clock_zh}左右要排{minutes}分钟，而且热菜补得很慢。",
            "早餐厅人太多，等了{minutes}分钟才有座位，{dish_zh}早早就没有了。",
            "{when_zh}早上带{n}个孩子去吃早餐，门口排了长队，进去还找不到座位。",
            "早餐时段太挤了，{clock_zh}去的时候连餐盘都不够，服务员说每天都这样。",
            "早餐排队等了{minutes}分钟才进餐厅，等待时间太长，队伍排到了电梯口。",
        ),
        (
            "Waited {minutes} minutes for a table at breakfast around {clock_en}, and the {dish_en} ran out.",
            "Breakfast is far too crowded: a queue at the door at {clock_en} and no free tables inside.",
            "We queued {minutes} minutes for breakfast {when_en} with {n} kids; "
            "staff said it is like this every day.",
            "The waiting time for breakfast is ridiculous: {minutes} minutes in a queue at {clock_en}.",
        ),
        ("希望增加座位或者分时段用餐。", "建议早餐延长供应时间。"),
        ("Please add seating or stagger breakfast times.",),
    ),
    "wifi": Topic(
        ("客房", "Room"),
        ("网络", "Wi-Fi"),
        (
            "房间无线网络一直断线，{room}房间每隔{n}分钟就掉一次，视频会议根本开不了。",
            "{floor}楼的WiFi信号特别差，{when_zh}晚上几乎连不上，手机只能用流量。",
            "网络太不稳定了，{when_zh}开会掉线{n}次，前台说在修但一直没好。",
        ),
        (
            "The Wi-Fi keeps dropping every {n} minutes in room {room}; I could not join my video calls.",
            "Wi-Fi on floor {floor} is unusable {when_en}: it connects, then drops, again and again.",
            "I lost my connection {n} times during one meeting. "
            "The front desk said they were fixing the Wi-Fi.",
        ),
        ("请检查网络。", "希望尽快修好网络，不然只能换酒店。"),
        ("Please check the router on floor {floor}.", "Please fix the Wi-Fi, I work from the room."),
    ),
    "cleanliness": Topic(
        ("客房", "Room"),
        ("客房清洁", "Housekeeping"),
        (
            "{room}房间卫生间有头发，毛巾也有异味，感觉没有认真打扫。",
            "入住{room}发现床单上有污渍，{when_zh}换了一次还是不干净。",
            "房间地毯很脏，浴缸边上有水垢，这个价位不应该这样。",
        ),
        (
            "Hair in the bathroom of room {room} and the towels smelled; it did not feel cleaned.",
            "There was a stain on the sheets in {room}; they changed them {when_en} "
            "and the new ones were not clean either.",
        ),
        ("请重新打扫并更换毛巾。",),
        ("Please clean the room again.",),
    ),
    "noise": Topic(
        ("客房", "Room"),
        ("客房", "Room"),
        (
            "隔音太差了，隔壁说话听得一清二楚，{when_zh}一晚上没睡好。",
            "{room}房间正对电梯，凌晨{n}点还有人推行李车，吵得睡不着。",
        ),
        (
            "The walls are very thin; I could hear the neighbours in room {room} all night.",
            "Our room {room} is next to the lift and the noise went on until {n} am.",
        ),
        ("希望能给个说法。",),
        ("Please move us to a quieter room.",),
    ),
    "billing": Topic(
        ("账单", "Billing"),
        ("前台服务", "Front desk"),
        (
            "账单上多收了一晚的房费，我明明只住了{n}晚，多扣了{amount}元，请核实退款。",
            "押金{amount}元退房后{n}天了还没退回来，打电话也说不清楚。",
            "迷你吧我一样没动，账单上却有{amount}元的消费。",
        ),
        (
            "I was charged {amount} yuan twice for the deposit when I checked in. "
            "Please refund the duplicate charge.",
            "The bill included a minibar charge of {amount} yuan for items I never took.",
            "My deposit of {amount} yuan has still not come back {n} days after checkout.",
        ),
        ("退还多收的费用。",),
        ("Refund the wrong charge.",),
    ),
    "room_ready": Topic(
        ("入住", "Check-in"),
        ("前台服务", "Front desk"),
        (
            "{clock_pm_zh}到店，房间还没打扫好，让我们在大堂等了{minutes}分钟。",
            "预订的是大床房，到了说只剩双床，还让我们等了{minutes}分钟。",
        ),
        (
            "Our room was not ready at {clock_pm_en} and we waited {minutes} minutes in the lobby "
            "with two tired kids.",
            "We booked a king room and were told at {clock_pm_en} that only twins were left.",
        ),
    ),
    "room_service": Topic(
        ("送餐", "Room service"),
        ("客房送餐", "In-room dining"),
        (
            "客房送餐等了{minutes}分钟，送到的时候{dish_zh}都凉了。",
            "{when_zh}晚上点的送餐少送了一份，打电话过去又等了{minutes}分钟。",
        ),
        (
            "Room service took {minutes} minutes and the {dish_en} arrived cold.",
            "We ordered room service to {room} {when_en}; one dish was missing "
            "and the fix took {minutes} more minutes.",
        ),
        ("希望能退一部分费用。",),
        ("Partial refund please.",),
    ),
    "hot_water": Topic(
        ("客房", "Room"),
        ("热水", "Hot water"),
        (
            "{room}洗澡的时候热水忽冷忽热，水压也很小。",
            "{when_zh}晚上{n}点以后就没有热水了，放了{minutes}分钟还是凉的。",
        ),
        ("No hot water in room {room} after {n} pm; we let it run {minutes} minutes.",),
        ("请工程部检查一下。",),
        ("Please have engineering look at it.",),
    ),
    "gym_pool": Topic(
        ("健身房", "Gym"),
        ("健身房", "Gym"),
        (
            "健身房跑步机有{n}台坏了，贴了维修中的牌子好几天了。",
            "游泳池水有点浑，开放时间也太短了，{clock_pm_zh}就关门。",
        ),
        (
            "{n} treadmills in the gym have been out of order for days.",
            "The pool closes at {clock_pm_en}, far too early for business travellers.",
        ),
    ),
    "wakeup": Topic(
        ("叫醒", "Wake-up call"),
        ("前台服务", "Front desk"),
        ("预约了{clock_zh}的叫醒服务，结果没有人打电话，差点误了航班。",),
        ("I booked a wake-up call for {clock_en} and nobody called; I almost missed my flight.",),
        ("请解释原因。",),
        ("Please explain what happened.",),
    ),
    "staff_praise": Topic(
        ("入住", "Check-in"),
        ("前台服务", "Front desk"),
        (
            "前台{staff_zh}服务特别热情，主动帮我们升级了房型，还送了欢迎水果，非常感谢！",
            "礼宾部的{staff_zh}帮我们叫车、寄存行李，{when_zh}下雨还送了伞，很贴心。",
            "入住{n}晚，每位员工都很有礼貌，特别是{staff_zh}，下次还会选择这里。",
        ),
        (
            "{staff_en} at the front desk was wonderful: a free upgrade and fruit in the room. Thank you!",
            "The concierge {staff_en} booked our taxis and lent us an umbrella {when_en}. Very kind.",
        ),
    ),
    "housekeeping_praise": Topic(
        ("客房", "Room"),
        ("客房清洁", "Housekeeping"),
        (
            "保洁阿姨非常细心，把我落下的充电器收好还留了字条，很感动。",
            "{room}房间很干净，床也很舒服，住了{n}晚每天都收拾得很整齐。",
        ),
        (
            "Housekeeping did a wonderful job, room {room} was spotless every day. Thank you!",
            "I left my charger in {room} and housekeeping kept it with a note. Lovely touch.",
        ),
    ),
    "restaurant_praise": Topic(
        ("餐厅", "Restaurant"),
        ("中餐厅", "Chinese restaurant"),
        ("中餐厅的{dish_zh}味道很正宗，服务员{staff_zh}推荐得很好，下次还来。",),
        ("Excellent dinner; {staff_en} recommended the {dish_en} and it was perfectly cooked.",),
    ),
    "late_checkout": Topic(
        ("预订", "Booking"),
        ("会员", "Loyalty programme"),
        (
            "建议会员可以延迟退房到下午{n}点，出差的客人会很需要。",
            "建议早餐增加一些清真和素食选项。",
            "建议在房间里放一份中英文的设施指南，找{facility_zh}找了半天。",
        ),
        (
            "It would be great if members could get a late check-out until {n} pm.",
            "Please add vegetarian and halal options to the breakfast buffet.",
            "A small guide to the {facility_en} in the room would help; it took us ages to find it.",
        ),
    ),
    "question": Topic(
        ("礼宾", "Concierge"),
        ("行李寄存", "Luggage storage"),
        (
            "请问行李寄存最长可以放几天？{when_zh}还要回来入住。",
            "请问可以开增值税专用发票吗？需要提供哪些信息？",
            "请问{facility_zh}几点开放？需要提前预约吗？",
        ),
        (
            "Is there a shuttle to the airport early in the morning, around {n} am?",
            "What time does the {facility_en} open, and do I need to book?",
        ),
    ),
    "parking": Topic(
        ("停车", "Parking"),
        ("停车场", "Car park"),
        ("停车场指示不清楚，绕了{n}圈才找到入口，收费{amount}元也没有公示。",),
        (
            "The car park signs are confusing and we were charged {amount} yuan "
            "without any notice of the rates.",
        ),
    ),
}

# How often each topic comes up in an ordinary month (the two problems come on top).
WEIGHTS = {
    "aircon": 5, "checkout": 5, "breakfast": 4, "wifi": 3, "cleanliness": 6, "noise": 5,
    "billing": 5, "room_ready": 4, "room_service": 3, "hot_water": 3, "gym_pool": 2, "wakeup": 2,
    "staff_praise": 7, "housekeeping_praise": 5, "restaurant_praise": 4, "late_checkout": 4,
    "question": 4, "parking": 2,
}  # fmt: skip

_WHEN = (
    ("昨晚", "last night"), ("今天", "today"), ("周一", "on Monday"), ("周五", "on Friday"),
    ("周末", "at the weekend"), ("前天", "the day before yesterday"), ("入住当天", "on arrival"),
)  # fmt: skip
_CLOCK = (("七点", "7 am"), ("七点半", "7:30"), ("八点", "8 am"), ("八点半", "8:30"), ("九点", "9 am"))
_CLOCK_PM = (("下午两点", "2 pm"), ("下午三点", "3 pm"), ("下午四点", "4 pm"), ("晚上九点", "9 pm"))
_DISH = (
    ("小笼包", "dumplings"), ("煎蛋", "fried eggs"), ("东坡肉", "braised pork"), ("牛肉面", "beef noodles"),
    ("水果", "fruit"), ("咖啡", "coffee"), ("粥", "congee"), ("牛排", "steak"),
)  # fmt: skip
_FACILITY = (
    ("健身房", "gym"), ("游泳池", "pool"), ("洗衣房", "laundry room"), ("行政酒廊", "executive lounge"),
    ("商务中心", "business centre"), ("儿童乐园", "kids' club"),
)  # fmt: skip
_STAFF_ZH = ("小王", "小李", "小张", "小陈", "小刘", "小周", "小吴", "小郑")
_STAFF_EN = ("Lily", "Kevin", "Grace", "Tony", "Amy", "Jason", "Mia", "Leo")


def _details(rng: random.Random) -> dict[str, object]:
    floor = rng.randint(3, 28)
    when, clock, clock_pm = rng.choice(_WHEN), rng.choice(_CLOCK), rng.choice(_CLOCK_PM)
    dish, facility = rng.choice(_DISH), rng.choice(_FACILITY)
    return {
        "floor": floor,
        "room": f"{floor}{rng.randint(1, 36):02d}",
        "n": rng.randint(2, 5),
        "minutes": rng.choice((15, 20, 25, 30, 35, 40, 45, 50, 60)),
        "amount": rng.randrange(68, 1280, 10),
        "temp": rng.randint(26, 30),
        "when_zh": when[0], "when_en": when[1], "clock_zh": clock[0], "clock_en": clock[1],
        "clock_pm_zh": clock_pm[0], "clock_pm_en": clock_pm[1], "dish_zh": dish[0], "dish_en": dish[1],
        "facility_zh": facility[0], "facility_en": facility[1],
        "staff_zh": rng.choice(_STAFF_ZH), "staff_en": rng.choice(_STAFF_EN),
    }  # fmt: skip


def from_template(rng: random.Random, topic: str, lang: str) -> Text:
    """One text about `topic` in `lang`, its details (rooms, times, amounts, names) drawn anew."""
    t = TOPICS[topic]
    zh = lang == "zh"
    details = _details(rng)
    asks = t.zh_asks if zh else t.en_asks
    ask = rng.choice(asks).format(**details) if asks and rng.random() < 0.6 else None
    return Text(
        lang=lang,
        touchpoint=t.touchpoint[0 if zh else 1],
        product=t.product[0 if zh else 1],
        text=rng.choice(t.zh if zh else t.en).format(**details),
        ask=ask,
        topic=topic,
    )


# Corpus sentences that read as something else than a hotel (delivery riders, platforms) are left out.
_NOT_HOTEL = (
    "外卖",
    "骑手",
    "商家",
    "快递",
    "送货",
    "小哥",
    "店家",
    "美团",
    "饿了么",
    "百度",
    "配送",
    "老板",
)  # noqa: E501


def from_corpora(rng: random.Random, zh: int, en: int) -> list[Text]:
    """Real review sentences as restaurant and room-service feedback: food-delivery reviews
    (zh, waimai_10k, research use) and Yelp restaurant sentences (en, UCI, CC BY 4.0). Empty
    when the shared data folder is missing: the templates carry the demo alone then."""
    try:
        zh_frame = corpora.zh_reviews()
        en_frame = corpora.en_sentences()
    except FileNotFoundError:
        return []
    food = zh_frame[zh_frame["domain"] == "外卖"]["text"].str.strip()
    food = food[food.str.len().between(8, 80) & ~food.str.contains("|".join(_NOT_HOTEL))]
    yelp = en_frame[en_frame["domain"] == "yelp"]["text"].str.strip()
    yelp = yelp[yelp.str.len().between(25, 200)]
    out = []
    for text in rng.sample(sorted(set(food)), min(zh, food.nunique())):
        prefix = rng.choice(("", "晚上点了客房送餐，", "在房间叫了送餐：", "客房送餐："))
        out.append(Text("zh", "送餐", "客房送餐", prefix + text, None, "corpus"))
    for text in rng.sample(sorted(set(yelp)), min(en, yelp.nunique())):
        prefix = rng.choice(("", "Dinner at the hotel restaurant: ", "About the restaurant downstairs: "))
        out.append(Text("en", "Restaurant", "Western restaurant", prefix + text, None, "corpus"))
    return out


# Seasons of a Chinese hotel group: summer holidays, Golden Week, Spring Festival travel.
def season(day: datetime) -> float:
    """How busy a day is, relative to an ordinary day."""
    if day.month == 10 and day.day <= 7:
        return 2.5
    if (day.month == 7 and day.day >= 10) or day.month == 8:
        return 1.7
    if day.month in (1, 2):
        return 1.2
    if day.month == 5 and day.day <= 5:
        return 1.8
    return 1.0
