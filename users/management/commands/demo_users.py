from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from schools.models import School
from users.models import Membership, Role, User

DEMO_PASSWORD = "demo-billing-2026"


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo logins and print them: a platform admin and a school accountant. "
        "Their password is public (it is in the source): refused unless DEBUG is on or --demo is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true",
            help="This database is a throwaway demo: create the logins even with DEBUG off.",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not (settings.DEBUG or options["demo"]):
            raise CommandError(
                "demo_users creates a platform admin whose password is written in the source. "
                "Refused outside a demo: run it with DEBUG=true or --demo on a throwaway database. "
                "For a real deployment create the first admin with `manage.py createsuperuser`."
            )
        # Not "admin": the seed README's first curl example registers "admin", and it has to work
        # verbatim against `make run`.
        admin = self._user("superadmin", is_superuser=True)
        first_school = School.objects.order_by("name").first()
        accountant = self._user("contador", is_superuser=False)
        if first_school is not None:
            Membership.objects.update_or_create(
                user=accountant, school=first_school, defaults={"role": Role.ACCOUNTANT}
            )
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for both: {DEMO_PASSWORD})"))
        self.stdout.write(f"  platform admin : {admin.username}")
        if first_school is not None:
            self.stdout.write(f"  accountant     : {accountant.username}  ({first_school.name})")

    def _user(self, username: str, *, is_superuser: bool) -> User:
        user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        user.is_staff = True
        user.is_superuser = is_superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user
