"""The _expected.json manifest: what a correct ingestion must make of every generated file.

Built from what was actually written (row numbers and counts come from the writers), never
by hand.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST_NAME = "_expected.json"
FORMAT_VERSION = 1


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ManifestBuilder:
    def __init__(
        self, out_dir: Path, scale: str, seed: int, years: tuple[int, ...], provinces: list[str]
    ):
        self.out_dir = out_dir
        self.head = {
            "format_version": FORMAT_VERSION,
            "scale": scale,
            "seed": seed,
            "years": list(years),
            "provinces": provinces,
        }
        self.files: list[dict] = []
        self.quarantined: list[dict] = []
        self.rejected: list[dict] = []
        self.superseded: list[dict] = []
        self.duplicates: list[dict] = []
        self.good_rows: list[dict] = []

    def add_file(self, rel: str, kind: str, status: str, **facts: object) -> None:
        path = self.out_dir / rel
        self.files.append(
            {
                "path": rel,
                "kind": kind,
                "status": status,
                "sha256": sha256(path),
                "bytes": path.stat().st_size,
                **facts,
            }
        )

    def quarantine(self, rel: str, reason: str) -> None:
        self.quarantined.append({"file": rel, "reason": reason})

    def reject(self, rel: str, sheet: str | None, row: int, reason: str) -> None:
        self.rejected.append({"file": rel, "sheet": sheet, "row": row, "reason": reason})

    def good(self, rel: str, sheet: str | None, rows: int) -> None:
        self.good_rows.append({"file": rel, "sheet": sheet, "rows": rows})

    def build(self) -> dict:
        status = {f["path"]: f["status"] for f in self.files}
        current = sum(g["rows"] for g in self.good_rows if status[g["file"]] == "loaded")
        counts = {
            s: sum(1 for f in self.files if f["status"] == s)
            for s in ("loaded", "superseded", "quarantined", "duplicate")
        }
        return {
            "generator": self.head,
            "files": sorted(self.files, key=lambda f: f["path"]),
            "quarantined": sorted(self.quarantined, key=lambda q: q["file"]),
            "rejected": sorted(
                self.rejected, key=lambda r: (r["file"], r["sheet"] or "", r["row"])
            ),
            "superseded": sorted(self.superseded, key=lambda s: s["file"]),
            "duplicates": sorted(self.duplicates, key=lambda d: d["file"]),
            "good_rows": sorted(self.good_rows, key=lambda g: (g["file"], g["sheet"] or "")),
            "totals": {
                "files": len(self.files),
                **{f"files_{k}": v for k, v in counts.items()},
                "good_rows": sum(g["rows"] for g in self.good_rows),
                "good_rows_current": current,
                "rejected_rows": len(self.rejected),
            },
        }

    def write(self) -> dict:
        manifest = self.build()
        text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
        (self.out_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")
        return manifest
