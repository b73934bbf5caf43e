"""Whether a local port is free, asked before starting a listener on it: aiosmtpd's
controller, given a taken port, waits its whole ready timeout (5 s) before it says so."""

import socket


def taken(host: str, port: int) -> bool:
    """True when something listens on host:port already (a bind there fails)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False
