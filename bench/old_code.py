"""One module of the project as it was at a git revision, importable beside today's, so a
benchmark compares old and new code in the same run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def module_at(revision: str, path: str, name: str) -> ModuleType:
    """`path` (e.g. "recommender/collab.py") at `revision`, imported as module `name`."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{revision}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    file = Path(tempfile.mkdtemp(prefix="reelbot-old-")) / f"{name}.py"
    file.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
