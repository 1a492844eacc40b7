"""Helpers for tests that run real processes: dynalite and the whole local stack."""
