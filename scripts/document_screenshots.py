"""Render page 1 of one PDF of each document kind to docs/screenshots/document-<kind>.png (pdftoppm).

Usage: python scripts/document_screenshots.py FOLDER [FOLDER ...]   (folders written by `sen-transport letters ...`)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main(folders: list[str]) -> None:
    """One screenshot per kind, from the first live document of that kind in the manifests."""
    done: dict[str, Path] = {}
    for folder in map(Path, folders):
        for entry in json.loads((folder / "manifest.json").read_text()):
            if entry["kind"] in done or entry.get("superseded_by"):
                continue
            target = OUT / f"document-{entry['kind'].replace('_', '-')}"
            subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                            str(folder / entry["file"]), str(target)], check=True)
            done[entry["kind"]] = target.with_suffix(".png")
    for kind, path in sorted(done.items()):
        print(f"{kind}: {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
