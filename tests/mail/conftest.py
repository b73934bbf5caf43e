"""A real IMAP server for the email-intake tests: Debian's Dovecot, started per session in a
temporary directory on a free port, users in a passwd file."""

import imaplib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class Dovecot:
    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port, self.host = root, port, "127.0.0.1"

    def add_user(self, user: str, password: str) -> None:
        with open(self.root / "passwd", "a") as f:
            f.write(f"{user}:{{PLAIN}}{password}\n")

    def deliver(self, user: str, password: str, raw: bytes) -> None:
        """Put a message in the user's INBOX, as a mail server would."""
        conn = imaplib.IMAP4(self.host, self.port)
        conn.login(user, password)
        conn.append("INBOX", None, None, raw)
        conn.logout()

    def unseen(self, user: str, password: str) -> int:
        conn = imaplib.IMAP4(self.host, self.port)
        conn.login(user, password)
        conn.select("INBOX")
        _, found = conn.search(None, "UNSEEN")
        conn.logout()
        return len((found[0] or b"").split())


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.fail("Dovecot is missing: install it with `make mailserver` (part of `make test`).")
    # Not under pytest's private temporary directory: Dovecot's own users must read the files.
    root = Path(tempfile.mkdtemp(prefix="voxloop-dovecot-"))
    root.chmod(0o755)
    for d in ("run", "state", "home"):
        (root / d).mkdir()
    shutil.chown(root / "home", "nobody", "nogroup")
    (root / "passwd").write_text("")
    port = free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port))
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True)
    server = Dovecot(root, port)
    for _ in range(50):
        try:
            imaplib.IMAP4(server.host, port).logout()
            break
        except OSError:
            time.sleep(0.1)
    yield server
    subprocess.run([binary, "-c", str(root / "dovecot.conf"), "stop"], check=False)
    shutil.rmtree(root, ignore_errors=True)
