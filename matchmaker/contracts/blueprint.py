"""The contracts blueprint and what its templates need: Chinese labels and badges.

The views live in ``views.py`` (lists, form, detail) and ``actions.py`` (the bureau's decisions);
``routes.py`` imports both and hands the blueprint to the factory.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from matchmaker.services.contract_input import LABELS
from matchmaker.templating import yuan
from models.contract import SECOND_REVIEW_THRESHOLD
from models.enums import (
    CONTRACT_STATUS_LABELS,
    CONTRACT_TYPE_LABELS,
    IP_TYPE_LABELS,
    PARTY_NATURE_LABELS,
    ContractStatus,
)

bp = Blueprint("contracts", __name__, url_prefix="/contracts")

STATUS_BADGES = {
    ContractStatus.SUBMITTED: "warning",
    ContractStatus.REGISTERED: "success",
    ContractStatus.REJECTED: "danger",
    ContractStatus.REVOKED: "dark",
}
STALE_CONTRACT = "该技术合同刚被他人修改，请刷新后重试"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "FIELD_LABELS": LABELS,
        "CONTRACT_STATUS_LABELS": CONTRACT_STATUS_LABELS,
        "CONTRACT_STATUS_BADGES": STATUS_BADGES,
        "CONTRACT_TYPE_LABELS": CONTRACT_TYPE_LABELS,
        "IP_TYPE_LABELS": IP_TYPE_LABELS,
        "PARTY_NATURE_LABELS": PARTY_NATURE_LABELS,
        "SECOND_REVIEW_THRESHOLD": yuan(SECOND_REVIEW_THRESHOLD),
    }
