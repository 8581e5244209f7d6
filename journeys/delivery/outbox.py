"""Where email goes when no mail server is configured: the log.

Each message is one line in the terminal (who it is for and its subject) and the whole message,
headers and parts, in the log file only (LOG_FILE). So a local run shows that messages go out
without flooding the terminal, and what they said can still be read. Nothing leaves the machine.
"""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("journeys.outbox")


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            recipients = ", ".join(message.recipients())
            logger.info("email to %s: %r (whole message in the log file)", recipients, message.subject)
            text = message.message().as_string()
            logger.info("email to %s, whole message:\n%s", recipients, text, extra={"terminal": False})
            sent += 1
        return sent
