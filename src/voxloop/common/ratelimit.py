"""Rate limits for the public endpoints, per client IP and per organization."""

import threading
import time
from functools import lru_cache

from fastapi import Request
from limits import parse, storage, strategies

from voxloop.config import get_settings
from voxloop.errors import RateLimited

_limiter_lock = threading.Lock()


@lru_cache
def _new_limiter() -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(get_settings().rate_limit_storage))


def _limiter() -> strategies.MovingWindowRateLimiter:
    # lru_cache does not stop two threads from both building the first one: requests arriving
    # together would then each count in a limiter of their own.
    with _limiter_lock:
        return _new_limiter()


def reset() -> None:
    with _limiter_lock:
        _new_limiter.cache_clear()


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
    """Sign-in attempts allowed per address in all, and per account from one address."""
    settings = get_settings()
    ip = client_ip(request)
    return [
        (settings.login_failures_per_ip, ip),
        (settings.login_failures_per_account, f"{ip}:{email.strip().lower()}"),
    ]


def login_attempt(request: Request, email: str) -> int:
    """Count a sign-in attempt before its password is checked: seconds to wait when this
    address may not try this account now, else 0. Counting first (an atomic hit) means guesses
    sent all at once cannot all be checked while the first ones are still running. The lockout
    lifts by itself and is per account and address, so an attacker elsewhere cannot lock the
    real user out."""
    limiter = _limiter()
    for rate, key in _login_limits(request, email):
        item = parse(rate)
        if not limiter.hit(item, "login", key):
            reset_at, _ = limiter.get_window_stats(item, "login", key)
            return max(1, int(reset_at - time.time()))
    return 0


def login_succeeded(request: Request, email: str) -> None:
    """A right password forgets this account's attempts from this address."""
    rate, key = _login_limits(request, email)[1]
    _limiter().clear(parse(rate), "login", key)
