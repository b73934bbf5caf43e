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


def _login_limits(request: Request, email: str) -> list[tuple[str, str]]:
    """Failed sign-ins allowed per account from one address, and per address in all."""
    settings = get_settings()
    ip = client_ip(request)
    return [
        (settings.login_failures_per_account, f"{ip}:{email.strip().lower()}"),
        (settings.login_failures_per_ip, ip),
    ]


def login_wait(request: Request, email: str) -> int:
    """Seconds before this address may try this account again (0: it may now). Brute force
    meets a lockout that lifts by itself, per account and address, so an attacker elsewhere
    cannot lock the real user out."""
    limiter = _limiter()
    wait = 0
    for rate, key in _login_limits(request, email):
        item = parse(rate)
        if not limiter.test(item, "login", key):
            reset_at, _ = limiter.get_window_stats(item, "login", key)
            wait = max(wait, max(1, int(reset_at - time.time())))
    return wait


def login_failed(request: Request, email: str) -> None:
    limiter = _limiter()
    for rate, key in _login_limits(request, email):
        limiter.hit(parse(rate), "login", key)


def login_succeeded(request: Request, email: str) -> None:
    """A right password forgets this account's failures from this address."""
    rate, key = _login_limits(request, email)[0]
    _limiter().clear(parse(rate), "login", key)
