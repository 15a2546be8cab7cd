"""`commonweal worker`: run background tasks, with a heartbeat and housekeeping.

Wraps django-tasks-db's worker loop. A second thread writes a heartbeat (read by /healthz)
and, every few minutes, runs the housekeeping that must happen even if nobody asks:
re-queueing messages a crashed worker left behind, expiring old drafts and offers not
answered in time, pruning counters.
Run as many workers as you like; every job they share is safe to run twice.
"""

import datetime
import logging
import os
import secrets
import socket
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from commonweal.core import services as core_services
from commonweal.core.housekeeping import housekeeping_run
from commonweal.intake import services as intake_services
from commonweal.messaging import services as messaging_services
from commonweal.privacy import services as privacy_services
from commonweal.webhooks import services as webhooks_services

logger = logging.getLogger("commonweal.worker")

HOUSEKEEPING_EVERY = datetime.timedelta(minutes=5)
DISPATCH_EVERY_SECONDS = 1.0
# The access log is sealed (chained by hash) in batches this often.
SEAL_EVERY = datetime.timedelta(seconds=10)


def housekeeping() -> dict:
    """Every housekeeping job once (see core/housekeeping.py; each app registers its own)."""
    return housekeeping_run()


class Command(BaseCommand):
    help = "Run background tasks (messages and housekeeping) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls")
        parser.add_argument("--queue", default="default")
        parser.add_argument(
            "--batch", action="store_true", help="Run the tasks waiting now, then stop"
        )

    def handle(self, *args, interval, queue, batch, **options):
        worker_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"[:64]
        started_at = timezone.now()
        stop = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(worker_id, started_at, stop), daemon=True, name="heartbeat"
        )
        core_services.worker_heartbeat_beat(worker_id=worker_id, started_at=started_at)
        if not batch:
            beat.start()
        worker = Worker(
            queue_names=[queue],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        logger.info("Worker %s started", worker_id)
        try:
            if batch:
                # Everything due now: hand messages to tasks, run the tasks, until none left.
                while messaging_services.messages_dispatch():
                    worker.run()
                while intake_services.files_scan_dispatch():
                    worker.run()
                worker.run()
                privacy_services.access_log_seal()
            else:
                worker.configure_signals()
                worker.run()
        finally:
            stop.set()
            if beat.is_alive():
                beat.join(timeout=5)
            core_services.worker_heartbeat_stop(worker_id=worker_id)
            logger.info("Worker %s stopped", worker_id)

    def _beat(self, worker_id, started_at, stop: threading.Event) -> None:
        """Every second: hand due messages to tasks. Every few seconds: the heartbeat.
        Every few minutes: housekeeping."""
        last_beat = last_housekeeping = last_seal = None
        beat_every = datetime.timedelta(seconds=settings.COMMONWEAL_WORKER_HEARTBEAT_SECONDS)
        try:
            while not stop.wait(DISPATCH_EVERY_SECONDS):
                close_old_connections()
                try:
                    now = timezone.now()
                    messaging_services.messages_dispatch()
                    webhooks_services.deliveries_dispatch()
                    intake_services.files_scan_dispatch()
                    if last_beat is None or now - last_beat >= beat_every:
                        last_beat = now
                        core_services.worker_heartbeat_beat(
                            worker_id=worker_id, started_at=started_at
                        )
                    if last_seal is None or now - last_seal >= SEAL_EVERY:
                        last_seal = now
                        # A short wait for writers, so message dispatch is not held up.
                        privacy_services.access_log_seal(wait_seconds=0.5)
                    if last_housekeeping is None or now - last_housekeeping >= HOUSEKEEPING_EVERY:
                        last_housekeeping = now
                        logger.info("Housekeeping: %s", housekeeping())
                except Exception:  # keep going: a database blip must not kill the thread
                    logger.exception("Dispatch, heartbeat or housekeeping failed")
        finally:
            connection.close()
