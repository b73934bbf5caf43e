"""How Voxloop signs a webhook, and how a receiver checks it.

The signature is HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret, sent as
`X-Voxloop-Signature: sha256=<hex>` beside `X-Voxloop-Timestamp` (Unix seconds). A receiver
recomputes it, compares in constant time and refuses old timestamps (replays).
"""

import hashlib
import hmac

TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)
