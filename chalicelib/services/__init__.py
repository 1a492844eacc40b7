"""The use cases, one module per capability, pure of chalice and of any web framework."""

from chalicelib.services.decisions import Services

__all__ = ["Services"]
