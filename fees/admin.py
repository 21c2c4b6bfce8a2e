"""Fee setup in the back office: school years, fee plans with their items, enrollments (one by
one or a whole grade at once), discounts and becas, late-fee policies.

School ADMINs write (users.access: FEES_WRITE), everyone in the school reads. Saves go through
fees.services, like the API; a refusal is shown as a message and nothing is written.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.concepts import ConceptKind, fee_concept_create, fee_concept_update
from billing.models import FeeConcept
from core.dates import local_today
from fees import selectors, services
from fees.calendar import PERIOD_PATTERN, Period
from fees.models import (
    BillingRun,
    Discount,
    Enrollment,
    FeePlan,
    FeePlanItem,
    LateFeePolicy,
    LateFeeRun,
    SchoolYear,
)
from fees.runs import billing_run_execute
from users.access import Action, school_ids_where, user_can, user_can_anywhere
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter

_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _FeeChoices:
    """Foreign keys whose choices are the rows of `fee_choices` (field name -> queryset) in the
    schools where the user may write fees."""

    fee_choices: dict = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.fee_choices:
            allowed = school_ids_where(request.user, Action.FEES_WRITE)
            rows = self.fee_choices[db_field.name]
            kwargs["queryset"] = rows if allowed is None else rows.filter(school_id__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _FeeSetupAdmin(_FeeChoices, SchoolScopedAdmin):
    add_action = Action.FEES_WRITE
    change_action = Action.FEES_WRITE
    readonly_fields = ["created_at", "updated_at"]

    def _changeform_view(self, request, object_id, form_url, extra_context):
        # A service's field check (an item outside the year, a discount with percent and amount)
        # is told as a message; the save was rolled back.
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            for field, errors in getattr(refusal, "message_dict", {"": refusal.messages}).items():
                self.message_user(request, f"{field}: {' '.join(errors)}" if field else " ".join(errors),
                                  level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def _changes(form, fields) -> dict:
        return {field: form.cleaned_data[field] for field in form.changed_data if field in fields}


@admin.register(SchoolYear)
class SchoolYearAdmin(_FeeSetupAdmin):
    list_display = ["name", "school", "starts_on", "ends_on", "discount_stacking", "discount_cap_percent",
                    "is_active"]
    list_filter = ["is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["school"]
    search_fields = ["name"]
    fields = ["school", "name", "starts_on", "ends_on", "discount_stacking", "discount_cap_percent",
              "scholarship_excludes_early_payment", "holidays", "is_active", "created_at", "updated_at"]
    _EDITABLE = ["name", "starts_on", "ends_on", "discount_stacking", "discount_cap_percent",
                 "scholarship_excludes_early_payment", "holidays", "is_active"]
    create_only_fields = ["school"]

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.school_year_update(
                school_year_id=obj.pk, actor=request.user, **self._changes(form, self._EDITABLE)
            )
        else:
            data = form.cleaned_data
            if not user_can(request.user, Action.FEES_WRITE, data["school"].pk):
                raise PermissionDenied
            saved = services.school_year_create(
                school_id=data["school"].pk, actor=request.user,
                **{field: data[field] for field in self._EDITABLE if field != "is_active"},
            )
        self.saved_by_service(obj, saved)


class FeePlanItemForm(forms.ModelForm):
    """A concept, or just its kind (the school's default concept of that kind is used)."""

    class Meta:
        model = FeePlanItem
        fields = ["concept", "concept_kind", "description", "amount", "schedule", "due_date", "months",
                  "due_day"]
        widgets = {"concept_kind": forms.Select(choices=[("", "---------")] + [
            (k, k) for k in services.CHARGEABLE_KINDS]), "due_date": _DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concept_kind"].required = False


class FeePlanItemInline(_FeeChoices, admin.TabularInline):
    model = FeePlanItem
    form = FeePlanItemForm
    extra = 1
    fee_choices = {"concept": FeeConcept.objects.filter(is_active=True).exclude(kind=ConceptKind.SURCHARGE)}

    def has_add_permission(self, request, obj=None):
        return user_can_anywhere(request.user, Action.FEES_WRITE)

    def has_change_permission(self, request, obj=None):
        return user_can_anywhere(request.user, Action.FEES_WRITE)

    def has_delete_permission(self, request, obj=None):
        return user_can_anywhere(request.user, Action.FEES_WRITE)

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(FeePlan)
class FeePlanAdmin(_FeeSetupAdmin):
    """A plan and its items on one page. Saving hands the plan and all its items to the service,
    which checks each item against the school year (and replaces the items as a whole)."""

    list_display = ["name", "school_year", "school", "grades", "is_active"]
    list_filter = ["is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["school", "school_year"]
    search_fields = ["name"]
    fields = ["school_year", "name", "grades", "is_active", "created_at", "updated_at"]
    inlines = [FeePlanItemInline]
    create_only_fields = ["school_year"]
    fee_choices = {"school_year": SchoolYear.objects.filter(is_active=True).select_related("school")}

    def save_model(self, request, obj, form, change):
        # The plan is written with its items in save_related, once the item forms are validated.
        self._plan_form = form

    def save_related(self, request, form, formsets, change):
        items = []
        for formset in formsets:
            for item_form in formset.forms:
                data = getattr(item_form, "cleaned_data", None)
                if data and not data.get("DELETE"):
                    spec = {key: data.get(key) for key in FeePlanItemForm.Meta.fields[1:]}
                    if data.get("concept") is not None:
                        spec["concept_id"] = data["concept"].pk
                    items.append(spec)
            # The service wrote the items; the change message reads these lists.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        data = form.cleaned_data
        obj = form.instance
        if change:
            saved = services.fee_plan_update(
                plan_id=obj.pk, name=data["name"], grades=data.get("grades") or [], items=items,
                is_active=data.get("is_active", True), actor=request.user,
            )
        else:
            year = data["school_year"]
            if not user_can(request.user, Action.FEES_WRITE, year.school_id):
                raise PermissionDenied
            saved = services.fee_plan_create(
                school_year_id=year.pk, name=data["name"], grades=data.get("grades") or [], items=items,
                actor=request.user,
            )
        self.saved_by_service(obj, saved)


class EnrollGradeForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Fee plan"), queryset=FeePlan.objects.none())
    grade = forms.CharField(label=_("Grade"), max_length=50)
    starts_on = forms.DateField(
        label=_("Billed from"), required=False, widget=_DATE_INPUT,
        help_text=_("Empty: from the start of the school year. Earlier months are not billed."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = school_ids_where(user, Action.FEES_WRITE)
        plans = FeePlan.objects.filter(is_active=True, school_year__is_active=True).select_related(
            "school_year", "school"
        )
        self.fields["plan"].queryset = plans if allowed is None else plans.filter(school_id__in=allowed)
        self.fields["plan"].label_from_instance = lambda plan: f"{plan.school} · {plan.school_year} · {plan}"


@admin.register(Enrollment)
class EnrollmentAdmin(_FeeSetupAdmin):
    list_display = ["student", "plan", "school_year", "starts_on", "is_active", "school"]
    list_filter = ["is_active", "school_year", ("school", ScopedSchoolFilter)]
    list_select_related = ["student", "plan", "school_year", "school"]
    search_fields = ["student__first_name", "student__last_name", "plan__name"]
    raw_id_fields = ["student"]
    fields = ["student", "plan", "starts_on", "is_active", "created_at", "updated_at"]
    change_list_template = "admin/fees/enrollment/change_list.html"
    create_only_fields = ["student"]
    fee_choices = {"plan": FeePlan.objects.filter(is_active=True).select_related("school_year")}
    extra_views = [("enroll-grade/", "enroll_grade_view", "fees_enroll_grade")]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = self._changes(form, ["starts_on", "is_active"])
            if "plan" in form.changed_data:
                changes["plan_id"] = data["plan"].pk
            saved = services.enrollment_update(enrollment_id=obj.pk, actor=request.user, **changes)
        else:
            if not user_can(request.user, Action.FEES_WRITE, data["student"].school_id):
                raise PermissionDenied
            saved = services.enrollment_create(
                student_id=data["student"].pk, plan_id=data["plan"].pk, starts_on=data.get("starts_on"),
                actor=request.user,
            )
        self.saved_by_service(obj, saved)

    def enroll_grade_view(self, request):
        """Enroll a whole grade in a plan at once (students already in a plan that year are skipped)."""
        if not user_can_anywhere(request.user, Action.FEES_WRITE):
            raise PermissionDenied
        form = EnrollGradeForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            plan = form.cleaned_data["plan"]
            counts = services.enrollments_create_by_grade(
                plan_id=plan.pk, grade=form.cleaned_data["grade"], starts_on=form.cleaned_data["starts_on"],
                actor=request.user,
            )
            self.message_user(
                request,
                gettext(
                    "%(enrolled)d student(s) enrolled in %(plan)s; %(already)d already had a plan this year."
                ) % {"enrolled": counts["enrolled"], "plan": plan, "already": counts["already_enrolled"]},
                level=messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:fees_enrollment_changelist"))
        return self.page(request, "admin/fees/enroll_grade.html", title=gettext("Enroll a grade"), form=form)


@admin.register(Discount)
class DiscountAdmin(_FeeSetupAdmin):
    """Becas and discounts; the student's page links here filtered to them (`?student__id__exact=`)."""

    list_display = ["student", "family", "kind", "percent", "amount", "concept_kinds", "valid_from",
                    "valid_to", "is_active", "approved_by"]
    list_filter = ["kind", "is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["student", "family", "approved_by", "school"]
    search_fields = ["student__first_name", "student__last_name", "family__name", "reason"]
    raw_id_fields = ["student", "family"]
    fields = ["student", "family", "kind", "percent", "amount", "concept_kinds", "valid_from", "valid_to",
              "early_payment_day", "reason", "is_active", "approved_by", "created_at", "updated_at"]
    _EDITABLE = ["kind", "percent", "amount", "concept_kinds", "valid_from", "valid_to", "reason",
                 "early_payment_day", "is_active"]
    readonly_fields = [*_FeeSetupAdmin.readonly_fields, "approved_by"]
    create_only_fields = ["student", "family"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.discount_update(
                discount_id=obj.pk, actor=request.user, **self._changes(form, self._EDITABLE)
            )
        else:
            holder = data.get("student") or data.get("family")
            if holder is None or not user_can(request.user, Action.FEES_WRITE, holder.school_id):
                raise PermissionDenied
            saved = services.discount_create(
                student_id=data["student"].pk if data.get("student") else None,
                family_id=data["family"].pk if data.get("family") else None, actor=request.user,
                **{field: data.get(field) for field in self._EDITABLE if field != "is_active"},
            )
        self.saved_by_service(obj, saved)


@admin.register(LateFeePolicy)
class LateFeePolicyAdmin(_FeeSetupAdmin):
    list_display = ["school", "grace_days", "tiers", "cap", "concept_kinds", "is_active"]
    list_filter = ["is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["school"]
    fields = ["school", "grace_days", "tiers", "cap", "concept_kinds", "is_active", "created_at",
              "updated_at"]
    _EDITABLE = ["grace_days", "tiers", "cap", "concept_kinds", "is_active"]
    create_only_fields = ["school"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.late_fee_policy_update(
                policy_id=obj.pk, actor=request.user, **self._changes(form, self._EDITABLE)
            )
        else:
            if not user_can(request.user, Action.FEES_WRITE, data["school"].pk):
                raise PermissionDenied
            saved = services.late_fee_policy_create(
                school_id=data["school"].pk, actor=request.user,
                **{field: data.get(field) for field in self._EDITABLE if field != "is_active"},
            )
        self.saved_by_service(obj, saved)


@admin.register(FeeConcept)
class FeeConceptAdmin(_FeeSetupAdmin):
    list_display = ["code", "name", "kind", "deductible", "is_active", "school"]
    list_filter = ["kind", "is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["school"]
    search_fields = ["code", "name"]
    fields = ["school", "code", "name", "kind", "deductible", "is_active", "created_at", "updated_at"]
    create_only_fields = ["school"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = fee_concept_update(
                concept_id=obj.pk, actor=request.user,
                **self._changes(form, ["code", "name", "kind", "deductible", "is_active"]),
            )
        else:
            if not user_can(request.user, Action.FEES_WRITE, data["school"].pk):
                raise PermissionDenied
            saved = fee_concept_create(
                school_id=data["school"].pk, code=data["code"], name=data["name"], kind=data["kind"],
                deductible=data.get("deductible", False), actor=request.user,
            )
        self.saved_by_service(obj, saved)


class BillingRunForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None)
    period = forms.RegexField(label=_("Period"), regex=PERIOD_PATTERN, max_length=7,
                              help_text=_("YYYY-MM"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from schools.models import School

        allowed = school_ids_where(user, Action.BILLING_RUN)
        schools = School.objects.filter(is_active=True).order_by("name")
        self.fields["school"].queryset = schools if allowed is None else schools.filter(pk__in=allowed)

    def clean(self):
        data = super().clean()
        school, period = data.get("school"), data.get("period")
        if school is not None and period and not selectors.school_year_covers(
            school_id=school.pk, period=Period.parse(period)
        ):
            self.add_error("period", gettext("No active school year of this school covers %(period)s.")
                           % {"period": period})
        return data


@admin.register(BillingRun)
class BillingRunAdmin(SchoolScopedAdmin):
    """The record of every billing run, and the page that issues a month (preview first)."""

    list_display = ["period", "school", "invoices_created", "already_issued", "total_amount",
                    "credit_applied", "created_by", "created_at", "duration_ms"]
    list_filter = ["period", ("school", ScopedSchoolFilter)]
    list_select_related = ["school", "created_by"]
    change_list_template = "admin/fees/billingrun/change_list.html"
    extra_views = [("issue/", "issue_view", "fees_billing_run_issue")]

    def has_change_permission(self, request, obj=None):
        return False

    def issue_view(self, request):
        """Issue this month's invoices: the preview (counts and totals of a dry run), then issue."""
        if not user_can_anywhere(request.user, Action.BILLING_RUN):
            raise PermissionDenied
        today = local_today()
        form = BillingRunForm(request.POST or request.GET or None, user=request.user,
                              initial={"period": f"{today.year:04d}-{today.month:02d}"})
        preview = None
        if form.is_bound and form.is_valid():
            school = form.cleaned_data["school"]
            period = Period.parse(form.cleaned_data["period"])
            if request.method == "POST" and "issue" in request.POST:
                result = billing_run_execute(school_id=school.pk, period=period, actor=request.user)
                self.message_user(
                    request,
                    gettext(
                        "%(period)s: %(count)d invoice(s) issued for %(total)s; %(already)d already issued."
                    ) % {"period": period, "count": result.invoices_created, "total": result.total_amount,
                       "already": result.already_issued},
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:fees_billingrun_changelist"))
            preview = billing_run_execute(school_id=school.pk, period=period, dry_run=True)
        return self.page(
            request, "admin/fees/billing_run_issue.html", title=gettext("Issue a month's invoices"),
            form=form, preview=preview,
        )


@admin.register(LateFeeRun)
class LateFeeRunAdmin(SchoolScopedAdmin):
    list_display = ["as_of", "school", "surcharges_created", "total_amount", "created_by", "created_at"]
    list_filter = [("school", ScopedSchoolFilter)]
    list_select_related = ["school", "created_by"]

    def has_change_permission(self, request, obj=None):
        return False
