"""The floor for POST /api/triage: a bare Sanic server running the same triage and nothing else.

    uv run python bench/floor.py --model models/sendiass-<hash>.tar.gz --port 5077

Same Rasa model, detector, classifier, decision and guard as `sendiass serve` (TriageService.triage_item),
but no Rasa channels, tracker store, action server, product store or review routes. bench/run.py --http
measures it beside the product in the same run: the product cannot be faster than this, and the gap is what
the product's own HTTP layer costs.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from sanic import Sanic, response

    from bot.triage import TriageService

    service = TriageService.load(args.model)
    app = Sanic("safe_replies_floor")

    @app.get("/health")
    async def health(request):
        return response.json({"status": "ok"})

    @app.post("/api/triage")
    async def triage(request):
        try:
            obj = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError):
            return response.json({"id": None, "error": "send a JSON object"}, status=400)
        result = await service.triage_item(obj)
        return response.json(result, status=400 if "error" in result else 200)

    app.run(host="127.0.0.1", port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
