"""``python -m cli``: the ``lantai`` command."""

from __future__ import annotations

from cli.main import main

if __name__ == "__main__":  # not when a spawned process imports it (indexer/housekeeping.py)
    main()
