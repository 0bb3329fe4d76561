"""The marking page's local web server: 127.0.0.1 only, and a token on every request for data.

The page itself (``marking_page/``) holds no student data; it asks for it from ``/api/``,
sending the token it was opened with in a header. A request without the token, from another
site (a page cannot set that header across origins without the server's consent, which is
never given), or naming another host (DNS rebinding) is refused. Each mark is written to the
gradebook before the server answers, so a server killed at any moment loses nothing the page
said was saved.
"""

from __future__ import annotations

import http.server
import json
import secrets
import threading
from pathlib import Path
from urllib.parse import urlsplit

from autograder.marking import MarkingSession

PAGE = Path(__file__).resolve().parent / "marking_page"
STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/app.css": ("app.css", "text/css; charset=utf-8")}
HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}
MAX_BODY = 64 * 1024


def _handler(session: MarkingSession, token: str, lock: threading.Lock):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "autograder-mark"

        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: dict) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _host_ok(self) -> bool:
            port = self.server.server_address[1]
            return self.headers.get("Host", "") in (f"127.0.0.1:{port}", f"localhost:{port}")

        def _authorized(self) -> bool:
            given = self.headers.get("X-Marking-Token", "")
            return self._host_ok() and secrets.compare_digest(given.encode(), token.encode())

        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            path = urlsplit(self.path).path
            if not self._host_ok():
                self._json(403, {"error": "this page is served to 127.0.0.1 only"})
            elif path in STATIC:
                name, content_type = STATIC[path]
                self._send(200, (PAGE / name).read_bytes(), content_type)
            elif path == "/api/state":
                if not self._authorized():
                    self._json(403, {"error": "open the address the mark command printed"})
                    return
                with lock:
                    self._json(200, session.state())
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if not self._authorized():
                self._json(403, {"error": "open the address the mark command printed"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY or self.headers.get("Content-Type") != "application/json":
                self._json(400, {"error": "send JSON, under 64 kB"})
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                with lock:
                    if path == "/api/mark":
                        answer = session.mark(body.get("sheet"), body.get("question"),
                                              body.get("criterion"), body.get("points"))
                    elif path == "/api/comment":
                        answer = session.comment(body.get("sheet"), body.get("question"),
                                                 body.get("comment", ""))
                    else:
                        self._json(404, {"error": "not found"})
                        return
            except (ValueError, AttributeError) as error:
                self._json(400, {"error": str(error)})
                return
            self._json(200, answer)

    return Handler


class MarkingServer:
    """The server, on 127.0.0.1 and a free port unless one is given."""

    def __init__(self, session: MarkingSession, port: int = 0) -> None:
        self.token = secrets.token_urlsafe(24)
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), _handler(session, self.token, threading.Lock()))
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/#token={self.token}"

    def start(self) -> MarkingServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread = None
        self.httpd.server_close()
