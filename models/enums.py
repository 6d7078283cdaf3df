"""Enumerations of the domain; values are the glossary's code names."""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    """Kind of organisation."""

    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    BUREAU = "bureau"
    AGENCY = "agency"


class Role(StrEnum):
    """User roles."""

    ENTERPRISE = "enterprise"
    RESEARCH = "research"
    BROKER = "broker"
    BUREAU = "bureau"
    ADMIN = "admin"


class ListingStatus(StrEnum):
    """Review states of a need or an achievement."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    CLOSED = "closed"
    EXPIRED = "expired"


class Maturity(StrEnum):
    """Maturity of an achievement (成熟度)."""

    LAB = "lab"
    PILOT_SMALL = "pilot_small"
    PILOT = "pilot"
    INDUSTRIAL = "industrial"


class SolutionMode(StrEnum):
    """How an enterprise wants a need solved (解决方式)."""

    INDEPENDENT = "independent"
    COMMISSIONED = "commissioned"
    COOPERATIVE = "cooperative"
    TRANSFER = "transfer"
    EQUITY = "equity"
    OTHER = "other"


class CooperationMode(StrEnum):
    """How an achievement is offered (合作方式)."""

    TRANSFER = "transfer"
    LICENSE = "license"
    EQUITY = "equity"
    CO_DEVELOPMENT = "co_development"
    COMMISSIONED_DEVELOPMENT = "commissioned_development"
    SERVICE = "service"


class ProposalStatus(StrEnum):
    """State of a match proposal."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONVERTED = "converted"


class RegionLevel(StrEnum):
    """Administrative level of a region."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"


class OutboxOperation(StrEnum):
    """What the index must do with an entity."""

    UPSERT = "upsert"
    DELETE = "delete"


class ListingKind(StrEnum):
    """The two kinds of listing that are indexed and matched."""

    NEED = "need"
    ACHIEVEMENT = "achievement"


MATURITY_LABELS: dict[str, str] = {
    Maturity.LAB: "实验室",
    Maturity.PILOT_SMALL: "小试",
    Maturity.PILOT: "中试",
    Maturity.INDUSTRIAL: "产业化",
}

SOLUTION_MODE_LABELS: dict[str, str] = {
    SolutionMode.INDEPENDENT: "独立开发",
    SolutionMode.COMMISSIONED: "委托研发",
    SolutionMode.COOPERATIVE: "合作研发",
    SolutionMode.TRANSFER: "技术转让",
    SolutionMode.EQUITY: "技术入股",
    SolutionMode.OTHER: "其他",
}

COOPERATION_MODE_LABELS: dict[str, str] = {
    CooperationMode.TRANSFER: "转让",
    CooperationMode.LICENSE: "许可",
    CooperationMode.EQUITY: "作价入股",
    CooperationMode.CO_DEVELOPMENT: "合作开发",
    CooperationMode.COMMISSIONED_DEVELOPMENT: "委托开发",
    CooperationMode.SERVICE: "技术服务",
}

TECH_FIELDS: tuple[str, ...] = (
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
)

INDUSTRIES: tuple[str, ...] = (
    "煤炭",
    "焦化",
    "冶金",
    "电力",
    "现代煤化工",
    "装备制造",
    "生物医药",
    "新能源",
    "新材料",
    "大数据",
    "物联网",
    "智慧农业",
    "有机旱作农业",
    "休闲农业",
    "现代服务业",
    "节能环保",
    "大健康",
    "公共安全",
)


class DealStage(StrEnum):
    """Stages of a deal (对接项目), in order; ``closed`` ends it from any open stage."""

    RECOMMENDED = "recommended"
    CONTACTED = "contacted"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    REGISTERED = "registered"
    CLOSED = "closed"


class ContractType(StrEnum):
    """Types of technology contract (合同类型)."""

    DEVELOPMENT_COMMISSIONED = "development_commissioned"
    DEVELOPMENT_COOPERATIVE = "development_cooperative"
    TRANSFER = "transfer"
    LICENSE = "license"
    CONSULTING = "consulting"
    SERVICE = "service"


class ContractStatus(StrEnum):
    """Registration states of a contract (登记 / 不予登记 / 撤销)."""

    SUBMITTED = "submitted"
    REGISTERED = "registered"
    REJECTED = "rejected"
    REVOKED = "revoked"


class PartyNature(StrEnum):
    """Nature of a contract party (买方/卖方性质) as on the registration form."""

    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    GOVERNMENT = "government"
    SOCIAL_ORGANIZATION = "social_organization"
    INDIVIDUAL = "individual"
    OTHER = "other"


class IpType(StrEnum):
    """Intellectual property involved in a contract (知识产权类型)."""

    INVENTION_PATENT = "invention_patent"
    UTILITY_MODEL = "utility_model"
    DESIGN_PATENT = "design_patent"
    SOFTWARE_COPYRIGHT = "software_copyright"
    PLANT_VARIETY = "plant_variety"
    IC_LAYOUT = "ic_layout"
    TRADE_SECRET = "trade_secret"
    NONE = "none"
    OTHER = "other"


DEAL_STAGE_LABELS: dict[str, str] = {
    DealStage.RECOMMENDED: "已推荐",
    DealStage.CONTACTED: "已联系",
    DealStage.NEGOTIATING: "洽谈中",
    DealStage.SIGNED: "已签约",
    DealStage.REGISTERED: "已登记",
    DealStage.CLOSED: "已关闭",
}

CONTRACT_TYPE_LABELS: dict[str, str] = {
    ContractType.DEVELOPMENT_COMMISSIONED: "技术开发（委托）",
    ContractType.DEVELOPMENT_COOPERATIVE: "技术开发（合作）",
    ContractType.TRANSFER: "技术转让",
    ContractType.LICENSE: "技术许可",
    ContractType.CONSULTING: "技术咨询",
    ContractType.SERVICE: "技术服务",
}

CONTRACT_STATUS_LABELS: dict[str, str] = {
    ContractStatus.SUBMITTED: "待登记",
    ContractStatus.REGISTERED: "已登记",
    ContractStatus.REJECTED: "不予登记",
    ContractStatus.REVOKED: "已撤销",
}

PARTY_NATURE_LABELS: dict[str, str] = {
    PartyNature.ENTERPRISE: "企业",
    PartyNature.UNIVERSITY: "高等院校",
    PartyNature.INSTITUTE: "科研机构",
    PartyNature.GOVERNMENT: "机关",
    PartyNature.SOCIAL_ORGANIZATION: "社会团体",
    PartyNature.INDIVIDUAL: "自然人",
    PartyNature.OTHER: "其他组织",
}

IP_TYPE_LABELS: dict[str, str] = {
    IpType.INVENTION_PATENT: "发明专利",
    IpType.UTILITY_MODEL: "实用新型专利",
    IpType.DESIGN_PATENT: "外观设计专利",
    IpType.SOFTWARE_COPYRIGHT: "计算机软件著作权",
    IpType.PLANT_VARIETY: "植物新品种",
    IpType.IC_LAYOUT: "集成电路布图设计",
    IpType.TRADE_SECRET: "技术秘密",
    IpType.NONE: "未涉及知识产权",
    IpType.OTHER: "其他",
}
