"""Pydantic v2 models: the shapes of everything that crosses the HTTP boundary.

The JSON Schemas in `criteria_schemas/` are generated from these models (`make schemas`).
"""
