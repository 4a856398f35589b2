"""`faultline explore`: a local web page for walking through a spec's model by hand, served by the
standard library's http.server on 127.0.0.1 only.

The page (page.html, beside this module) asks for JSON: `GET /api/view` (the path, the state at its end,
the steps enabled there), `GET /api/chart` (the sequence chart of the path, SVG), and changes the walk
with `POST /api/start|step|back|forward|goto|model` (`{"choice": k}`, `{"index": k}`, `{"model": name}`)
and `POST /api/load` (an ITF trace). A request from any other host name than the local one is refused
(a site whose name points at 127.0.0.1), and so is a POST from a page of any other origin (its `Origin`,
which browsers send with every POST): no other site can drive the walk through the browser.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from explorer.serve.session import Session, SessionError

MAX_BODY = 64 * 2**20  # a trace larger than this is not one faultline wrote
_LOCAL_HOSTS = ("127.0.0.1", "localhost")


def page() -> bytes:
    return resources.files("explorer.serve").joinpath("page.html").read_bytes()


class ExploreServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, session: Session, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.session = session
        self.lock = threading.Lock()  # one walk, however many requests

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


def _integer(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SessionError(f"expected {{{key!r}: an integer}}")
    return value


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise SessionError(f"expected {{{key!r}: a name}}")
    return value


_ACTIONS: dict[str, Callable[[Session, dict[str, Any]], object]] = {
    "/api/start": lambda s, body: s.start(_integer(body, "choice")),
    "/api/step": lambda s, body: s.step(_integer(body, "choice")),
    "/api/back": lambda s, body: s.back(),
    "/api/forward": lambda s, body: s.forward(),
    "/api/goto": lambda s, body: s.go_to(_integer(body, "index")),
    "/api/model": lambda s, body: s.use_model(_text(body, "model")),
    "/api/load": lambda s, body: s.load(body),
}


class _Handler(BaseHTTPRequestHandler):
    server: ExploreServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows the URL only
        pass

    def _local(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host in _LOCAL_HOSTS:
            return True
        self._send(HTTPStatus.FORBIDDEN, b"only this machine may use this page", "text/plain")
        return False

    def _send(self, status: HTTPStatus, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _json(self, data: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")

    def do_GET(self) -> None:
        if not self._local():
            return
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            session = self.server.session
            if path == "/":
                self._send(HTTPStatus.OK, page(), "text/html")
            elif path == "/api/view":
                self._json(session.view())
            elif path == "/api/chart":
                svg = session.chart_svg()
                if svg is None:
                    self._send(HTTPStatus.OK, b"", "image/svg+xml")
                else:
                    self._send(HTTPStatus.OK, svg.encode("utf-8"), "image/svg+xml")
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def do_POST(self) -> None:
        if not self._local():
            return
        origin = self.headers.get("Origin")  # the page's own is http:// and the Host it asked
        if origin is not None and origin != f"http://{self.headers.get('Host')}":
            self._send(HTTPStatus.FORBIDDEN, b"only this page may change the walk", "text/plain")
            return
        action = _ACTIONS.get(self.path)
        if action is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= MAX_BODY:
            self._json({"error": "the request is too large"}, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise SessionError("expected a JSON object")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            self._json({"error": f"not JSON: {error}"}, HTTPStatus.BAD_REQUEST)
            return
        except SessionError as error:
            self._json({"error": str(error)}, HTTPStatus.BAD_REQUEST)
            return
        with self.server.lock:
            try:
                said = action(self.server.session, body)
            except SessionError as error:
                self._json({"error": str(error)}, HTTPStatus.BAD_REQUEST)
                return
            view = self.server.session.view()
        if isinstance(said, str):
            view["message"] = f"loaded {said}"
        self._json(view)
