from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "commonweal.payments"
    label = "payments"
    verbose_name = "Payment instructions, batches and reconciliation"

    def ready(self) -> None:
        from commonweal.cases import selectors as cases_selectors
        from commonweal.cases.events import DecisionMade, OfferChanged
        from commonweal.core import events, personal_data, worker_jobs

        from . import formats, listeners, selectors, services

        # The built-in payment file formats.
        formats.FORMATS.register("bacs18", formats.Bacs18)
        formats.FORMATS.register("csv", formats.Csv)

        # An approval's amount becomes a payment instruction with its decision.
        events.subscribe(DecisionMade, listeners.payment_on_decision)
        # An offer's answer releases its payment (accepted) or cancels it (anything else).
        events.subscribe(OfferChanged, listeners.payment_on_offer)
        # Whether an accepted offer stands when a new decision replaces its own: its payment
        # still live for the same amount, or already sent to the bank.
        cases_selectors.live_payment_source_set(selectors.live_payment_status)

        # Retention deletes an emptied case's decisions; its payments stay (financial
        # records), no longer pointing at the decision.
        personal_data.register_case_eraser(
            "payment_decisions_unlinked", services.payment_decisions_unlink
        )
        # After the cut-off on a working day, once: the day's payment files.
        worker_jobs.housekeeping_add("payment_batches_made", services.payment_batches_run_due)
