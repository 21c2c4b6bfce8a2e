"""The one door to OpenAI: structured answers, tool calls, a time budget, and why it fell back.

Every feature asks `answer_with_fallback(...)` for an OpenAI answer and a rules answer; the
rules answer is used whenever no key is set or the OpenAI path fails for any reason (timeout,
connection error, rate limit, refusal, invalid or unsupported output). The reason is logged
(`ai_fallback`) and the outcome of the last call is kept in the cache for `/api/v1/ai/status`.

Time budget: `OPENAI_TIMEOUT_SECONDS` bounds the whole OpenAI part of one API request (every
round of a tool conversation and the retry included), so a slow model cannot keep a gunicorn
worker past its own timeout. The client's built-in retries are off (`max_retries=0`) because they
honour a server's `Retry-After` of up to two minutes; we retry once ourselves, only for errors that
fail fast (connection refused, 429, 5xx) and only while at least a second of budget remains.

No OpenAI call runs inside a database transaction (it would hold row locks while waiting on the
network): callers gather their data first; `_in_transaction()` refuses the call otherwise.
"""

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.utils import timezone

logger = structlog.get_logger(__name__)

T = TypeVar("T")

STATUS_CACHE_KEY = "ai_agent:last_call"
MAX_ATTEMPTS = 2  # one retry
MIN_ATTEMPT_SECONDS = 1.0
RETRY_PAUSE_SECONDS = 0.2
MAX_TOOL_ROUNDS = 4
MAX_ANSWER_CHARS = 4000

_RETRYABLE = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


class LLMUnavailable(Exception):
    """The OpenAI path cannot give a usable answer; `reason` is a short stable word for logs."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail[:500]
        super().__init__(f"{reason}: {detail}" if detail else reason)


class OutputRejected(ValueError):
    """A model answer parsed but failed our checks (schema, figures, length)."""


def llm_mode() -> str:
    """`openai` when a key is configured, else `rules`."""
    return "openai" if settings.OPENAI_API_KEY else "rules"


def llm_last_call() -> dict | None:
    """{"succeeded", "at", "operation", "error"} of the last OpenAI call, kept in the cache.

    With the local-memory cache this is per worker process; with Redis it is shared.
    """
    return cache.get(STATUS_CACHE_KEY)


def _record(*, operation: str, succeeded: bool, error: str | None = None) -> None:
    cache.set(
        STATUS_CACHE_KEY,
        {
            "succeeded": succeeded,
            "at": timezone.now().isoformat(),
            "operation": operation,
            "error": error,
        },
        None,
    )


def _in_transaction() -> bool:
    """True inside a real `atomic` block (the test case's own wrapping block does not count)."""
    for connection in connections.all(initialized_only=True):
        if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
            return True
    return False


@dataclass
class Tool:
    """A function the model may call. `run` gets the parsed arguments and returns JSON-able data."""

    name: str
    description: str
    parameters: dict
    run: Callable[[dict], Any]

    def spec(self) -> dict:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
                "strict": True,
            },
        }


class LLMSession:
    """One API request's conversation with OpenAI, sharing one time budget."""

    def __init__(self, *, operation: str):
        self.operation = operation
        self.deadline = time.monotonic() + float(settings.OPENAI_TIMEOUT_SECONDS)
        self.model = settings.OPENAI_MODEL

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _create(self, client: openai.OpenAI, **kwargs):
        if _in_transaction():
            logger.error("ai_call_inside_transaction", operation=self.operation)
            raise LLMUnavailable("in_transaction", "OpenAI is never called inside a database transaction.")
        last_error: Exception | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            remaining = self._remaining()
            if remaining < (MIN_ATTEMPT_SECONDS if attempt > 1 else 0.05):
                break
            try:
                return client.chat.completions.create(model=self.model, timeout=remaining, **kwargs)
            except openai.APITimeoutError as exc:
                raise LLMUnavailable("timeout", str(exc)) from exc
            except _RETRYABLE as exc:
                last_error = exc
                logger.info("ai_call_retry", operation=self.operation, attempt=attempt, error=str(exc)[:200])
                time.sleep(min(RETRY_PAUSE_SECONDS, max(self._remaining(), 0)))
            except openai.OpenAIError as exc:
                raise LLMUnavailable(_reason(exc), str(exc)) from exc
        if last_error is None:
            raise LLMUnavailable("timeout", "The time budget ran out.")
        raise LLMUnavailable(_reason(last_error), str(last_error)) from last_error

    def _client(self) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL or None,
            max_retries=0,
            timeout=float(settings.OPENAI_TIMEOUT_SECONDS),
        )

    def json_answer(
        self, *, messages: list[dict], schema_name: str, schema: dict, validate: Callable[[dict], T]
    ) -> T:
        """One structured answer (JSON schema response format), validated by `validate`.

        `validate` returns the cleaned value or raises OutputRejected/ValueError.
        """
        with self._client() as client:
            completion = self._create(
                client,
                messages=messages,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": schema_name, "strict": True, "schema": schema},
                },
            )
        content = _message_content(completion)
        try:
            data = json.loads(content)
        except (TypeError, ValueError) as exc:
            raise LLMUnavailable("invalid_json", content[:200]) from exc
        if not isinstance(data, dict):
            raise LLMUnavailable("invalid_json", "The answer is not a JSON object.")
        return _validated(data, validate)

    def tool_answer(
        self, *, messages: list[dict], tools: list[Tool], validate: Callable[[str], T]
    ) -> T:
        """Let the model call `tools` (at most MAX_TOOL_ROUNDS rounds), then validate its text."""
        by_name = {tool.name: tool for tool in tools}
        messages = list(messages)
        with self._client() as client:
            for _ in range(MAX_TOOL_ROUNDS):
                completion = self._create(
                    client, messages=messages, tools=[tool.spec() for tool in tools]
                )
                message = completion.choices[0].message if completion.choices else None
                calls = (message.tool_calls or []) if message else []
                tool_calls = [call for call in calls if call.type == "function"]
                if not tool_calls:
                    return _validated(_message_content(completion), validate)
                messages.append(
                    {
                        "role": "assistant",
                        "content": message.content,
                        "tool_calls": [
                            {
                                "id": call.id,
                                "type": "function",
                                "function": {
                                    "name": call.function.name,
                                    "arguments": call.function.arguments,
                                },
                            }
                            for call in tool_calls
                        ],
                    }
                )
                for call in tool_calls:
                    result = _run_tool(by_name.get(call.function.name), call.function.arguments)
                    logger.info("ai_tool_call", operation=self.operation, tool=call.function.name)
                    messages.append(
                        {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result, default=str)}
                    )
        raise LLMUnavailable("too_many_tool_rounds", f"No answer after {MAX_TOOL_ROUNDS} rounds.")


def _run_tool(tool: Tool | None, raw_arguments: str) -> Any:
    if tool is None:
        return {"error": "unknown_tool"}
    try:
        arguments = json.loads(raw_arguments or "{}")
    except ValueError:
        return {"error": "invalid_arguments"}
    if not isinstance(arguments, dict):
        return {"error": "invalid_arguments"}
    try:
        return tool.run(arguments)
    except (ValueError, TypeError, KeyError) as exc:
        return {"error": "invalid_arguments", "detail": str(exc)[:200]}


def _message_content(completion) -> str:
    choice = completion.choices[0] if completion.choices else None
    if choice is None:
        raise LLMUnavailable("empty", "No choices in the answer.")
    if getattr(choice.message, "refusal", None):
        raise LLMUnavailable("refusal", choice.message.refusal)
    if choice.finish_reason == "length":
        raise LLMUnavailable("truncated", "The answer was cut at the token limit.")
    if choice.finish_reason == "content_filter":
        raise LLMUnavailable("content_filter", "The answer was filtered.")
    content = choice.message.content
    if not content or not content.strip():
        raise LLMUnavailable("empty", "The answer has no text.")
    return content


def _validated(value, validate: Callable[[Any], T]) -> T:
    try:
        return validate(value)
    except (OutputRejected, ValueError, TypeError, KeyError) as exc:
        raise LLMUnavailable("invalid_output", str(exc)) from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection_error"
    if isinstance(exc, openai.AuthenticationError):
        return "authentication_failed"
    if isinstance(exc, openai.APIStatusError):
        return f"http_{exc.status_code}"
    return "openai_error"


# Who is asking (set by the AI views): the per-user bound below counts their waiting calls.
ai_caller: ContextVar[str | None] = ContextVar("ai_caller", default=None)
_waiting_lock = threading.Lock()
_waiting: Counter = Counter()  # "*" for the process, and one entry per caller


@contextmanager
def _waiting_slot():
    """Yields True when this call may wait on OpenAI, False when the bounds are reached.

    A slow model holds a gunicorn thread for up to OPENAI_TIMEOUT_SECONDS; without a bound, a few
    users could occupy every thread of a process. At most AI_MAX_WAITING_PER_PROCESS calls wait at
    once in one process, and at most AI_MAX_WAITING_PER_USER of one user; beyond that the answer
    comes from the rules at once (logged as `ai_fallback` with reason `busy`).
    """
    caller = ai_caller.get()
    with _waiting_lock:
        full = _waiting["*"] >= settings.AI_MAX_WAITING_PER_PROCESS or (
            caller is not None and _waiting[caller] >= settings.AI_MAX_WAITING_PER_USER
        )
        if not full:
            _waiting["*"] += 1
            if caller is not None:
                _waiting[caller] += 1
    if full:
        yield False
        return
    try:
        yield True
    finally:
        with _waiting_lock:
            _waiting["*"] -= 1
            if caller is not None:
                _waiting[caller] -= 1
                if not _waiting[caller]:
                    del _waiting[caller]


def answer_with_fallback(
    *, operation: str, openai_answer: Callable[[LLMSession], T], rules_answer: Callable[[], T]
) -> tuple[T, str]:
    """(answer, source): OpenAI's when a key is set and it succeeds, else the rules'.

    Any failure of the OpenAI path falls back to the rules and is logged with its reason. Database
    errors are not swallowed: the rules would hit the same database.
    """
    if llm_mode() == "openai":
        with _waiting_slot() as may_wait:
            if not may_wait:
                logger.warning("ai_fallback", operation=operation, reason="busy",
                               detail="too many OpenAI calls waiting (process or user bound)")
                return rules_answer(), "rules"
            return _openai_or_rules(operation, openai_answer, rules_answer)
    return rules_answer(), "rules"


def _openai_or_rules(operation, openai_answer, rules_answer):
    """The OpenAI answer, or the rules' when the OpenAI path fails (reason logged)."""
    session = LLMSession(operation=operation)
    try:
        answer = openai_answer(session)
    except LLMUnavailable as exc:
        _record(operation=operation, succeeded=False, error=exc.reason)
        logger.warning("ai_fallback", operation=operation, reason=exc.reason, detail=exc.detail)
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the optional path falls back
        _record(operation=operation, succeeded=False, error="unexpected_error")
        logger.exception("ai_fallback", operation=operation, reason="unexpected_error", detail=str(exc))
    else:
        _record(operation=operation, succeeded=True)
        return answer, "openai"
    return rules_answer(), "rules"
