"""Issue 10, the review page and API attacked over real HTTP (`sendiass serve`): ids and times that used to give
500s, sign-in forced from another port, passwords typed into the name box, guessing from one computer, and
__Host- cookies over HTTPS (a server behind a TLS proxy: SENDIASS_COOKIE_SECURE=1)."""
from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.conftest import running_server
from tests.review_support import add_user, login_form_token, sign_in

STAFF, APPROVER = ("hard.amira", "amira's hardening passphrase"), ("hard.priya", "priya's hardening passphrase")
COMMENT = {"platform": "facebook", "author": "Sam Kaur", "text": "Is your service free for parents?"}


@pytest.fixture(scope="module")
def site(server):
    add_user(server["home"], STAFF[0], "staff", STAFF[1])
    add_user(server["home"], APPROVER[0], "approver", APPROVER[1])
    return server


@pytest.fixture(scope="module")
def amira(site):
    return sign_in(site["url"], *STAFF)


@pytest.fixture(scope="module")
def priya(site):
    return sign_in(site["url"], *APPROVER)


def audit_rows(site, where: str = "1 = 1", params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(site["home"] / "sendiass.db")) as db:
        query = f"select actor, action, client from review_audit where {where} order by id"
        return db.execute(query, params).fetchall()


def item_count(site) -> int:
    with closing(sqlite3.connect(site["home"] / "sendiass.db")) as db:
        return db.execute("select count(*) from review_items").fetchone()[0]


class FromAddress(HTTPAdapter):
    """Connect from another loopback address (127.x.y.z), so the server sees another client."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def a_new_address() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def try_sign_in(session: requests.Session, base: str, name: str, password: str, **headers) -> requests.Response:
    token = login_form_token(session, base)
    return session.post(f"{base}/review/login", data={"name": name, "password": password, "csrf_token": token},
                        headers=headers, allow_redirects=False, timeout=30)


# ---------------------------------------------------------------- 500s that are now 400s

def test_item_ids_beyond_the_database_are_a_400(site, amira):
    item = amira.post_json("/api/comments", COMMENT).json()
    for huge in (2**63, 2**63 + 1, 2**31, 10**30):
        for r in (amira.get_json(f"/api/review/items/{huge}"),
                  amira.post_json(f"/api/review/items/{huge}/approve", {}),
                  amira.post_json(f"/api/review/items/{huge}/edit", {"text": "Hello there"}),
                  amira.post_json("/api/review/check", {"item_id": huge, "text": "Hello there"})):
            assert r.status_code == 400, (huge, r.status_code, r.text[:300])
            assert "from 1 to 2,147,483,647" in r.json()["error"]
    assert amira.get_json("/api/review/items/2147483647").status_code == 404  # the largest id is just not there
    assert amira.get_json(f"/api/review/items/{item['id']}").json()["item"]["state"] == "pending"


def test_received_at_before_year_one_in_utc_is_a_400(site, amira):
    before = item_count(site)
    for when, message in (("0001-01-01T00:00:00+14:00", "is not a time we can store"),
                          ("0001-01-01T00:00:00", "before 2000"), ("9999-12-31T23:59:59-14:00", "not a time we can")):
        r = amira.post_json("/api/comments", {**COMMENT, "received_at": when})
        assert r.status_code == 400 and message in r.json()["error"], (when, r.status_code, r.text[:300])
    for bad in ({**COMMENT, "author": "x" * 201}, {**COMMENT, "author": "Sam\u0000Kaur"},
                {**COMMENT, "url": "https://example.org/\u0000"}, {**COMMENT, "author": 12}):
        r = amira.post_json("/api/comments", bad)
        assert r.status_code == 400 and r.json()["error"], bad
    assert item_count(site) == before  # nothing stored


# ---------------------------------------------------------------- sign-in forced from another port

def test_sign_in_posted_from_another_port_is_refused(site):
    base = site["url"]
    port = int(base.rsplit(":", 1)[1])
    evil = f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}"
    session = requests.Session()
    # the attacker's page on another port plants the form token cookie (cookies ignore ports) and posts the
    # form with the attacker's own account: the victim's browser sends the attacker's Origin
    session.cookies.set("sr_login", "planted-token")
    r = session.post(f"{base}/review/login", data={"name": APPROVER[0], "password": APPROVER[1],
                                                   "csrf_token": "planted-token"},
                     headers={"Origin": evil}, allow_redirects=False, timeout=30)
    assert r.status_code == 403 and "another site or port" in r.text
    assert "sr_session" not in r.headers.get("set-cookie", "")
    r = try_sign_in(requests.Session(), base, *APPROVER, Referer=f"{evil}/forged.html")  # no Origin, a Referer
    assert r.status_code == 403
    # from the page itself it works, with or without the Origin header a browser sends
    assert try_sign_in(requests.Session(), base, *APPROVER, Origin=base).status_code == 303
    assert try_sign_in(requests.Session(), base, *APPROVER).status_code == 303


def test_a_signed_in_post_from_another_origin_is_refused(site, amira, priya):
    item = amira.post_json("/api/comments", {**COMMENT, "author": "Origin check"}).json()
    port = int(site["url"].rsplit(":", 1)[1])
    for origin in (f"http://127.0.0.1:{port + 1}", "https://evil.example", "null"):
        r = priya.post_json(f"/api/review/items/{item['id']}/approve", {"version": item["version"]},
                            headers={"Origin": origin})
        assert r.status_code == 403 and "another site or port" in r.json()["error"], origin
        r = amira.post_json("/api/practice/start", {}, headers={"Origin": origin})
        assert r.status_code == 403, origin
    assert amira.get_json(f"/api/review/items/{item['id']}").json()["item"]["state"] == "pending"
    done = priya.post_json(f"/api/review/items/{item['id']}/approve", {"version": item["version"]},
                           headers={"Origin": site["url"]})
    assert done.status_code == 200 and done.json()["item"]["state"] == "approved"


# ---------------------------------------------------------------- failed sign-ins

def test_a_password_typed_into_the_name_box_is_never_stored_or_shown(site, amira, priya):
    secret = f"Correct-Horse-{random.randint(10**8, 10**9)}"
    address = a_new_address()
    r = try_sign_in(client_from(address), site["url"], secret, "")
    assert r.status_code == 401 and "Wrong name or password" in r.text
    # every byte of the store (database, WAL), read by another process: opening and closing the database
    # file here would drop this process's SQLite locks on it
    found = subprocess.run([sys.executable, "-c", "import sys, pathlib; data = b''.join(p.read_bytes() for p in "
                            "pathlib.Path(sys.argv[1]).glob('sendiass.db*')); print(sum(data.count(s.encode()) "
                            "for s in sys.argv[2:]))", str(site["home"]), secret, secret.lower()],
                           capture_output=True, text=True, timeout=60)
    assert found.stdout.strip() == "0", found
    stored = audit_rows(site, "action = 'sign_in_failed'")
    assert all(secret.lower() not in actor for actor, _, _ in stored)
    unknown = [actor for actor, _, _ in stored if actor.startswith("unknown:")]
    assert unknown and all(re.fullmatch(r"unknown:[0-9a-f]{16}", a) for a in unknown)

    # staff do not see failed sign-ins at all; approvers see them, hashed, with the address
    staff_view = amira.get_json("/api/review/audit?limit=1000").json()["audit"]
    assert not [a for a in staff_view if a["action"] == "sign_in_failed"]
    approver_view = priya.get_json("/api/review/audit?limit=1000").json()["audit"]
    failures = [a for a in approver_view if a["action"] == "sign_in_failed"]
    assert failures and all(secret.lower() not in a["actor"] for a in failures)
    assert any(a["client"] == address and a["actor"].startswith("unknown:") for a in failures)


def test_guessing_from_one_computer_is_limited_whatever_the_names(site):
    add_user(site["home"], "hard.omar", "staff", "omar's hardening passphrase")
    address = a_new_address()
    guesser = client_from(address)
    for n in range(20):
        r = try_sign_in(guesser, site["url"], f"guess{n}.name", "a wrong password")
        assert r.status_code == 401, n
    r = try_sign_in(guesser, site["url"], "hard.omar", "omar's hardening passphrase")
    assert r.status_code == 429 and "from this computer" in r.text
    assert len(audit_rows(site, "action = 'sign_in_failed' and client = ?", (address,))) == 20
    # everyone else still signs in
    assert try_sign_in(client_from(a_new_address()), site["url"], "hard.omar",
                       "omar's hardening passphrase").status_code == 303


# ---------------------------------------------------------------- __Host- cookies over HTTPS

@pytest.fixture(scope="module")
def tls_site(model_path, tmp_path_factory):
    """The server as it runs behind a TLS-terminating proxy (docs/DEPLOY.md): SENDIASS_COOKIE_SECURE=1."""
    home = tmp_path_factory.mktemp("tls-server")
    with running_server(model_path, home, {"SENDIASS_COOKIE_SECURE": "1"}) as running:
        add_user(home, STAFF[0], "staff", STAFF[1])
        yield running


def cookies_of(response: requests.Response) -> dict[str, set[str]]:
    found = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        name_value, *attrs = [part.strip() for part in header.split(";")]
        found[name_value.split("=", 1)[0]] = {a.lower() for a in attrs}
    return found


def test_cookies_over_https_are_host_cookies_that_no_other_port_can_plant(tls_site):
    base = tls_site["url"]
    form = requests.get(f"{base}/review/login", timeout=30)
    set_cookies = cookies_of(form)
    assert set(set_cookies) == {"__Host-sr_login"}
    assert {"secure", "path=/", "httponly", "samesite=strict"} <= set_cookies["__Host-sr_login"]
    assert not any(a.startswith("domain") for a in set_cookies["__Host-sr_login"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)

    # a token planted under the plain name (which any port of the host can set) does not count
    planted = requests.post(f"{base}/review/login", data={"name": STAFF[0], "password": STAFF[1], "csrf_token": "x"},
                            headers={"Cookie": "sr_login=x"}, allow_redirects=False, timeout=30)
    assert planted.status_code == 403

    signed = requests.post(f"{base}/review/login", data={"name": STAFF[0], "password": STAFF[1], "csrf_token": token},
                           headers={"Cookie": f"__Host-sr_login={token}"}, allow_redirects=False, timeout=30)
    assert signed.status_code == 303, signed.text[:300]
    set_cookies = cookies_of(signed)
    assert {"secure", "path=/", "httponly", "samesite=strict"} <= set_cookies["__Host-sr_session"]
    value = re.search(r"__Host-sr_session=([^;]+)", signed.headers["set-cookie"]).group(1)
    me = requests.get(f"{base}/api/review/me", headers={"Cookie": f"__Host-sr_session={value}"}, timeout=30)
    assert me.status_code == 200 and me.json()["name"] == STAFF[0]
    # the same value under the plain name, as a cookie planted from another port would be, is not a session
    plain = requests.get(f"{base}/api/review/me", headers={"Cookie": f"sr_session={value}"}, timeout=30)
    assert plain.status_code == 401
