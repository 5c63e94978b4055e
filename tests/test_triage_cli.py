"""`sendiass triage`: the JSON-lines contract other tools rely on, with a real trained model."""
import json

from bot.profile import load_profile
from tests.conftest import json_lines, sendiass

KEYS = {"id", "route", "disclosure", "complaint", "needs_human", "reply", "intent", "confidence", "detections"}


def test_batch_contract_with_bad_lines(tmp_path, model_path):
    profile = load_profile()
    lines = [
        json.dumps({"id": 1, "text": "hello, what is an EHCP exactly?"}),
        json.dumps({"id": 2, "channel": "direct_message",
                    "text": "Please ring me on 07700 900123 about my son Kacper, he's been excluded again"}),
        "this is {not json",
        json.dumps({"id": 4}),
        json.dumps({"id": 5, "text": "x" * 10_001}),
        json.dumps({"id": 6, "text": "hi there", "channel": "carrier_pigeon"}),
        b"\xff\xfe\x00\x01binary".decode("latin-1"),
        json.dumps({"id": 8, "text": "thank you so much, really helpful"}),
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(l.encode("latin-1") if l.startswith("\xff") else l.encode() for l in lines) + b"\n")

    run = sendiass("triage", "--input", str(src), "--model", str(model_path))
    out = json_lines(run.stdout)

    assert run.returncode == 1, run.stderr.decode()[-2000:]
    assert len(out) == len(lines)  # one line out per line in, in order, the run goes on after errors
    first, disclosure = out[0], out[1]
    assert KEYS <= set(first)
    assert first["id"] == 1 and first["route"] == "answer" and first["reply"]
    assert disclosure["route"] == "redirect_private" and disclosure["disclosure"] is True
    assert profile.phone in disclosure["reply"] and profile.email in disclosure["reply"]
    assert "07700" not in disclosure["reply"] and "Kacper" not in disclosure["reply"]
    assert {d["type"] for d in disclosure["detections"]} >= {"phone"}
    for d in disclosure["detections"]:
        assert 0 <= d["start"] < d["end"] <= len(json.loads(lines[1])["text"])
    for i in (2, 3, 4, 5, 6):
        assert set(out[i]) == {"id", "error"} and out[i]["error"], out[i]
    assert out[3]["id"] == 4 and "text" in out[3]["error"]
    assert "10,000" in out[4]["error"]
    assert "channel" in out[5]["error"]
    assert out[7]["id"] == 8 and out[7]["route"] == "acknowledge"


def test_stdin_and_exit_status_zero(model_path):
    data = "\n".join(json.dumps({"id": f"m{i}", "text": t}) for i, t in enumerate(
        ["Do you charge for your help?", "Who won the football at the weekend?"])) + "\n"
    run = sendiass("triage", "--input", "-", "--model", str(model_path), input=data.encode())
    out = json_lines(run.stdout)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert [o["id"] for o in out] == ["m0", "m1"]
    assert out[1]["route"] == "handoff" and out[1]["reply"] is None and out[1]["needs_human"] is True


def test_missing_input_file_is_a_clear_error(model_path):
    run = sendiass("triage", "--input", "/nonexistent/file.jsonl", "--model", str(model_path))
    assert run.returncode != 0
    assert b"Input file not found" in run.stderr
