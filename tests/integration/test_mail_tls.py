"""SMTP with STARTTLS and a login, and with implicit TLS, against a real server in process
whose certificate the test makes (openssl) and trusts through SITHSFLOW_SMTP_CA_FILE."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult
from aiosmtpd.smtp import LoginPassword

from engine.services.mail_transport import DeliveryFailed
from engine.services.mail_transport import MailSettings
from tests.support.smtp import smtp_server

SENDER = "sithsflow@region-demo.example"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def only_ops_with_secret(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"ops",
        b"secret",
    )
    return AuthResult(success=ok, handled=False)


def message() -> EmailMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = SENDER, "david@region-demo.example", "Hej"
    email.set_content("R15")
    return email


def send_once(settings: MailSettings) -> None:
    """One message on its own connection, closed after, as a delivery pass does."""
    transport = settings.transport()
    try:
        transport.send(message())
    finally:
        transport.close()


def test_starttls_with_a_login_delivers(certificate: tuple[Path, Path]) -> None:
    options = dict(
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=only_ops_with_secret,
        auth_required=True,
    )
    with smtp_server(**options) as (mailbox, port):
        env = {
            "SITHSFLOW_SMTP_URL": f"smtp+starttls://ops@127.0.0.1:{port}",
            "SITHSFLOW_SMTP_PASSWORD": "secret",
            "SITHSFLOW_SMTP_CA_FILE": str(certificate[0]),
        }
        send_once(MailSettings.from_env(Path("/x"), env))
        assert [m["Subject"] for m in mailbox.received()] == ["Hej"]
        # A wrong password is a failed delivery with the server's answer, not a crash.
        wrong = MailSettings.from_env(Path("/x"), {**env, "SITHSFLOW_SMTP_PASSWORD": "nope"})
        with pytest.raises(DeliveryFailed, match="535"):
            send_once(wrong)


def test_starttls_refuses_a_server_certificate_it_does_not_trust(
    certificate: tuple[Path, Path],
) -> None:
    with smtp_server(tls_context=server_context(certificate), require_starttls=True) as (
        mailbox,
        port,
    ):
        settings = MailSettings.from_url(f"smtp+starttls://127.0.0.1:{port}", SENDER)
        with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
            send_once(settings)
        assert mailbox.received() == []


def test_implicit_tls_delivers(certificate: tuple[Path, Path]) -> None:
    with smtp_server(ssl_context=server_context(certificate)) as (mailbox, port):
        env = {
            "SITHSFLOW_SMTP_URL": f"smtps://127.0.0.1:{port}",
            "SITHSFLOW_SMTP_CA_FILE": str(certificate[0]),
        }
        send_once(MailSettings.from_env(Path("/x"), env))
        assert len(mailbox.received()) == 1
