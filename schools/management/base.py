"""What the nightly commands over the schools share (sweep_overdue, apply_late_fees,
generate_invoices, send_reminders, reconcile): their --as-of, --school, --dry-run and --user
options, checking them before anything runs, and the per-school lines of the output in school-name
order."""

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TypeVar
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from schools.models import School

T = TypeVar("T")


def arg_type(parse: Callable[[str], T], name: str) -> Callable[[str], T]:
    """`parse` as an argparse type named `name`: argparse names the type in its error
    ("invalid date value: '2026-02-30'"), and a builtin's own name says little."""

    def parsed(value: str) -> T:
        return parse(value)

    parsed.__name__ = name
    return parsed


date_arg = arg_type(date.fromisoformat, "date")
school_id_arg = arg_type(uuid.UUID, "school id")


class SchoolsCommand(BaseCommand):
    """A command that runs over every school, or only the ones named with --school."""

    def add_as_of_argument(self, parser, *, help: str) -> None:
        parser.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD", help=help)

    def add_school_argument(self, parser, *, many: bool, type: Callable = school_id_arg) -> None:
        """--school UUID: options["school"], or with `many` options["schools"] (repeatable)."""
        if many:
            parser.add_argument("--school", type=type, action="append", dest="schools", metavar="UUID",
                                help="Only this school (repeat for several).")
        else:
            parser.add_argument("--school", type=type, metavar="UUID", help="Only this school.")

    def add_dry_run_argument(self, parser, *, help: str) -> None:
        parser.add_argument("--dry-run", action="store_true", help=help)

    def add_user_argument(self, parser, *, help: str) -> None:
        parser.add_argument("--user", metavar="USERNAME", help=help)

    def schools_check(self, school_ids: Iterable[UUID] | None) -> None:
        """Stop before anything runs when a school named with --school does not exist."""
        if not school_ids:
            return
        school_ids = list(school_ids)
        known = set(School.objects.filter(pk__in=school_ids).values_list("pk", flat=True))
        unknown = [str(s) for s in school_ids if s not in known]
        if unknown:
            raise CommandError(f"Unknown school: {', '.join(unknown)}")

    def by_school_name(self, results: Mapping[UUID, T]) -> list[tuple[str, UUID, T]]:
        """(school name, school id, result) per school, by name: the per-school output lines.
        A school that is gone by now is shown by its id."""
        names = dict(School.objects.filter(pk__in=list(results)).values_list("pk", "name"))
        return sorted(((str(names.get(sid, sid)), sid, result) for sid, result in results.items()),
                      key=lambda row: names.get(row[1], ""))


def user_get(username: str | None):
    """The user a command's --user names (who runs it, for the history rows); None: the system."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    return user
