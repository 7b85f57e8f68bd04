"""``ocr/`` turns pages into text and knows nothing of Lantai's other packages (not even config/)."""

from __future__ import annotations

import ast
from pathlib import Path

OCR = Path(__file__).resolve().parents[2] / "ocr"
OURS = ("config", "indexer", "portal", "cli", "archive")


def test_ocr_imports_none_of_our_other_packages() -> None:
    found = []
    for path in sorted(OCR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found += [f"{path.name}: {name}" for name in names if name.split(".")[0] in OURS]
    assert not found, found
