"""Presentation: Markdown for support plans and criteria, HTML for monitoring reports."""
