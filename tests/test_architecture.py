"""The package map: arrows point down only (README, "Architecture").

Every import of our own packages, at the top of a module or inside a function, is checked
against the allowed arrows: ``ocr`` and ``config`` import nothing of ours but ``config`` (ocr
not even that), the domain core ``archive`` only ``config``, the pipeline ``indexer`` the core
and ``ocr``, the workflow areas the core and the pipeline, the portal all of those, and the
command line everything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the packages of ours it may import (besides itself)
ALLOWED: dict[str, frozenset[str]] = {
    "config": frozenset(),
    "ocr": frozenset(),
    "archive": frozenset({"config"}),
    "indexer": frozenset({"config", "ocr", "archive"}),
    "collection": frozenset({"config", "ocr", "archive", "indexer"}),
    "lifecycle": frozenset({"config", "ocr", "archive", "indexer", "collection"}),
    "preservation": frozenset({"config", "ocr", "archive", "indexer"}),
    "portal": frozenset({"config", "ocr", "archive", "indexer", "collection", "lifecycle", "preservation"}),
    "cli": frozenset({"config", "ocr", "archive", "indexer", "collection", "lifecycle", "preservation", "portal"}),
}
OURS = frozenset(ALLOWED)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _modules(package: str) -> list[Path]:
    folder = ROOT / package
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts or p.name == "env.py")


@pytest.mark.parametrize("package", [p for p in ALLOWED if (ROOT / p).is_dir()])
def test_imports_follow_the_arrows(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in _modules(package)
        for line, target in _imports(path)
        if target in OURS and target != package and target not in ALLOWED[package]
    ]
    assert not wrong, "arrows that point up or sideways:\n" + "\n".join(wrong)


def test_every_package_of_ours_is_on_the_map() -> None:
    """A new top-level package must be placed on the map (and in the README) before it is used."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "samples", "scripts"}
    assert packages <= OURS, f"not on the map: {sorted(packages - OURS)}"


def test_every_package_of_ours_is_installed() -> None:
    """The installed `lantai` command finds every package on the map (pyproject's include list)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    missing = [p for p in OURS if f"{p}*" not in include and p not in include]
    assert not missing, f"not installed by pyproject.toml: {sorted(missing)}"
