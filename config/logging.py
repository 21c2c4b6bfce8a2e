"""JSON logging through structlog; django-structlog binds a request id to every line."""

import logging

import structlog

_shared_processors = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class CacheOutageAsWarning(logging.Filter):
    """django-redis reports each cache call it skipped during a Redis outage with
    `logger.exception` (ERROR and a traceback). The app keeps answering from the database, so it
    is a warning: one line per call, `cache_unavailable: <error>`, no traceback to page anyone.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            error = record.exc_info[1]
            cause = error.__cause__ or error
            record.msg, record.args = "cache_unavailable: %s", (repr(cause),)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def build_logging_config(level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"cache_outage_as_warning": {"()": CacheOutageAsWarning}},
        "formatters": {
            "json": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processor": structlog.processors.JSONRenderer(),
                "foreign_pre_chain": _shared_processors,
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "django_structlog": {"level": level},
            # DJANGO_REDIS_LOGGER: cache calls skipped while Redis is down.
            "core.cache": {"level": "WARNING", "filters": ["cache_outage_as_warning"]},
            # PDF rendering: WeasyPrint's font subsetting logs a line per table of every font.
            "fontTools": {"level": "WARNING"},
        },
    }


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            *_shared_processors,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    logging.captureWarnings(True)
