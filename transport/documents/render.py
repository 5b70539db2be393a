"""HTML templates (Jinja2) to PDF (WeasyPrint), and the record of one rendered document."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"
KINDS = ("decision_letter", "travel_letter", "change_notice", "school_list", "route_pack")


@dataclass(frozen=True)
class Document:
    """One rendered document and what produced it.

    ``sources`` names the decision, plan and policy version it was made from; ``subject`` is the
    application reference, school URN or route reference it is about (never a name).
    """

    kind: str
    subject: str
    title: str
    pdf: bytes
    sources: dict[str, Any] = field(default_factory=dict)
    audience: str = "family"

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the PDF bytes."""
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def filename(self) -> str:
        """``decision_letter-SYN-004.pdf``: the kind and subject, filesystem-safe."""
        return f"{self.kind}-{re.sub(r'[^A-Za-z0-9_.+-]', '_', self.subject)}.pdf"

    def manifest(self) -> dict[str, Any]:
        """What a store keeps beside the bytes."""
        return {"kind": self.kind, "subject": self.subject, "title": self.title, "audience": self.audience,
                "file": self.filename, "sha256": self.sha256, "bytes": len(self.pdf), "sources": self.sources}


@lru_cache(maxsize=1)
def _environment():
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError('documents need jinja2 and weasyprint: pip install -e ".[documents]"') from exc
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["longdate"] = long_date
    return env


def long_date(day: dt.date | str) -> str:
    """``Monday 5 October 2026``."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day:%A} {day.day} {day:%B %Y}"


def render_html(template: str, context: dict[str, Any]) -> str:
    """A template filled in (``templates/<template>``)."""
    return _environment().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML page (WeasyPrint; stylesheets resolve against the templates folder)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing from the system
        raise ImportError('documents need WeasyPrint and Pango: pip install -e ".[documents]" and '
                          "apt-get install libpango-1.0-0 libpangoft2-1.0-0") from exc
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def render(kind: str, subject: str, title: str, template: str, context: dict[str, Any], *,
           sources: dict[str, Any], audience: str = "family") -> Document:
    """Fill a template and render it as a stored-ready :class:`Document`."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    html = render_html(template, context | {"document_title": title})
    return Document(kind=kind, subject=subject, title=title, pdf=html_to_pdf(html), sources=sources,
                    audience=audience)
