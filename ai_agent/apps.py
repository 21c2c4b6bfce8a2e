from django.apps import AppConfig


class AiAgentConfig(AppConfig):
    name = "ai_agent"
    default_auto_field = "django.db.models.BigAutoField"
