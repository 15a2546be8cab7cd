"""Evidence added to a case after its application was sent (through the API): checked by
content like the journey's uploads, stored in the file storage in chunks from the upload
handlers' temporary file, and held in quarantine until the virus scanner says it is clean."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.files import sha256_of
from commonweal.core.quarantine import file_hold

from ..models import Application, Upload
from .drafts import UPLOAD_KIND

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from commonweal.accounts.selectors import User

# The question id evidence added to a sent application is kept under.
EVIDENCE_QUESTION = "evidence"


class EvidenceRefused(Exception):
    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def case_evidence_add(*, case_id: int, upload: UploadedFile | None, by: User) -> Upload:
    """Add a file to the case's application as evidence: refused (EvidenceRefused) when it
    is empty, over COMMONWEAL_UPLOAD_MAX_BYTES, or not a JPG, PNG or PDF by its content.
    Subscribed systems hear `evidence.added` in the same transaction."""
    if upload is None or not getattr(upload, "name", ""):
        raise EvidenceRefused(_("Select a file"))
    content_type, error = catalogue.check_upload(upload)
    if error or content_type is None:
        raise EvidenceRefused(str(error or _("The selected file must be a JPG, PNG or PDF")))
    with transaction.atomic():
        cases_services.case_lock(case_id=case_id)
        application = Application.objects.filter(case__pk=case_id).first()
        if application is None:
            # Every case opens from an application; said in English, as the API speaks.
            raise EvidenceRefused("This case has no application to add evidence to.", "")
        assert upload.size is not None  # check_upload has measured it  # nosec B101
        evidence = Upload(
            application=application,
            question_id=EVIDENCE_QUESTION,
            original_name=(upload.name or "file")[-255:],
            content_type=content_type,
            extension=catalogue.ALLOWED_UPLOAD_TYPES[content_type],
            size=upload.size,
            sha256=sha256_of(upload),
            uploaded_by=by,
        )
        evidence.file.save("upload", upload, save=False)
        evidence.save()
        file_hold(name=evidence.file.name, kind=UPLOAD_KIND, object_id=evidence.id)
        cases_services.case_publish(
            case=cases_services.case_get(case_id=case_id),
            event_type="evidence.added",
            data={
                "evidence": str(evidence.id),
                "content_type": content_type,
                "size": evidence.size,
            },
        )
    return evidence
