"""The HTTP layer: request parsing, error responses, the OpenAPI document and the routes.

With `app.py`, the only code that imports chalice; it calls the services and answers.
"""
