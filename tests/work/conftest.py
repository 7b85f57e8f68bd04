"""The portal fixtures (``app``, ``client``, ``auth``) for the staff work, notification and language tests."""

from __future__ import annotations

from tests.portal.conftest import *  # noqa: F403 - the flaskr-style fixtures, shared
