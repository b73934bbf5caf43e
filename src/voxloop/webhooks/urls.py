"""Where webhooks may go: http(s) URLs whose host resolves only to public addresses, unless the
deployment allows private ones (VOXLOOP_WEBHOOK_ALLOW_PRIVATE) — so a subscription cannot make
Voxloop call its own database, the cloud metadata service or the office network (SSRF).

The name is resolved once per delivery and the request goes to the address that was checked
(`Target.address`): resolving it again to connect would let a name that answers a public
address for the check and a private one a moment later (DNS rebinding) reach the inside."""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses the host has now
Resolver = Callable[[str, int], list[Address]]


def resolve(host: str, port: int) -> list[Address]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


class Refused(ValueError):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Target:
    """A URL that may receive webhooks, and the checked address to connect to for it."""

    url: str
    host: str
    address: Address


def check(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> Target:
    """Resolve `url`'s host once and check every address it has; raises Refused."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("is not a URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise Refused("must not carry a user name or password")
    try:
        addresses = resolver(parts.hostname, port)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"host {parts.hostname} does not resolve") from exc
    if not addresses:
        raise Refused(f"host {parts.hostname} does not resolve")
    if not allow_private:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise Refused(f"resolves to a private or reserved address ({address}); not allowed")
    return Target(url=url, host=parts.hostname, address=addresses[0])


def problem(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> str | None:
    """Why `url` may not receive webhooks, or None when it may."""
    try:
        check(url, allow_private=allow_private, resolver=resolver)
    except Refused as exc:
        return str(exc)
    return None
