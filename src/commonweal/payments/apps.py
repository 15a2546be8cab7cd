from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "commonweal.payments"
    label = "payments"
    verbose_name = "Payment instructions, batches and reconciliation"
