"""The service profile: name, contact details, About text, disclaimer, feedback procedure.

Everything service-specific is read from ``service.yml`` at the project root (or the file named by
the SENDIASS_PROFILE environment variable), so another IASS service adopts the product by editing
that file and responses/.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Profile:
    name: str
    short_name: str
    area: str
    local_authority: str
    phone: str
    email: str
    website: str
    feedback_url: str
    feedback_procedure: str
    about: str
    disclaimer: str
    signposting: dict = field(default_factory=dict)
    social_accounts: tuple = ()
    staff_roles: tuple = ()

    @property
    def official_phones(self) -> tuple[str, ...]:
        """Every public number the service may give out, the service line first."""
        return (self.phone, *(s["phone"] for s in self.signposting.values()))

    @property
    def official_phone_digits(self) -> frozenset[str]:
        return frozenset(re.sub(r"\D", "", p) for p in self.official_phones)

    @property
    def official_emails(self) -> frozenset[str]:
        return frozenset({self.email.lower()})

    def as_template_values(self) -> dict[str, str]:
        """The placeholders approved replies may use: {phone}, {email}, {name}, ..."""
        values = {
            "name": self.name,
            "short_name": self.short_name,
            "area": self.area,
            "local_authority": self.local_authority,
            "phone": self.phone,
            "email": self.email,
            "website": self.website,
            "feedback_url": self.feedback_url,
            "feedback_procedure": self.feedback_procedure,
            "about": self.about,
            "disclaimer": self.disclaimer,
        }
        for key, item in self.signposting.items():
            values[f"{key}_phone"] = item["phone"]
            values[f"{key}_name"] = item["name"]
        return values


def profile_path() -> Path:
    return Path(os.environ.get("SENDIASS_PROFILE", ROOT / "service.yml"))


@lru_cache(maxsize=4)
def _load(path: str) -> Profile:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"Service profile not found: {path}. Copy service.yml from the project and edit it.")
    raw["social_accounts"] = tuple(raw.get("social_accounts", ()))
    raw["staff_roles"] = tuple(raw.get("staff_roles", ()))
    return Profile(**raw)


def load_profile() -> Profile:
    return _load(str(profile_path()))


def var_dir() -> Path:
    """Where the embedded default keeps its files (databases, logs): var/ or SENDIASS_VAR."""
    path = Path(os.environ.get("SENDIASS_VAR", ROOT / "var"))
    (path / "logs").mkdir(parents=True, exist_ok=True)
    return path
