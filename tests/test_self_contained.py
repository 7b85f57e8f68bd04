"""The suite passes from a clone alone: no test reads the team's corpus folder beside the repository."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SIBLING = "sha" + "red"  # the folder beside the repository on the team's machines (spelt so that
# this file itself does not name it)
OUTSIDE = re.compile(rf"""(?:parent\s*/\s*["']{SIBLING}["']|\.\./{SIBLING}|{SIBLING}/testdata)""")


def test_no_test_reads_the_corpus_beside_the_repository() -> None:
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if path != Path(__file__).resolve() and OUTSIDE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_data_file_is_attributed() -> None:
    data = TESTS / "data"
    attribution = (data / "ATTRIBUTION.md").read_text(encoding="utf-8")
    files = [p.name for p in data.iterdir() if p.is_file() and p.name != "ATTRIBUTION.md"]
    missing = [name for name in files if name not in attribution]
    assert missing == []
