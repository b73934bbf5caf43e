"""A hotel group's last five weeks: this week's Wi-Fi complaints come from six guests at three
hotels (a common problem, new this week); one guest keeps complaining about breakfast, as a
guest or two did every week before (an individual problem)."""

from datetime import timedelta

from voxloop.common.time import utcnow

WIFI = [
    "房间的无线网络总是断线",
    "无线网络断线，视频会议开不了",
    "网络断线好几次，无线信号很差",
    "无线网络一直断线，希望尽快修好",
    "晚上无线网络断线，没法工作",
    "房间无线网络信号差，经常断线",
]
BREAKFAST = ["早餐种类太少，每天都一样", "早餐种类少，没有热菜", "早餐的种类太少了"]
HOTELS = ["西湖店", "外滩店", "国贸店"]


def items() -> list[dict[str, object]]:
    now = utcnow()
    out: list[dict[str, object]] = []
    for n, text in enumerate(WIFI):
        out.append(
            {
                "description": text,
                "branch": HOTELS[n % 3],
                "customer": {"email": f"guest{n}@example.com"},
                "received_at": (now - timedelta(days=1, hours=n)).isoformat(),
            }
        )
    for n, text in enumerate(BREAKFAST):
        out.append(
            {
                "description": text,
                "branch": "西湖店",
                "customer": {"email": "regular@example.com"},
                "received_at": (now - timedelta(days=2, hours=n)).isoformat(),
            }
        )
    for week in range(1, 5):
        for n, text in enumerate(BREAKFAST[:2]):
            out.append(
                {
                    "description": text,
                    "branch": "西湖店",
                    "received_at": (now - timedelta(days=7 * week + 2, hours=n)).isoformat(),
                }
            )
    out.append({"description": "前台服务非常好，谢谢", "received_at": (now - timedelta(days=1)).isoformat()})
    return out
