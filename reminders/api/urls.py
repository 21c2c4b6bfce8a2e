from core.api import route
from reminders.api.views import PolicyDetailApi, PolicyListApi, ReminderDetailApi, ReminderListApi

urlpatterns = [
    route("reminder-policies", PolicyListApi, "reminder-policy-list"),
    route("reminder-policies/<policy_id>", PolicyDetailApi, "reminder-policy-detail"),
    route("reminders", ReminderListApi, "reminder-list"),
    route("reminders/<reminder_id>", ReminderDetailApi, "reminder-detail"),
]
