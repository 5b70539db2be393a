"""A folder of issued documents with a manifest: each PDF with its hash, what produced it and when
it was issued. Re-issuing a document whose content changed keeps the old one in ``superseded/``.

(The service keeps the same record in its ``documents`` table.)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from transport.documents.render import Document
from transport.domain.errors import InputError

MANIFEST = "manifest.json"


class FileStore:
    """Issued documents in ``folder`` and their manifest ``folder/manifest.json``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / MANIFEST
        if self.path.exists():
            try:
                self.entries: list[dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise InputError(f"{self.path}: manifest is not valid JSON ({exc.msg})") from None
        else:
            self.entries = []

    def current(self, filename: str) -> dict[str, Any] | None:
        """The live manifest entry for a file name (not superseded)."""
        return next((e for e in reversed(self.entries) if e["file"] == filename and not e.get("superseded_by")), None)

    def save(self, doc: Document, *, issued_at: dt.datetime | None = None) -> dict[str, Any]:
        """Write ``doc``; an unchanged re-issue is a no-op, a changed one moves the old file aside."""
        issued_at = issued_at or dt.datetime.now(dt.UTC)
        old = self.current(doc.filename)
        if old is not None and old["sha256"] == doc.sha256:
            return old
        entry = doc.manifest() | {"id": len(self.entries) + 1, "issued_at": issued_at.isoformat(timespec="seconds"),
                                  "sent_at": None, "downloaded_at": None, "supersedes": None}
        if old is not None:
            aside = self.folder / "superseded" / f"{Path(doc.filename).stem}-{old['sha256'][:12]}.pdf"
            aside.parent.mkdir(exist_ok=True)
            (self.folder / doc.filename).replace(aside)
            old["file_now"] = str(aside.relative_to(self.folder))
            old["superseded_by"] = entry["id"]
            entry["supersedes"] = old["id"]
        tmp = self.folder / (doc.filename + ".part")
        tmp.write_bytes(doc.pdf)
        tmp.replace(self.folder / doc.filename)
        self.entries.append(entry)
        self._write()
        return entry

    def _write(self) -> None:
        tmp = self.path.with_suffix(".part")
        tmp.write_text(json.dumps(self.entries, indent=1) + "\n", encoding="utf-8")
        tmp.replace(self.path)
