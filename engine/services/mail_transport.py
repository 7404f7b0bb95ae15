"""Where the outbox's e-mails go: an SMTP server, or `.eml` files in a folder (the demo).

Configured by the environment, read once by the adapter (`MailSettings.from_env`) and
passed in, like `engine.settings.Settings`:

    SITHSFLOW_SMTP_URL       smtp://[user@]host[:25]        plain SMTP (a relay on localhost)
                             smtp+starttls://user@host[:587] STARTTLS before AUTH
                             smtps://user@host[:465]        implicit TLS
                             file:/path/to/folder           write .eml files (no sending)
                             unset: file:<instance>/mail, the demo's sink
    SITHSFLOW_SMTP_PASSWORD  the password for the user in the URL (kept out of the URL)
    SITHSFLOW_MAIL_FROM      the From address (default sithsflow@localhost)
    SITHSFLOW_SMTP_TIMEOUT   seconds for connecting and for each SMTP command (default 30)
    SITHSFLOW_SMTP_CA_FILE   certificates to trust for TLS instead of the system's (a
                             private CA); the server's name is always checked

A transport raises `DeliveryFailed` for anything that kept the message from being
accepted; `engine.services.delivery` decides about retries.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote
from urllib.parse import urlsplit

from engine.errors import Invalid

SECURITY_NONE = "none"
SECURITY_STARTTLS = "starttls"
SECURITY_TLS = "tls"
SCHEMES = {
    "smtp": (SECURITY_NONE, 25),
    "smtp+starttls": (SECURITY_STARTTLS, 587),
    "smtps": (SECURITY_TLS, 465),
}
DEFAULT_FROM = "sithsflow@localhost"
DEFAULT_TIMEOUT_S = 30.0
MAIL_FOLDER = "mail"


class DeliveryFailed(Exception):
    """The server (or the folder) did not take the message; the reason, for the operator."""


class Transport(Protocol):
    """Hands one message over; raises `DeliveryFailed` when it was not accepted.

    `close()` ends what a pass opened (an SMTP connection); the next `send` opens anew.
    """

    @property
    def description(self) -> str: ...

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class MailSettings:
    """SITHSFLOW_SMTP_URL, _PASSWORD, _TIMEOUT, _CA_FILE and SITHSFLOW_MAIL_FROM."""

    sender: str
    folder: Path | None = None
    host: str = ""
    port: int = 0
    security: str = SECURITY_NONE
    user: str | None = None
    password: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    # A private certificate authority to trust; None: the system's.
    ca_file: str | None = None

    @classmethod
    def from_env(cls, instance_dir: Path, env: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if env is None else env
        sender = env.get("SITHSFLOW_MAIL_FROM") or DEFAULT_FROM
        timeout = _seconds(env.get("SITHSFLOW_SMTP_TIMEOUT"))
        url = env.get("SITHSFLOW_SMTP_URL") or ""
        if not url:
            return cls(sender=sender, folder=instance_dir / MAIL_FOLDER, timeout_s=timeout)
        return cls.from_url(
            url,
            sender,
            env.get("SITHSFLOW_SMTP_PASSWORD"),
            timeout,
            env.get("SITHSFLOW_SMTP_CA_FILE") or None,
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        sender: str,
        password: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        ca_file: str | None = None,
    ) -> MailSettings:
        if url.startswith("file:"):
            folder = url.removeprefix("file:")
            folder = folder.removeprefix("//") if folder.startswith("///") else folder
            if not folder:
                raise _invalid(url, "no folder")
            return cls(sender=sender, folder=Path(unquote(folder)), timeout_s=timeout_s)
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise _invalid(url, "use smtp://, smtp+starttls://, smtps:// or file:")
        security, default_port = SCHEMES[parts.scheme]
        try:
            port = parts.port or default_port
        except ValueError as error:
            raise _invalid(url, "the port is not a number") from error
        return cls(
            sender=sender,
            host=parts.hostname,
            port=port,
            security=security,
            user=unquote(parts.username) if parts.username else None,
            password=password or (unquote(parts.password) if parts.password else None),
            timeout_s=timeout_s,
            ca_file=ca_file,
        )

    def transport(self) -> Transport:
        if self.folder is not None:
            return FileTransport(self.folder)
        return SmtpTransport(self)


class SmtpTransport:
    """One SMTP connection for the messages of one delivery pass, closed at its end.

    Opening a connection (TCP, TLS, login) costs more than sending a message; a pass sends
    its messages back to back, so they share one. After any failure the connection is
    dropped, so a broken one never carries the next message. Safe to share between
    threads: one message at a time goes over the connection.
    """

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        s = self.settings
        return f"SMTP {s.host}:{s.port} ({s.security})"

    def send(self, message: EmailMessage) -> None:
        with self._lock:
            try:
                client = self._client or self._connect()
                self._client = client
                client.send_message(message)
            except (smtplib.SMTPException, OSError) as error:
                self._drop()
                raise DeliveryFailed(f"{self.description}: {_describe(error)}") from error
            except BaseException:
                self._drop()
                raise

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            if client is not None:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == SECURITY_TLS:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_s, context=self._tls()
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        try:
            if s.security == SECURITY_STARTTLS:
                client.starttls(context=self._tls())
            if s.user is not None:
                client.login(s.user, s.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)


class FileTransport:
    """Writes each message as `<id>.eml` into a folder, for the demo and for inspection."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def description(self) -> str:
        return f"folder {self.folder}"

    def send(self, message: EmailMessage) -> None:
        name = str(message["X-Sithsflow-Outbox-Id"] or "message") + ".eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / (name + ".part")
            partial.write_bytes(bytes(message))
            # A reader of the folder never sees half a file.
            partial.replace(self.folder / name)
        except OSError as error:
            raise DeliveryFailed(f"{self.description}: {error}") from error

    def close(self) -> None:
        """Nothing stays open between messages."""


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        reply = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {reply}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{to}: {code} {reply.decode(errors='replace')}"
            for to, (code, reply) in error.recipients.items()
        )
    return f"{type(error).__name__}: {error}"


def _seconds(text: str | None) -> float:
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise Invalid(
            f"SITHSFLOW_SMTP_TIMEOUT={text!r} ska vara sekunder mellan 0 och 3600. / "
            f"SITHSFLOW_SMTP_TIMEOUT must be seconds between 0 and 3600."
        )
    return value


def _invalid(url: str, why: str) -> Invalid:
    shown = urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl()
    return Invalid(
        f"Ogiltig SITHSFLOW_SMTP_URL {shown!r} ({why}). / Invalid SITHSFLOW_SMTP_URL ({why})."
    )
