# The virus scanner's quarantine, taken over from intake (see intake's 0005): the model is
# core's from here on, its table (`intake_filescan`) and index keep their names.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_move_dev_models_to_devtools"),
        ("intake", "0005_move_file_scan_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FileScan",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("kind", models.CharField(max_length=12)),
                        ("object_id", models.UUIDField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be scanned"),
                                    ("scanning", "Being scanned"),
                                    ("clean", "Clean: released"),
                                    ("infected", "Infected: kept out"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("signature", models.CharField(blank=True, max_length=200)),
                        ("scanner", models.CharField(blank=True, max_length=30)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        ("next_attempt_at", models.DateTimeField()),
                        ("scan_started_at", models.DateTimeField(blank=True, null=True)),
                        ("scanned_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "intake_filescan",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("status", "pending")),
                                fields=["next_attempt_at"],
                                name="intake_filescan_due",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
