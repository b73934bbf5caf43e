"""Rate limits for the public endpoints, per client IP and per organization."""

import time
from functools import lru_cache

from fastapi import Request
from limits import parse, storage, strategies

from voxloop.config import get_settings
from voxloop.errors import RateLimited


@lru_cache
def _limiter() -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(get_settings().rate_limit_storage))


def reset() -> None:
    _limiter.cache_clear()


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_public(request: Request, org_slug: str) -> None:
    """Raise 429 when this IP, or the organization as a whole, sends too much."""
    settings = get_settings()
    limiter = _limiter()
    for rate, key in (
        (settings.public_rate_per_ip, f"ip:{client_ip(request)}"),
        (settings.public_rate_per_org, f"org:{org_slug}"),
    ):
        item = parse(rate)
        if not limiter.hit(item, "public", key):
            reset_at, _ = limiter.get_window_stats(item, "public", key)
            retry = max(1, int(reset_at - time.time()))
            raise RateLimited(headers={"Retry-After": str(retry)})
