"""The browser tests reuse the API fixtures: data made through the API, rendered by chromium."""

from __future__ import annotations

from tests.api.conftest import api  # noqa: F401
from tests.api.test_statistics import world  # noqa: F401
from tests.browser.test_report_render import chromium  # noqa: F401  (the letters use it too)
