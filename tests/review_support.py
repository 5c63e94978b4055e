"""Helpers for the review-queue tests: accounts made with the real CLI, sign-in over real HTTP."""
from __future__ import annotations

import re

import requests

from tests.conftest import sendiass


def add_user(home, name: str, role: str, password: str) -> None:
    """`sendiass user add NAME --role ROLE --password-stdin` against the store in `home`."""
    done = sendiass("user", "add", name, "--role", role, "--password-stdin", input=f"{password}\n".encode(),
                    env={"SENDIASS_VAR": str(home)}, timeout=120)
    assert done.returncode == 0, done.stderr.decode()


def issue_token(home, name: str) -> str:
    done = sendiass("user", "token", name, env={"SENDIASS_VAR": str(home)}, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


class Client(requests.Session):
    """A signed-in browser-like client: the session cookie, and the CSRF header on every POST."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base
        self.csrf: str | None = None

    def post_json(self, path: str, obj=None, *, csrf: str | None = "session", **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        token = self.csrf if csrf == "session" else csrf
        if token is not None:
            headers["X-CSRF-Token"] = token
        return self.post(self.base + path, json=obj, headers=headers, timeout=60, **kwargs)

    def get_json(self, path: str, **kwargs) -> requests.Response:
        return self.get(self.base + path, timeout=60, **kwargs)

    def act(self, item: dict, action: str, **body) -> requests.Response:
        return self.post_json(f"/api/review/items/{item['id']}/{action}", {"version": item["version"], **body})


def login_form_token(client: requests.Session, base: str) -> str:
    page = client.get(f"{base}/review/login", timeout=30)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(base: str, name: str, password: str) -> Client:
    client = Client(base)
    token = login_form_token(client, base)
    r = client.post(f"{base}/review/login", data={"name": name, "password": password, "csrf_token": token},
                    allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["location"].endswith("/review"), (r.status_code, r.text[:300])
    me = client.get_json("/api/review/me")
    assert me.status_code == 200, me.text
    client.csrf = me.json()["csrf"]
    return client
