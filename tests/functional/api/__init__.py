"""Functional tests of the JSON API under /api/v1."""
