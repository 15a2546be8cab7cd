"""`commonweal retention run [--dry-run]`: anonymise closed cases past their service's
retention period, except those under a legal hold, and print what was removed as JSON.
`commonweal retention hold --case REF | --person ID --reason TEXT [--by EMAIL]` and
`commonweal retention lift HOLD_ID --reason TEXT [--by EMAIL]` place and lift legal holds."""

import json

from django.core.management.base import BaseCommand, CommandError

from commonweal.rights import services


class Command(BaseCommand):
    help = "Data retention: run the job, or place and lift legal holds."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Anonymise closed cases past their retention period")
        run.add_argument("--dry-run", action="store_true", help="Count only; change nothing")
        hold = sub.add_parser("hold", help="Keep a case or a person from the retention job")
        target = hold.add_mutually_exclusive_group(required=True)
        target.add_argument("--case", help="Case reference")
        target.add_argument("--person", type=int, help="Person id")
        hold.add_argument("--reason", required=True)
        hold.add_argument("--by", default="", help="Email of the member of staff placing it")
        lift = sub.add_parser("lift", help="Lift a legal hold")
        lift.add_argument("hold_id", type=int)
        lift.add_argument("--reason", required=True)
        lift.add_argument("--by", default="")

    def handle(self, *args, action, **options):
        if action == "run":
            counts = services.retention_run(dry_run=options["dry_run"])
            self.stdout.write(json.dumps({"dry_run": options["dry_run"], **counts}, indent=2))
            return
        by = self._user(options["by"])
        try:
            if action == "hold":
                case = person = None
                if options["case"]:
                    from commonweal.cases import selectors as cases_selectors

                    case = cases_selectors.case_by_reference(reference=options["case"].upper())
                    if case is None:
                        raise CommandError(f"No case {options['case']}")
                else:
                    from commonweal.people import selectors as people_selectors

                    person = people_selectors.person_get(person_id=options["person"])
                    if person is None:
                        raise CommandError(f"No person {options['person']}")
                hold = services.legal_hold_place(
                    case=case, person=person, reason=options["reason"], by=by
                )
                self.stdout.write(json.dumps({"hold": hold.pk}))
            else:
                hold = services.legal_hold_lift(
                    hold_id=options["hold_id"], reason=options["reason"], by=by
                )
                self.stdout.write(json.dumps({"hold": hold.pk, "lifted_at": str(hold.lifted_at)}))
        except services.RightsRefused as refused:
            raise CommandError(refused.message) from None

    def _user(self, email: str):
        if not email:
            return None
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(email=email.lower(), is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff account {email}")
        return user
