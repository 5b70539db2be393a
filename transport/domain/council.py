"""The council that sends letters and runs the service: its name, address and contact, from a settings file.

Not the policy's words: a council may adopt another council's policy settings (the sample data applies Kent's
example policy to Rutland homes), and its letters must still carry its own name and letterhead.
File format: docs/council-settings.md; the setting is ``council`` (SEN_TRANSPORT_COUNCIL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from transport.domain.config import get_settings
from transport.domain.errors import InputError


class Council(BaseModel):
    """A council's letterhead: name, the team that writes, postal address and contact."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["sen-transport/council/1"] = "sen-transport/council/1"
    name: str = Field(min_length=1, max_length=120)
    team: str = Field(min_length=1, max_length=120)
    address: tuple[str, ...] = Field(min_length=1, max_length=8)
    phone: str = Field(min_length=1, max_length=60)
    email: str | None = Field(None, max_length=120)
    website: str | None = Field(None, max_length=200)

    @property
    def sender(self) -> str:
        """Who signs a letter: "Home to School Transport team, Rutland County Council"."""
        return f"{self.team}, {self.name}"

    @property
    def contact(self) -> str:
        """How a family gets in touch, in one line."""
        return "; ".join(x for x in (f"phone {self.phone}", self.email and f"email {self.email}") if x)

    def letterhead(self) -> dict[str, object]:
        """The parts a letter's heading shows."""
        return {"name": self.name, "team": self.team, "address": list(self.address), "phone": self.phone,
                "email": self.email, "website": self.website}


def read_council(path: Path | str) -> Council:
    """A council settings file (YAML); a missing file or a bad field is an InputError naming the file and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"council settings file {path} not found (SEN_TRANSPORT_COUNCIL)") from None
    except yaml.YAMLError as exc:
        raise InputError(f"council settings file {path.name}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise InputError(f"council settings file {path.name}: expected a mapping of name, team, address, phone")
    try:
        return Council.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise InputError(f"council settings file {path.name}: {where}: {first['msg']}") from None


def load_council() -> Council:
    """The configured council (setting ``council``)."""
    return read_council(get_settings().council)
