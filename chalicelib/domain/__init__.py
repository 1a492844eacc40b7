"""The pure decision core: no boto3, chalice, clock or environment (tests/unit/test_layering.py)."""
