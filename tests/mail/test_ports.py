"""A listener is not started on a port something else listens on (aiosmtpd would wait its
ready timeout to find out)."""

import socket

from voxloop.common import ports
from voxloop.mail import catcher


def test_a_port_with_a_listener_is_taken_and_the_catcher_leaves_it():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert ports.taken("127.0.0.1", port)
        assert catcher.start(port=port) is None
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        unused = free.getsockname()[1]
    assert not ports.taken("127.0.0.1", unused)
