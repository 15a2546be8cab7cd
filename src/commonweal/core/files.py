"""Files people send (evidence, message attachments): their digest when stored, the virus
scanner that checks them, and the response that hands one back to someone allowed to see it.

Scanning: with a scanner configured (`COMMONWEAL_CLAMD_SOCKET` for ClamAV's daemon), every
file is held in quarantine when it is stored and released only once the scanner says it is
clean (see `quarantine.py`). Without one, files are served as soon as they are stored.
Scanners live in the `file-scanners` registry (`FILE_SCANNERS`), so a deployment can plug in
another engine; whether a stored file may be served is asked of the `file-release` registry
(`FILE_RELEASE`), where the quarantine registers its answer.
"""

from __future__ import annotations

import hashlib
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse, Http404

from .registry import Registry

# Whether a stored file (by its storage name) may be served: every registered answer must
# say yes. Core registers its quarantine (`quarantine.file_released`).
FILE_RELEASE: Registry[Callable[..., bool]] = Registry(
    "file-release", "Whether a stored file may be served (quarantine until scanned clean)"
)


def file_released(name: str) -> bool:
    return all(released(name=name) for _name, released in FILE_RELEASE.items())


def sha256_of(upload) -> str:
    """The SHA-256 of an uploaded file, read in chunks; the file is rewound afterwards."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def private_file_response(stored) -> FileResponse:
    """A stored file (with `file`, `original_name`, `content_type`) as a download (never
    shown inside our own pages' origin) that no cache keeps and no browser sniffs.

    A file still in quarantine (waiting for the virus scanner, or found infected) is not
    served to anyone: it answers 404 like a file that does not exist."""
    if not file_released(stored.file.name):
        raise Http404("This file has not been released from quarantine")
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Virus scanning


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    # What the scanner found ("Eicar-Signature"), when it is not clean.
    signature: str = ""


class ScannerUnavailable(Exception):
    """The scanner could not give an answer (not running, timed out, refused the file).
    The file stays in quarantine and is tried again later."""


class ClamdScanner:
    """A client for ClamAV's daemon (clamd), speaking its INSTREAM command over a Unix
    socket or TCP, as clamd's manual (clamd(8)) documents it:

        zINSTREAM\\0, then chunks each preceded by its length (4 bytes, big-endian),
        then a zero length; clamd answers "stream: OK\\0" or "stream: <name> FOUND\\0"
        (or "... ERROR\\0").

    Written here rather than taken from the `clamd` package on PyPI, which has had no
    release since 2017; the protocol is a few lines.
    """

    name = "clamd"
    chunk_size = 64 * 1024

    def __init__(self, address: str, *, timeout: float = 30.0):
        if not address:
            raise ValueError("No clamd address: set COMMONWEAL_CLAMD_SOCKET")
        self.address = address
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        address = self.address.removeprefix("unix:").removeprefix("unix://")
        if address.startswith("/"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: object = address
        else:
            host, _sep, port = address.removeprefix("tcp://").rpartition(":")
            if not host or not port.isdigit():
                raise ScannerUnavailable(
                    f"COMMONWEAL_CLAMD_SOCKET must be a socket path or host:port, not {address!r}"
                )
            sock = socket.socket(
                socket.AF_INET6 if host.startswith("[") else socket.AF_INET, socket.SOCK_STREAM
            )
            target = (host.strip("[]"), int(port))
        sock.settimeout(self.timeout)
        try:
            sock.connect(target)
        except OSError as error:
            sock.close()
            raise ScannerUnavailable(f"cannot reach clamd at {self.address}: {error}") from error
        return sock

    def scan(self, stream) -> ScanResult:
        """Scan a binary file object, read in chunks from where it is."""
        sock = self._connect()
        try:
            sock.sendall(b"zINSTREAM\0")
            while chunk := stream.read(self.chunk_size):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
        except OSError as error:
            raise ScannerUnavailable(f"clamd at {self.address} failed: {error}") from error
        finally:
            sock.close()
        return self.parse_reply(reply)

    @staticmethod
    def parse_reply(reply: bytes) -> ScanResult:
        text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        _source, _sep, verdict = text.partition(": ")
        if verdict == "OK":
            return ScanResult(clean=True)
        if verdict.endswith(" FOUND"):
            return ScanResult(clean=False, signature=verdict.removesuffix(" FOUND").strip())
        raise ScannerUnavailable(f"clamd did not scan the file: {text or 'no answer'}")


ScannerFactory = Callable[[], object]
FILE_SCANNERS: Registry[ScannerFactory] = Registry(
    "file-scanners",
    "Virus scanners for files people send, chosen with COMMONWEAL_FILE_SCANNER: a factory "
    "giving an object with scan(stream) -> ScanResult",
)


def clamd_scanner() -> ClamdScanner:
    return ClamdScanner(settings.COMMONWEAL_CLAMD_SOCKET, timeout=settings.COMMONWEAL_CLAMD_TIMEOUT)


def register_file_scanner(name: str, factory: ScannerFactory) -> None:
    """Add a scanner (an object with `scan(stream) -> ScanResult` that raises
    `ScannerUnavailable` when it cannot answer); choose it with COMMONWEAL_FILE_SCANNER.
    The same as `FILE_SCANNERS.register(name, factory)`, from the app's `ready()`."""
    FILE_SCANNERS.register(name, factory)


def file_scanner():
    """The configured scanner, or None when files are not scanned."""
    name = settings.COMMONWEAL_FILE_SCANNER
    if not name:
        return None
    factory = FILE_SCANNERS.find(name)
    if factory is None:
        raise LookupError(f"No file scanner called {name!r} (COMMONWEAL_FILE_SCANNER)")
    return factory()
