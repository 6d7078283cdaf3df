"""Needs and achievements: one workflow, two blueprints (``needs`` and ``achievements``)."""
