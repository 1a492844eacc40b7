"""Storage behind small ports: an in-memory twin and a DynamoDB adapter with one contract."""
