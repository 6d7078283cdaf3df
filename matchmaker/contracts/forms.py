"""The 技术合同登记 form and the bureau's action forms.

Like the listing forms, these carry raw text only: ``parse_contract`` checks every field (amounts
as yuan with at most two decimals, tech ≤ total, dates, codes) so that the web and the API refuse
exactly the same input, with the same Chinese messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from matchmaker.listings.forms import choices
from matchmaker.services.contract_input import FIELDS, LABELS, REQUIRED
from models.enums import CONTRACT_TYPE_LABELS, IP_TYPE_LABELS, PARTY_NATURE_LABELS, TECH_FIELDS


class MarkRequired:
    """Marks a field as required for the page (the asterisk); ``parse_contract`` does the checking."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __call__(self, form: FlaskForm, field: Any) -> None:
        """Accept anything: the service refuses a missing value with its own message."""


def _marks(name: str) -> list[MarkRequired]:
    return [MarkRequired()] if name in REQUIRED else []


def _select(name: str, options: Mapping[str, str] | tuple[str, ...]) -> SelectField:
    pairs = options.items() if isinstance(options, Mapping) else ((v, v) for v in options)
    placeholder = ("", f"— 请选择{LABELS[name]} —")
    return SelectField(LABELS[name], _marks(name), choices=choices([placeholder, *pairs]), validate_choice=False)


def _text(name: str, **render_kw: Any) -> StringField:
    return StringField(LABELS[name], _marks(name), render_kw=render_kw or None)


def parse_version(text: str | None) -> int | None:
    """A hidden version (or id) field as an int; None when missing or not a short number (then no check is made)."""
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class ContractForm(FlaskForm):
    """技术合同登记表: project, parties, amounts in 元, dates; ``deal_id`` links the deal it came from."""

    project_name = _text("project_name", maxlength=200)
    contract_type = _select("contract_type", CONTRACT_TYPE_LABELS)
    tech_field = _select("tech_field", TECH_FIELDS)
    ip_type = _select("ip_type", IP_TYPE_LABELS)
    buyer_name = _text("buyer_name", maxlength=200)
    buyer_region_code = _text("buyer_region_code", maxlength=6, inputmode="numeric", list="region-codes")
    buyer_nature = _select("buyer_nature", PARTY_NATURE_LABELS)
    seller_name = _text("seller_name", maxlength=200)
    seller_region_code = _text("seller_region_code", maxlength=6, inputmode="numeric", list="region-codes")
    seller_nature = _select("seller_nature", PARTY_NATURE_LABELS)
    total_amount = _text("total_amount", inputmode="decimal", placeholder="例如 1250000.50")
    tech_transaction_amount = _text("tech_transaction_amount", inputmode="decimal", placeholder="不大于合同成交额")
    signed_on = _text("signed_on", type="date")
    valid_from = _text("valid_from", type="date")
    valid_to = _text("valid_to", type="date")
    deal_id = HiddenField()

    def input_data(self) -> dict[str, str]:
        """Raw values keyed by the glossary's names, for ``parse_contract``."""
        return {name: (self._fields[name].data or "") for name in FIELDS}

    def fill(self, values: Mapping[str, str]) -> None:
        """Put values (from a deal or a registered contract) into the fields."""
        for name, value in values.items():
            if name in self._fields:
                self._fields[name].data = value


class AmendForm(ContractForm):
    """变更: the corrected contract, the reason, and the version of the registered original."""

    amendment_reason = TextAreaField("变更原因")
    version = HiddenField()


class ActionForm(FlaskForm):
    """登记 / 不予登记 / 撤销: the page's version of the contract and, where needed, the reason."""

    version = HiddenField()
    reason = TextAreaField("原因")
