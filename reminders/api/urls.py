from django.urls import re_path

from reminders.api.views import PolicyDetailApi, PolicyListApi, ReminderDetailApi, ReminderListApi

urlpatterns = [
    re_path(r"^reminder-policies/?$", PolicyListApi.as_view(), name="reminder-policy-list"),
    re_path(r"^reminder-policies/(?P<policy_id>[^/]+)/?$", PolicyDetailApi.as_view(),
            name="reminder-policy-detail"),
    re_path(r"^reminders/?$", ReminderListApi.as_view(), name="reminder-list"),
    re_path(r"^reminders/(?P<reminder_id>[^/]+)/?$", ReminderDetailApi.as_view(), name="reminder-detail"),
]
