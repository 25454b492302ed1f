"""E-mail deliveries over SMTP (STARTTLS and login when configured), plain text in UTF-8.

The Message-ID is derived from the delivery id, so a message sent again after a crash is recognisably the same.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from zdz_notify.domain.deliveries import DeliveryFailed, Job

FOOTER = "\n\n——\n本邮件由重庆市污水零直排区建设管理系统自动发送，请勿直接回复。"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "zdz-notify@localhost"
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout_seconds: float = 20.0


def email_message(job: Job, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = job.endpoint
    message["Subject"] = job.title
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{job.delivery_id}@zdz-notify>"
    message["X-Zdz-Event-Id"] = job.event_id
    message["X-Zdz-Event-Type"] = job.event_type
    message.set_content(job.text + FOOTER, charset="utf-8")
    return message


class EmailSender:
    def __init__(self, settings: SmtpSettings, executor: ThreadPoolExecutor) -> None:
        self._settings = settings
        self._executor = executor

    async def send(self, job: Job) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._send, job)

    def _send(self, job: Job) -> None:
        s = self._settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password)
                smtp.send_message(email_message(job, s.sender))
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP {s.host}:{s.port}: {exc}") from exc
