"""The API fixture (chalice test client, in-memory store) of tests/api/ for these tests too."""

from tests.api.conftest import api

__all__ = ["api"]
