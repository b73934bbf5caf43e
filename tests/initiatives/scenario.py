"""Eight weeks in which half the feedback is about the Wi-Fi dropping (a common problem), then
an initiative, then four weeks in which one record in ten still is."""

from datetime import datetime, timedelta

from tests.themes.scenario import WIFI

OTHER = [
    "早餐种类太少，每天都一样",
    "前台办理入住太慢了",
    "房间隔音太差，晚上很吵",
    "停车场太小，找不到车位",
    "浴室有异味，毛巾也不干净",
    "空调遥控器坏了",
    "电梯等了很久",
    "退房结账排队太久",
    "枕头太硬，睡不好",
    "房间里的热水壶很脏",
]


def items(start: datetime, days: int, per_day: int, wifi_every: int, tag: str) -> list[dict[str, object]]:
    """`per_day` records a day for `days` days from `start`; every `wifi_every`-th about Wi-Fi."""
    out: list[dict[str, object]] = []
    n = 0
    for day in range(days):
        for k in range(per_day):
            n += 1
            wifi = n % wifi_every == 0
            text = WIFI[n % len(WIFI)] if wifi else OTHER[n % len(OTHER)]
            out.append(
                {
                    "description": text,
                    "branch": ("西湖店", "外滩店", "国贸店")[n % 3],
                    "customer": {"email": f"{tag}-{n}@example.com"},
                    "received_at": (start + timedelta(days=day, hours=2 + k)).isoformat(),
                }
            )
    return out
