"""Where webhooks may go: http(s) URLs whose host resolves only to public addresses, unless the
deployment allows private ones (VOXLOOP_WEBHOOK_ALLOW_PRIVATE) — so a subscription cannot make
Voxloop call its own database, the cloud metadata service or the office network (SSRF)."""

import ipaddress
import socket
from urllib.parse import urlsplit


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def problem(url: str, *, allow_private: bool) -> str | None:
    """Why `url` may not receive webhooks, or None when it may."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    try:
        addresses = _addresses(parts.hostname, port)
    except (socket.gaierror, UnicodeError):
        return f"host {parts.hostname} does not resolve"
    if not allow_private:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                return f"resolves to a private or reserved address ({address}); not allowed"
    return None
