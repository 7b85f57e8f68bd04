"""``python -m cli``: the ``lantai`` command."""

from __future__ import annotations

from cli.main import main

main()
