"""Typed SQLAlchemy 2.0 models, engine/session factories and migrations. No Flask here."""

from models.achievement import Achievement
from models.audit import AuditEvent, record_audit
from models.auth_session import AuthSession, hash_token
from models.base import Base, Money
from models.contract import Contract, RegionTarget, RegistrationSequence
from models.db import make_engine, make_session_factory
from models.deal import Deal, DealEvent
from models.match import MatchProposal
from models.need import Need
from models.organization import Organization, is_valid_credit_code
from models.outbox import IndexOutbox, enqueue
from models.region import Region
from models.user import User

metadata = Base.metadata

__all__ = [
    "Achievement",
    "AuditEvent",
    "AuthSession",
    "Base",
    "Contract",
    "Deal",
    "DealEvent",
    "IndexOutbox",
    "MatchProposal",
    "Money",
    "Need",
    "Organization",
    "Region",
    "RegionTarget",
    "RegistrationSequence",
    "User",
    "enqueue",
    "hash_token",
    "is_valid_credit_code",
    "make_engine",
    "make_session_factory",
    "metadata",
    "record_audit",
]
