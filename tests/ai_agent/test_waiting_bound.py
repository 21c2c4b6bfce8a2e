"""Issue 13, item 9: how many OpenAI calls may wait at once is bounded, per process and per user;
past the bound the answer comes from the rules at once."""

import pytest

from ai_agent.llm import _waiting_slot, ai_caller
from tests.ai_agent.test_openai_path import late_student, narrative  # noqa: F401 - fixtures
from tests.conftest import authenticated_client, member
from users.models import Role

pytestmark = pytest.mark.django_db


def _risk(user, student):
    return authenticated_client(user).post(f"/api/v1/ai/risk-analysis/{student.pk}").json()


def test_past_the_process_bound_the_rules_answer_without_calling_openai(
    school, late_student, fake_openai, settings  # noqa: F811
):
    settings.AI_MAX_WAITING_PER_PROCESS = 1
    user = member(school, Role.VIEWER)
    fake_openai.reply(narrative())
    with _waiting_slot() as taken:  # another request of this process is waiting on OpenAI
        assert taken
        assert _risk(user, late_student)["source"] == "rules"
    assert fake_openai.requests == []
    assert _risk(user, late_student)["source"] == "openai"


def test_past_the_user_bound_only_that_user_gets_the_rules(school, late_student, fake_openai, settings):  # noqa: F811
    settings.AI_MAX_WAITING_PER_PROCESS = 10
    settings.AI_MAX_WAITING_PER_USER = 1
    busy, other = member(school, Role.VIEWER), member(school, Role.VIEWER)
    fake_openai.reply(narrative())
    token = ai_caller.set(str(busy.pk))
    try:
        with _waiting_slot():  # one of `busy`'s requests is waiting on OpenAI
            assert _risk(busy, late_student)["source"] == "rules"
            assert _risk(other, late_student)["source"] == "openai"
    finally:
        ai_caller.reset(token)
