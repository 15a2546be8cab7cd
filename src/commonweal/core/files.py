"""Files people send (evidence, message attachments): their digest when stored, and the
response that hands one back to someone allowed to see it."""

import hashlib

from django.http import FileResponse


def sha256_of(upload) -> str:
    """The SHA-256 of an uploaded file, read in chunks; the file is rewound afterwards."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def private_file_response(stored) -> FileResponse:
    """A stored file (with `file`, `original_name`, `content_type`) as a download (never
    shown inside our own pages' origin) that no cache keeps and no browser sniffs."""
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
