"""Real protocol peers for delivery tests: an SMTP server (aiosmtpd) and small HTTP servers.

The HTTP servers run `http.server` in a thread, record every request, and answer from a
script so a test can make a receiver fail, rate-limit or honour idempotency keys.
"""

import email
import email.policy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.factories import free_port


class _Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpPeer:
    """An aiosmtpd server on loopback; `messages` are the parsed emails it accepted."""

    def __init__(self):
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.inbox.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class HttpPeer:
    """A local HTTP server; `responses` is a list of (status, body) answered in order (last repeats)."""

    responses: list = field(default_factory=lambda: [(200, b'{"ok": true}')])
    honour_idempotency: bool = False
    requests: list = field(default_factory=list)
    accepted_keys: dict = field(default_factory=dict)

    def __post_init__(self):
        peer = self
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with peer._lock:
                    peer.requests.append(Request("POST", self.path, dict(self.headers.items()), body))
                    key = self.headers.get("Idempotency-Key")
                    if peer.honour_idempotency and key in peer.accepted_keys:
                        status, payload = peer.accepted_keys[key]  # a repeat: the first answer again
                    else:
                        index = min(len(peer.requests) - 1, len(peer.responses) - 1)
                        status, payload = peer.responses[index]
                        if callable(payload):
                            payload = payload(body)
                        if 200 <= status < 300 and key:
                            peer.accepted_keys[key] = (status, payload)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
