"""A stand-in document-management system: a real HTTP server on a loopback port, in a thread, that
refuses a number of packages (503) before it accepts, answers each accepted package with an "arrived"
status package, and remembers everything it was sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from meetings.records.edxml_reader import parse_package
from meetings.records.edxml_status import build_status


@dataclass
class Received:
    destination: str
    document_id: str
    idempotency_key: str
    accepted: bool


@dataclass
class DocSystem:
    refuse_first: int = 0
    answer: str = "status"
    """``status``: an arrived status package; ``garbage``: an HTML page; ``empty``: nothing."""
    refuse_with: int = 503
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.accepted]


def _handler(system: DocSystem) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            destination = self.headers.get("X-Edxml-To", "")
            with system.lock:
                accept = len(system.received) >= system.refuse_first
                package = parse_package(body)  # a real receiver reads what it takes
                system.received.append(
                    Received(destination, package.document_id, self.headers.get("Idempotency-Key", ""), accept)
                )
            if not accept:
                self.send_response(system.refuse_with)
                self.end_headers()
                self.wfile.write(b"busy, try later")
                return
            if system.answer == "status":
                reply = build_status(
                    document_id=package.document_id,
                    code="01",
                    promulgation_date=date(2026, 3, 5),
                    responder_id=destination,
                    responder_name=f"Hệ thống QLVB {destination}",
                    at=datetime(2026, 3, 5, 5, 0, tzinfo=UTC),
                    description="Văn bản đã đến",
                )
            elif system.answer == "garbage":
                reply = b"<html><body>Status: OK \xff\xfe not xml"
            else:
                reply = b""
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@contextmanager
def running(system: DocSystem) -> Iterator[DocSystem]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(system))
    system.url = f"http://127.0.0.1:{server.server_address[1]}/edxml"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield system
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
