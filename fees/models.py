"""What a school charges and to whom: school years, fee plans and their items, enrollments,
discounts and becas, late-fee policies (DESIGN-CYCLE.md, "Fee plans and the monthly run").

Nothing here is money owed yet: invoices are issued from these rows by the billing run. Rows that
something may refer to are never deleted, only deactivated (`is_active`).
"""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import ActorField, BaseModel
from core.money import MoneyField


class DiscountStacking(models.TextChoices):
    SUM_CAPPED = "SUM_CAPPED", _("Add up, with a cap")
    BEST = "BEST", _("Best one wins")


class SchoolYear(BaseModel):
    """A ciclo escolar (`2026-2027`): the span fee plans bill over, and the school's discount rules."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="school_years", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    discount_stacking = models.CharField(
        _("discount stacking"), max_length=10, choices=DiscountStacking.choices,
        default=DiscountStacking.SUM_CAPPED,
    )
    discount_cap_percent = models.PositiveSmallIntegerField(
        _("discount cap (%)"), default=100,
        help_text=_("With SUM_CAPPED: the most all discounts together may take off, in percent."),
    )
    scholarship_excludes_early_payment = models.BooleanField(
        _("a beca excludes pronto pago"), default=True
    )
    # ISO dates (`2026-11-16`): a due day falling on one moves to the next business day.
    holidays = models.JSONField(_("holidays"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="schoolyear_unique_name"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="schoolyear_span"),
            models.CheckConstraint(
                condition=Q(discount_cap_percent__gte=0, discount_cap_percent__lte=100),
                name="schoolyear_cap_percent",
            ),
            models.CheckConstraint(
                condition=Q(discount_stacking__in=DiscountStacking.values), name="schoolyear_stacking_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(day) for day in self.holidays or [])


class FeePlan(BaseModel):
    """What students of some grades pay in a school year (inscripción, colegiatura, materials…)."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="fee_plans", editable=False,
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="plans", verbose_name=_("school year")
    )
    name = models.CharField(_("name"), max_length=100)
    # Grades as students carry them ("1", "3A"); empty: the plan serves every grade.
    grades = models.JSONField(_("grades"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("fee plan")
        verbose_name_plural = _("fee plans")
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="feeplan_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Schedule(models.TextChoices):
    ONCE = "ONCE", _("Once")
    MONTHLY = "MONTHLY", _("Monthly")


class FeePlanItem(BaseModel):
    """One charge of a plan: once on a date (inscripción) or every listed month on a day (colegiatura)."""

    plan = models.ForeignKey(FeePlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    concept = models.ForeignKey(
        "billing.FeeConcept", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("concept"),
    )
    # The concept's kind, copied so pricing needs no join.
    concept_kind = models.CharField(_("concept kind"), max_length=12)
    description = models.CharField(_("description"), max_length=100, blank=True)
    amount = MoneyField(_("amount"))
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # Calendar months in school-year order, e.g. [9, 10, 11, 12, 1, 2, 3, 4, 5, 6].
    months = models.JSONField(_("months"), default=list, blank=True)
    due_day = models.PositiveSmallIntegerField(_("due day"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("fee plan item")
        verbose_name_plural = _("fee plan items")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="feeplanitem_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(schedule=Schedule.ONCE, due_date__isnull=False, due_day__isnull=True)
                    | Q(schedule=Schedule.MONTHLY, due_date__isnull=True, due_day__gte=1, due_day__lte=31)
                ),
                name="feeplanitem_schedule_fields",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Enrollment(BaseModel):
    """A student in a fee plan for one school year. A student starting mid-year (`starts_on`) is
    billed from that month on. Withdrawing deactivates it; the student's issued invoices stay."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", editable=False)
    student = models.ForeignKey(
        "students.Student", on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("student")
    )
    plan = models.ForeignKey(
        FeePlan, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("plan")
    )
    starts_on = models.DateField(_("starts on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            # One plan per student and school year, whatever two admins do at once.
            models.UniqueConstraint(fields=["student", "school_year"], name="enrollment_one_per_year"),
        ]
        indexes = [models.Index(fields=["school_year", "is_active"], name="enrollment_year_active_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} → {self.plan_id}"


class DiscountKind(models.TextChoices):
    SCHOLARSHIP = "SCHOLARSHIP", _("Scholarship (beca)")
    SIBLING = "SIBLING", _("Sibling")
    EARLY_PAYMENT = "EARLY_PAYMENT", _("Early payment (pronto pago)")
    OTHER = "OTHER", _("Other")


class Discount(BaseModel):
    """A beca or discount for a student, or for every student of a family: a whole-number percent
    or a fixed amount off the lines of the concept kinds it covers, in the invoices of the months
    it is valid."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    student = models.ForeignKey(
        "students.Student", on_delete=models.PROTECT, related_name="discounts", null=True, blank=True,
        verbose_name=_("student"),
    )
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="discounts", null=True, blank=True,
        verbose_name=_("family"),
    )
    kind = models.CharField(_("kind"), max_length=15, choices=DiscountKind.choices)
    percent = models.PositiveSmallIntegerField(_("percent"), null=True, blank=True)
    amount = MoneyField(_("amount"), null=True, blank=True)
    concept_kinds = models.JSONField(_("concept kinds"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255)
    # Pronto pago: paid on or before this day of the due month.
    early_payment_day = models.PositiveSmallIntegerField(_("early payment day"), null=True, blank=True)
    approved_by = ActorField(_("approved by"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(percent__isnull=False, amount__isnull=True, percent__gte=1, percent__lte=100)
                    | Q(percent__isnull=True, amount__isnull=False, amount__gt=0)
                ),
                name="discount_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="discount_validity_span",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=DiscountKind.EARLY_PAYMENT, early_payment_day__gte=1, early_payment_day__lte=31)
                    | (~Q(kind=DiscountKind.EARLY_PAYMENT) & Q(early_payment_day__isnull=True))
                ),
                name="discount_early_payment_day",
            ),
            models.CheckConstraint(condition=Q(kind__in=DiscountKind.values), name="discount_kind_valid"),
            models.CheckConstraint(
                condition=Q(student__isnull=False, family__isnull=True)
                | Q(student__isnull=True, family__isnull=False),
                name="discount_student_or_family",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "is_active"], name="discount_student_active_idx"),
            models.Index(fields=["family", "is_active"], name="discount_family_active_idx"),
        ]

    def __str__(self) -> str:
        off = f"{self.percent} %" if self.percent is not None else f"{self.amount}"
        return f"{self.get_kind_display()} {off}"


class LateFeePolicy(BaseModel):
    """How a school charges recargos: nothing within the grace days, then one surcharge per tier
    reached (`[{from_day, amount | percent}]`, days counted from the due date), never above the
    cap per invoice, on invoices of the concept kinds listed. One active policy per school."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=0)
    tiers = models.JSONField(_("tiers"), default=list)
    cap = MoneyField(_("cap per invoice"), null=True, blank=True)
    concept_kinds = models.JSONField(_("concept kinds"), default=list)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("late-fee policy")
        verbose_name_plural = _("late-fee policies")
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_active=True), name="latefeepolicy_one_active_per_school"
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gt=0), name="latefeepolicy_cap_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grace_days} + {len(self.tiers or [])}"


class BillingRun(BaseModel):
    """One issuing of a school's invoices for a period: who ran it, when, and what it issued."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    period = models.CharField(_("period"), max_length=7)
    created_by = ActorField(_("run by"))
    students = models.PositiveIntegerField(_("students billed"), default=0)
    invoices_created = models.PositiveIntegerField(_("invoices issued"), default=0)
    lines_created = models.PositiveIntegerField(_("lines"), default=0)
    already_issued = models.PositiveIntegerField(_("already issued"), default=0)
    total_amount = MoneyField(_("total"), default=0)
    credit_applied = MoneyField(_("paid from family credit"), default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        indexes = [models.Index(fields=["school", "period"], name="billingrun_school_period_idx")]

    def __str__(self) -> str:
        return f"{self.period} ({self.invoices_created})"


class LateFeeRun(BaseModel):
    """One charging of a school's recargos as of a day."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    as_of = models.DateField(_("as of"))
    created_by = ActorField(_("run by"))
    surcharges_created = models.PositiveIntegerField(_("recargos charged"), default=0)
    total_amount = MoneyField(_("total"), default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("late-fee run")
        verbose_name_plural = _("late-fee runs")

    def __str__(self) -> str:
        return f"{self.as_of} ({self.surcharges_created})"
