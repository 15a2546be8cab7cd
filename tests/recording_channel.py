"""A provider for the tests that, like a real one with idempotency keys, delivers each key
once, and writes what it delivered to a file another process can read."""

import os
import time

from commonweal.messaging import channels


class RecordingChannel:
    name = "recording"
    kinds = channels.KINDS

    def send(self, message, *, idempotency_key):
        path = os.environ["COMMONWEAL_RECORDING_FILE"]
        time.sleep(float(os.environ.get("COMMONWEAL_RECORDING_DELAY", "0")))
        with open(path, "a+", encoding="utf-8") as record:
            record.seek(0)
            if idempotency_key not in record.read().split():
                record.write(idempotency_key + "\n")
                record.flush()
                os.fsync(record.fileno())
        return channels.Sent(provider_reference=idempotency_key, delivered=True)

    def check_status(self, message):
        return None
