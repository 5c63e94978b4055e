"""The custom-action server (rasa_sdk) as this product runs it: on 127.0.0.1 unless told otherwise, and
answering only a caller that presents the shared secret, so nobody else can drive actions such as
`action_hand_to_person` (which opens urgent tickets).

    python -m bot.actionserver --port 5055 [--host 127.0.0.1]

The secret comes from SENDIASS_ACTION_SECRET (the main job makes a random one for the action server it
starts; for the multi-machine deployment every replica and the action server get the same value,
docs/DEPLOY.md). Rasa sends it in the `X-Sendiass-Action-Secret` header of every action call.
"""
from __future__ import annotations

import argparse
import ctypes
import hmac
import logging
import os
import signal
import sys

import bot  # noqa: F401  (environment defaults: telemetry off)

SECRET_HEADER = "X-Sendiass-Action-Secret"
SECRET_ENV = "SENDIASS_ACTION_SECRET"
MIN_SECRET = 24

logger = logging.getLogger(__name__)


def action_secret(required: bool = True) -> str | None:
    secret = os.environ.get(SECRET_ENV) or None
    if required and (secret is None or len(secret) < MIN_SECRET):
        raise SystemExit(f"{SECRET_ENV} must be set to a random secret of at least {MIN_SECRET} characters "
                         f"(the same value for Rasa and the action server; docs/DEPLOY.md).")
    return secret


def die_with_parent(parent_pid: int):
    """A preexec_fn for subprocess.Popen: the child gets SIGTERM when its parent dies, even by `kill -9`
    (Linux's PR_SET_PDEATHSIG), so no orphan keeps holding a port."""
    def preexec() -> None:
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, int(signal.SIGTERM))  # 1 = PR_SET_PDEATHSIG
        except OSError:  # not Linux: the parent's atexit handler is the only guard
            return
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
    return preexec


def create_app(secret: str):
    from rasa_sdk import endpoint
    from sanic import response

    app = endpoint.create_app("actions", cors_origins=None)  # called server to server: no browser origin

    @app.on_request
    async def require_secret(request):
        if request.path == "/health":
            return None
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return response.json({"error": "this action server answers only the assistant (shared secret)"},
                                 status=401)
        return None

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.actionserver", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("SENDIASS_ACTION_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SENDIASS_ACTION_PORT", "5055")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    app = create_app(action_secret())
    app.run(args.host, args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
