"""An upload handler that stops keeping a file once it is clearly too big.

Django would otherwise stream a huge upload to memory or disk before any form could refuse
it. Past the limit (plus a margin) we throw the rest away and hand the form a marker with
the size seen, so the page can still say "The selected file must be smaller than 10MB".
A reverse proxy's body-size limit should sit in front of this for very large requests.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(UploadedFile):
    def __init__(self, name: str, size: int):
        super().__init__(file=io.BytesIO(), name=name, content_type=None, size=size)


class UploadSizeGuard(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0
        self.too_big = False

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > settings.COMMONWEAL_UPLOAD_MAX_BYTES + 1024 * 1024:
            self.too_big = True
        # Returning None stops the chunk reaching the handlers that store the file.
        return None if self.too_big else raw_data

    def file_complete(self, file_size):
        if self.too_big:
            return OversizedUpload(self.file_name, self.seen)
        return None
