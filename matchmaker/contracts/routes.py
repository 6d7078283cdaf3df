"""The contracts blueprint, assembled: pages in ``views``, the bureau's decisions in ``actions``.

Importing the two modules attaches their views to ``bp``; the factory registers ``bp``.
"""

from __future__ import annotations

from matchmaker.contracts import actions, views
from matchmaker.contracts.blueprint import bp

__all__ = ["actions", "bp", "views"]
