"""A local stand-in for ClamAV's daemon (clamd), for tests: no clamd can be installed on
the machines the suite runs on, so this server speaks the part of clamd's documented
protocol (clamd(8)) that Commonweal uses, on a Unix socket or on TCP:

    client: zINSTREAM\\0, then chunks each preceded by its length (4 bytes, big-endian),
            then a zero length
    clamd:  "stream: OK\\0", or "stream: Eicar-Signature FOUND\\0" when the data holds the
            EICAR test string, or "INSTREAM size limit exceeded. ERROR\\0" past its limit

It is not a virus scanner: it only recognises the EICAR test string. It keeps what it
received, so tests can check the chunks arrived whole.
"""

from __future__ import annotations

import socketserver
import struct
import threading

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        server = self.server.owner
        stream = self.request.makefile("rb")
        command = b""
        while not command.endswith(b"\0"):
            byte = stream.read(1)
            if not byte:
                return
            command += byte
        if command != b"zINSTREAM\0":
            self.request.sendall(b"UNKNOWN COMMAND\0")
            return
        data = b""
        chunks = 0
        while True:
            size = struct.unpack("!L", stream.read(4))[0]
            if size == 0:
                break
            data += stream.read(size)
            chunks += 1
            if len(data) > server.max_bytes:
                self.request.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                return
        server.received.append((data, chunks))
        if EICAR in data:
            self.request.sendall(b"stream: Eicar-Signature FOUND\0")
        else:
            self.request.sendall(b"stream: OK\0")


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeClamd:
    """Start with `FakeClamd(path)` (Unix socket) or `FakeClamd()` (TCP on loopback);
    `address` is what COMMONWEAL_CLAMD_SOCKET takes."""

    def __init__(self, socket_path: str | None = None, *, max_bytes: int = 25 * 1024 * 1024):
        self.received: list[tuple[bytes, int]] = []
        self.max_bytes = max_bytes
        if socket_path:
            self._server = _UnixServer(socket_path, _Handler)
            self.address = socket_path
        else:
            self._server = _TcpServer(("127.0.0.1", 0), _Handler)
            self.address = f"127.0.0.1:{self._server.server_address[1]}"
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
