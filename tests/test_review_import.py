"""`sendiass import FILE` (the real CLI, a fresh store) and `sendiass user ...`; JSON-lines edge cases in-process."""
from __future__ import annotations

import json

import sqlalchemy as sa

from bot import auth, review
from bot.review import Queue, import_file
from bot.store import Store
from tests.conftest import sendiass

CSV = """platform,author,text,url,received_at
facebook,Dawn Patel,"My daughter Evie is 9 and at Eyres Monsell Primary, they still haven't put her 1:1 support in place. What can I do?",https://www.facebook.com/SENDIASSLeicester/posts/1?comment_id=11,2026-11-20T19:02:00Z
twitter,@leicsdad,Is your service free for parents?,https://x.com/leicsdad/status/1860000000000000001,2026-11-21T08:15:00Z
myspace,Tom,Anyone there?,,2026-11-21T09:00:00Z
youtube,Priti M,,https://www.youtube.com/watch?v=abc&lc=1,2026-11-21T10:00:00Z
facebook,,"Thank you for the transitions workshop, really helpful",,2026-11-21T11:00:00Z
facebook,Lee,"Thanks, really useful session on annual reviews",,last tuesday
youtube,Grace O,"Brilliant video on EHCP appeals, thank you!",https://www.youtube.com/watch?v=abc&lc=2,2026-11-22T12:30:00Z
facebook,Jo,one,two,three,four
"""


def stored(home) -> list[dict]:
    queue = Queue(Store(f"sqlite:///{home / 'sendiass.db'}"))
    try:
        return queue.list(status="all")
    finally:
        queue.engine.dispose()


def test_import_csv_reports_bad_rows_and_keeps_the_good_ones(tmp_path, model_path, service):
    export = tmp_path / "facebook-export.csv"
    export.write_text(CSV, encoding="utf-8")
    env = {"SENDIASS_VAR": str(tmp_path)}
    done = sendiass("import", str(export), "--model", str(model_path), env=env)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    for line, message in ((4, "unknown platform 'myspace'"), (5, "'text' is missing"), (6, "'author' is missing"),
                          (7, "'received_at' 'last tuesday' is not a time"), (9, "6 fields but the header has 5")):
        assert f"line {line}: {message}" in err, err
    assert "3 comment(s) added to the review queue, 0 already there, 5 bad row(s) skipped" in err
    items = stored(tmp_path)
    assert {i["author"] for i in items} == {"Dawn Patel", "@leicsdad", "Grace O"}
    evie = next(i for i in items if i["author"] == "Dawn Patel")
    assert evie["route"] == "redirect_private" and evie["source"] == "import" and evie["state"] == "pending"
    assert evie["received_at"] == "2026-11-20T19:02:00+00:00" and evie["reply"] and evie["guard"]["ok"]
    assert {i["platform"] for i in items} == {"facebook", "x", "youtube"}

    # importing the same export again (e.g. after fixing a row) keeps everything and adds no copies
    # (in-process, the same function the command runs: it saves loading the model twice)
    export.write_text(CSV.replace("myspace,Tom", "facebook,Tom"), encoding="utf-8")
    queue = Queue(Store(f"sqlite:///{tmp_path / 'sendiass.db'}"))
    counts = import_file(service, export, queue=queue, report=lambda text: None)
    assert counts == {"rows": 8, "added": 1, "duplicates": 3, "errors": 4}
    assert len(stored(tmp_path)) == 4


def test_import_jsonl_edge_cases(tmp_path, monkeypatch, service):
    monkeypatch.setenv("SENDIASS_VAR", str(tmp_path))
    monkeypatch.delenv("SENDIASS_DATABASE_URL", raising=False)
    lines = [
        json.dumps({"platform": "facebook", "author": "Helen W", "text": "Do you help with annual reviews?",
                    "received_at": 1763900000}).encode(),
        b"",
        b"{not json",
        b'{"platform": "x", "author": "bin", "text": "\xff\xfe"}',
        json.dumps({"platform": "facebook", "author": "Nul", "text": "bad\u0000text"}).encode(),
        json.dumps(["a list"]).encode(),
        json.dumps({"platform": "youtube", "author": "Mo", "text": "Thanks for the video!"}).encode(),
        json.dumps({"author": "No platform", "text": "Hello"}).encode(),
    ]
    path = tmp_path / "comments.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    queue = Queue(Store())
    reports = []
    counts = import_file(service, path, queue=queue, report=reports.append)
    assert counts == {"rows": 7, "added": 2, "duplicates": 0, "errors": 5}, reports
    assert [r.split(":")[0] for r in reports] == ["line 3", "line 4", "line 5", "line 6", "line 8"]
    assert "not UTF-8" in reports[1] and "binary" in reports[2] and "platform" in reports[4]
    # --platform fills in rows that don't name one; Mo's row has no address or time, and still is not
    # queued twice (it is the first row of the file with that platform, author and text)
    counts = import_file(service, path, queue=queue, platform="facebook", report=reports.append)
    assert counts == {"rows": 7, "added": 1, "duplicates": 2, "errors": 4}, reports
    assert sorted(i["author"] for i in queue.list(status="all")) == ["Helen W", "Mo", "No platform"]


def test_an_import_run_again_after_a_crash_adds_no_copies(tmp_path, service):
    """Rows with no address and no time (most page exports): a re-run after a crash used to queue again every
    row stored before the crash. Identical rows are different comments and are all kept, once."""
    rows = ["platform,author,text"]
    for n in range(24):
        rows.append(f"facebook,Parent {n % 5},\"Thank you, that really helped (#{n % 7})\"")
    rows.append("facebook,Parent 1,Thanks!")
    rows.append("facebook,Parent 1,Thanks!")  # the same person thanking twice: two comments
    export = tmp_path / "page-export.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    queue = Queue(Store(f"sqlite:///{tmp_path / 'sendiass.db'}"))

    class Crash(Exception):
        pass

    done = {"n": 0}

    def crash_after_ten():
        done["n"] += 1
        if done["n"] == 10:
            raise Crash()

    try:
        import_file(service, export, queue=queue, progress=crash_after_ten, report=lambda text: None)
    except Crash:
        pass
    assert len(queue.list(status="all")) == 10
    counts = import_file(service, export, queue=queue, report=lambda text: None)
    assert counts == {"rows": 26, "added": 16, "duplicates": 10, "errors": 0}
    assert len(queue.list(status="all")) == 26
    assert sum(i["text"] == "Thanks!" for i in queue.list(status="all")) == 2
    again = import_file(service, export, queue=queue, report=lambda text: None)
    assert again == {"rows": 26, "added": 0, "duplicates": 26, "errors": 0}


def test_import_reports_times_that_cannot_be_stored(tmp_path, service):
    export = tmp_path / "times.jsonl"
    export.write_text("\n".join(json.dumps({"platform": "facebook", "author": "Ann", "text": "Thanks!",
                                            "received_at": when}) for when in
                                ("0001-01-01T00:00:00+14:00", "2026-11-21T10:00:00Z", 1e300)) + "\n")
    reports = []
    counts = import_file(service, export, queue=Queue(Store(f"sqlite:///{tmp_path / 'sendiass.db'}")),
                         report=reports.append)
    assert counts == {"rows": 3, "added": 1, "duplicates": 0, "errors": 2}
    assert reports[0].startswith("line 1: 'received_at' '0001-01-01T00:00:00+14:00' is not a time we can store")
    assert reports[1].startswith("line 3: 'received_at' 1e+300 is not a time")


def test_user_commands(tmp_path):
    env = {"SENDIASS_VAR": str(tmp_path)}
    short = sendiass("user", "add", "rebecca", "--role", "approver", "--password-stdin", input=b"short\n", env=env)
    assert short.returncode != 0 and "at least 10 characters" in short.stderr.decode()
    no_tty = sendiass("user", "add", "rebecca", "--role", "approver", env=env)
    assert no_tty.returncode != 0 and "--password-stdin" in no_tty.stderr.decode()
    ok = sendiass("user", "add", "Rebecca", "--role", "approver", "--password-stdin",
                  input=b"social media coordinator 2026\n", env=env)
    assert ok.returncode == 0 and "Added rebecca (approver)" in ok.stderr.decode()
    twice = sendiass("user", "add", "rebecca", "--role", "staff", "--password-stdin",
                     input=b"another long password\n", env=env)
    assert twice.returncode != 0 and "already a user called rebecca" in twice.stderr.decode()
    bad_role = sendiass("user", "add", "sam", "--role", "admin", "--password-stdin", input=b"x" * 12 + b"\n", env=env)
    assert bad_role.returncode == 2
    token = sendiass("user", "token", "rebecca", env=env)
    assert token.returncode == 0 and token.stdout.decode().startswith("sr_")
    assert sendiass("user", "token", "nobody", env=env).returncode != 0
    assert "rebecca\tapprover\tactive" in sendiass("user", "list", env=env).stdout.decode()

    engine = Store(f"sqlite:///{tmp_path / 'sendiass.db'}").engine
    assert auth.authenticate(engine, "rebecca", "social media coordinator 2026").role == "approver"
    with engine.connect() as conn:
        row = conn.execute(auth.users.select()).first()
    assert row.password.startswith("scrypt$") and "coordinator" not in row.password  # only the hash is stored
    assert auth.token_user(engine, token.stdout.decode().strip()).name == "rebecca"

    # her Telegram review account is the same person (the two-person rule counts them as one)
    tg = sendiass("user", "add", "tg-424242", "--role", "approver", "--person", "Rebecca", "--password-stdin",
                  input=b"telegram account passphrase\n", env=env)
    assert tg.returncode == 0 and "tg-424242 belongs to rebecca" in tg.stderr.decode(), tg.stderr.decode()
    assert "tg-424242\tapprover\tactive\tperson rebecca" in sendiass("user", "list", env=env).stdout.decode()
    assert sendiass("user", "link", "tg-424242", "nobody", env=env).returncode != 0
    with engine.connect() as conn:
        assert auth.person_of(conn, "tg-424242") == "rebecca"
        links = conn.execute(sa.select(review.audit.c.details).where(review.audit.c.action == "user_link")).scalars()
        assert [json.loads(d) for d in links] == [{"name": "tg-424242", "person": "rebecca"}]

    assert sendiass("user", "disable", "rebecca", env=env).returncode == 0
    assert auth.authenticate(engine, "rebecca", "social media coordinator 2026") is None
    assert auth.token_user(engine, token.stdout.decode().strip()) is None
