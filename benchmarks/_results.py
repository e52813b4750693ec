"""Shared by the benchmark scripts: merge one part's results into a JSON file in benchmarks/results/.

Each script can run its parts separately (train, evaluate, ...); each part rewrites only its own key.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path


def merge(path: Path, part: str, payload: dict, settings: dict | None = None) -> None:
    """Set ``results[part] = payload`` in the JSON file at ``path`` (created if missing)."""
    results = json.loads(path.read_text()) if path.exists() else {}
    if settings is not None:
        results["settings"] = settings
    results["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    results[part] = payload
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
