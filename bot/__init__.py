"""Safe Replies: triage, approved replies and a policy guard for an IASS service's social media."""
import logging
import os
import sys

# No network here and users expect it off; quieter TensorFlow.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def _quiet_structlog() -> None:
    """Rasa 3.6 logs every parse through structlog, which prints to stdout by default: that would
    corrupt JSON-lines output and echo message text into logs. Keep warnings, on stderr."""
    try:
        import structlog
    except ImportError:  # the detector and guard work without Rasa installed
        return
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )


_quiet_structlog()
