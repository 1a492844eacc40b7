"""The moto stack of `test_batch_handlers.py`, for every test here."""

from tests.aws.test_batch_handlers import stack  # noqa: F401
