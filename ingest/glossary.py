"""English names for the titles of the bundled plan's parts and sections.

Keyed by the Chinese title, so a different plan simply falls back to its Chinese titles.
"""

from __future__ import annotations

TITLES_EN: dict[str, str] = {
    "让企业办事更省心": "Making dealings with government easier for businesses",
    "让企业经营更放心": "Making business operation more secure",
    "让企业发展更顺心": "Making business growth smoother",
    "让企业扎根更安心": "Helping businesses put down roots",
    "强化营商环境建设保障": "Safeguards for building the business environment",
    "提升线上服务友好度": "Friendlier online services",
    "提升线下服务便利度": "More convenient in-person services",
    "提升政务服务满意度": "Higher satisfaction with government services",
    "推广电子印章应用": "Wider use of electronic seals",
    "简化企业开办和注销流程": "Simpler company start-up and deregistration",
    "改善企业纳税环境": "A better tax environment for businesses",
    "深化工程建设项目审批制度改革": "Reform of construction project approval",
    "落实财产登记“全网通”改革": "Fully online property registration",
    "加强知识产权创造、保护和运用": "Creating, protecting and using intellectual property",
    "完善政府采购和招投标管理": "Government procurement and tendering",
    "实行包容审慎监管": "Inclusive and prudent regulation",
    "构建全流程信用监管": "Credit-based supervision across the whole process",
    "加强法治营商环境建设": "Rule of law in the business environment",
    "深化惠企政策服务": "Services for business support policies",
    "加强创新创业服务": "Services for innovation and start-ups",
    "推进企业融资服务": "Financing services for businesses",
    "提升园区服务实效": "Better services in business parks",
    "持续打造“大招商”格局": "District-wide investment attraction",
    "优化涉外营商环境": "A better environment for foreign business",
    "赋能街道服务经济": "Subdistricts serving the economy",
    "畅通政企沟通渠道": "Channels between government and business",
    "加强政策宣传": "Publicising policies",
    "完善考核评价机制": "Assessment and evaluation",
}


def title_en(title: str) -> str:
    """English title for a part or section title, or the title itself when unknown."""
    return TITLES_EN.get(title, title)
