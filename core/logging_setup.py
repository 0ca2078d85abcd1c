"""Logs on stderr, readable text (default) or one JSON object per line (RGPD_LOG_FORMAT=json).

One `logging.config.dictConfig` for every process: the `rgpd` commands apply it themselves,
and `rgpd serve` hands it to uvicorn, which applies it again in each worker process. The
application's loggers, uvicorn's error log and our access log (`rgpd.access`, one line per
request) all go through the root handler, so they share one format.

What a log line may hold: times, counts, ids, statuses, methods and paths. Never a header, a
cookie, a body, a query string (it may carry a CSRF token or a person's name searched for),
an e-mail subject or an address: e-mail addresses that slip into a message or an exception
anyway are masked by the formatters, and the client's IP address is written only when
RGPD_LOG_CLIENT_ADDRESS is set.
"""

import json
import logging
import logging.config
import re
import time
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
ACCESS_LOGGER = "rgpd.access"
MASKED_ADDRESS = "[adresse masquée]"

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)

# The attributes every LogRecord has: anything else was passed as `extra` and is written out.
_STANDARD = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "color_message", "taskName"}


def mask_addresses(text: str) -> str:
    return _EMAIL.sub(MASKED_ADDRESS, text)


class TextFormatter(logging.Formatter):
    """The classic line, e-mail addresses masked."""

    def __init__(self, fmt: str = TEXT_FORMAT) -> None:
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        return mask_addresses(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, pid, message, then the
    record's extra fields, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": mask_addresses(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = _plain(value)
        if record.exc_info:
            entry["exception"] = mask_addresses(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = mask_addresses(record.exc_text)
        if record.stack_info:
            entry["stack"] = mask_addresses(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return mask_addresses(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_addresses(str(value))


def json_formatter() -> JsonFormatter:
    # Called by dictConfig in every process (uvicorn's workers included): Python's warnings
    # become log records too, rather than raw lines breaking the one-object-per-line stream.
    logging.captureWarnings(True)
    return JsonFormatter()


def logging_config(log_format: str = "text", level: str = "INFO") -> dict[str, Any]:
    """The dictConfig of a process: one stderr handler on the root logger."""
    formatter = (
        {"()": "core.logging_setup.json_formatter"}
        if log_format == "json"
        else {"()": "core.logging_setup.TextFormatter"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Uvicorn's own handlers are replaced by the root's.
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            # Its access log quotes the query string and the client's address: ours replaces it.
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # APScheduler reports every job it adds and runs: thousands on a busy instance.
            "apscheduler": {"level": "ERROR"},
        },
    }


def configure_logging(log_format: str = "text") -> None:
    logging.config.dictConfig(logging_config(log_format))


class AccessLogMiddleware:
    """One `rgpd.access` record per HTTP request: method, path (never the query string),
    status and duration in milliseconds; the client's address only when asked.

    Plain ASGI, so it sees the answer of every route, the 401s and the errors included.
    """

    def __init__(self, app, *, client_address: bool = False) -> None:
        self.app = app
        self.client_address = client_address
        self.log = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before answering

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._write(scope, status, (time.perf_counter() - started) * 1000)

    def _write(self, scope, status: int, duration_ms: float) -> None:
        if not self.log.isEnabledFor(logging.INFO):
            return
        # `path` is decoded and never holds the query string (that is `query_string`).
        extra: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round(duration_ms, 1),
        }
        line = "%s %s %d %.1f ms"
        args: tuple = (scope["method"], scope["path"], status, duration_ms)
        if self.client_address and scope.get("client"):
            extra["client"] = scope["client"][0]
            line, args = "%s " + line, (extra["client"], *args)
        self.log.info(line, *args, extra=extra)
