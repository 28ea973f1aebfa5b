"""The default product catalogue and the three package tiers (DESIGN §2.1).

seed_catalog() creates what is missing and leaves existing rows alone, so it is safe to
run on every deployment: the analyst edits prices and bundles later, and a rerun never
undoes those edits.
"""

from sqlalchemy import select

from backend.extensions import db
from backend.products.models import Package, Product

# Rates are yearly fractions; money is in the bank's currency (CNY). rate is what the
# customer pays or earns (for insurance: the premium rate); margin_rate is what the bank
# keeps on the balance (for partner products: its commission share of the premium or fee).
PRODUCTS: tuple[dict, ...] = (
    {"code": "CUR", "name": "对公结算账户", "name_en": "Business current account",
     "family": "deposit", "line": "sme", "rate": 0.0020, "margin_rate": 0.0150,
     "monthly_fee": 0, "annual_cost": 120, "risk_weight": 0, "term_months": None,
     "eligibility": {"note": "Every customer holds one."}},
    {"code": "TD", "name": "单位定期存款", "name_en": "Business term deposit",
     "family": "deposit", "line": "sme", "rate": 0.0165, "margin_rate": 0.0080,
     "monthly_fee": 0, "annual_cost": 40, "risk_weight": 0, "term_months": 12,
     "eligibility": {"requires": ["CUR"], "min_amount": 10000}},
    {"code": "MMF", "name": "货币市场存款账户", "name_en": "Money market account",
     "family": "deposit", "line": "sme", "rate": 0.0120, "margin_rate": 0.0090,
     "monthly_fee": 0, "annual_cost": 60, "risk_weight": 0, "term_months": None,
     "eligibility": {"requires": ["CUR"], "min_amount": 5000}},
    {"code": "INST", "name": "小微低息分期贷款", "name_en": "Low-rate instalment loan",
     "family": "loan", "line": "sme", "is_credit": True, "rate": 0.0435, "margin_rate": 0.0250,
     "monthly_fee": 0, "annual_cost": 600, "risk_weight": 0.75, "term_months": 36,
     "eligibility": {"requires": ["CUR"], "min_tenure_months": 6, "max_days_overdue": 0,
                     "max_amount": 3000000}},
    {"code": "WCL", "name": "流动资金循环贷款", "name_en": "Working-capital credit line",
     "family": "loan", "line": "sme", "is_credit": True, "rate": 0.0480, "margin_rate": 0.0280,
     "monthly_fee": 0, "annual_cost": 900, "risk_weight": 0.75, "term_months": 12,
     "eligibility": {"requires": ["CUR"], "min_tenure_months": 12, "max_days_overdue": 0,
                     "min_annual_revenue": 2000000}},
    {"code": "UCC", "name": "无担保信用证明", "name_en": "Unsecured credit certificate",
     "family": "loan", "line": "sme", "is_credit": True, "rate": 0.0650, "margin_rate": 0.0380,
     "monthly_fee": 0, "annual_cost": 250, "risk_weight": 1.0, "term_months": 12,
     "eligibility": {"requires": ["CUR"], "min_tenure_months": 12, "max_days_overdue": 0,
                     "max_amount": 300000}},
    {"code": "BCARD", "name": "企业商务卡", "name_en": "Business card",
     "family": "card", "line": "sme", "is_credit": True, "rate": 0.1825, "margin_rate": 0.0500,
     "monthly_fee": 0, "annual_cost": 200, "risk_weight": 0.75, "term_months": None,
     "eligibility": {"requires": ["CUR"], "max_days_overdue": 0}},
    {"code": "POS", "name": "商户收单服务", "name_en": "Merchant acquiring (POS and QR)",
     "family": "payment", "line": "sme", "rate": 0.0038, "margin_rate": 0.0015,
     "monthly_fee": 30, "annual_cost": 300, "risk_weight": 0, "term_months": None,
     "eligibility": {"requires": ["CUR"], "industries": ["retail", "catering", "services",
                                                         "healthcare", "auto"]}},
    {"code": "PAY", "name": "代发工资与账单服务", "name_en": "Payroll and billing",
     "family": "payment", "line": "sme", "rate": None, "margin_rate": 0,
     "monthly_fee": 20, "annual_cost": 150, "risk_weight": 0, "term_months": None,
     "eligibility": {"requires": ["CUR"], "min_employees": 3}},
    {"code": "CMS", "name": "现金管理服务", "name_en": "Cash management service",
     "family": "service", "line": "sme", "rate": None, "margin_rate": 0,
     "monthly_fee": 200, "annual_cost": 800, "risk_weight": 0, "term_months": None,
     "eligibility": {"requires": ["CUR"], "segments": ["large", "medium"]}},
    {"code": "CGI", "name": "信用保证保险", "name_en": "Credit guarantee insurance",
     "family": "insurance", "line": "partner", "rate": 0.0120, "margin_rate": 0.2500,
     "monthly_fee": 0, "annual_cost": 80, "risk_weight": 0, "term_months": 12,
     "eligibility": {"requires_any": ["INST", "WCL", "UCC"]}},
    {"code": "INS", "name": "企业财产保险（合作）",
     "name_en": "Business property insurance (partner)",
     "family": "insurance", "line": "partner", "rate": 0.0015, "margin_rate": 0.2000,
     "monthly_fee": 0, "annual_cost": 60, "risk_weight": 0, "term_months": 12,
     "eligibility": {"requires": ["CUR"]}},
    {"code": "FUND", "name": "代销货币基金（合作）", "name_en": "Partner money market fund",
     "family": "fund", "line": "partner", "rate": None, "margin_rate": 0.0040,
     "monthly_fee": 0, "annual_cost": 50, "risk_weight": 0, "term_months": None,
     "eligibility": {"requires": ["CUR"], "min_amount": 10000}},
    {"code": "RPL", "name": "个人经营贷（零售）",
     "name_en": "Owner's personal business loan (retail)",
     "family": "loan", "line": "retail", "is_credit": True, "rate": 0.0390,
     "margin_rate": 0.0200, "monthly_fee": 0, "annual_cost": 400, "risk_weight": 0.75,
     "term_months": 36, "eligibility": {"party": "owner", "referral_to": "retail"}},
    {"code": "PWM", "name": "私人银行财富管理", "name_en": "Private wealth management",
     "family": "fund", "line": "private", "rate": None, "margin_rate": 0.0080,
     "monthly_fee": 0, "annual_cost": 1500, "risk_weight": 0, "term_months": None,
     "eligibility": {"party": "owner", "referral_to": "private", "min_assets": 6000000}},
)

# The shared core of every bundle (seed table: money market, deposits, billing, low-rate
# instalment loans, unsecured credit certificates, business card, credit guarantee insurance).
_CORE = ("CUR", "MMF", "TD", "PAY", "INST", "UCC", "BCARD", "CGI")


def _benefit(code: str, zh: str, en: str) -> dict:
    return {"code": code, "zh": zh, "en": en}


PACKAGES: tuple[dict, ...] = (
    {"tier": "basic", "name": "初级小微服务包", "name_en": "Basic SME package",
     "min_balance": 7500, "counts_linked_accounts": False, "monthly_fee": 15,
     "fee_rules": [{"below": 7500, "fee": 15}], "free_transactions": 100,
     "products": _CORE,
     "benefits": [
         _benefit("free_transactions", "每月前100笔交易免费",
                  "First 100 transactions a month free"),
         _benefit("business_card", "企业专用银行卡", "Business card"),
         _benefit("credit_guarantee_insurance", "信用保证保险", "Credit guarantee insurance"),
         _benefit("branch_service", "通过网点获取服务（不配专职客户经理）",
                  "Served through branches (no dedicated RM)"),
         _benefit("phone_24x7", "7天24小时电话服务中心", "24x7 phone service centre"),
     ]},
    {"tier": "intermediate", "name": "中级小微服务包", "name_en": "Intermediate SME package",
     "min_balance": 40000, "counts_linked_accounts": True, "monthly_fee": 30,
     "fee_rules": [{"below": 20000, "fee": 30}, {"below": 40000, "fee": 15}],
     "free_transactions": None, "products": _CORE,
     "benefits": [
         _benefit("low_fee_transactions", "低费率无限次交易", "Unlimited low-fee transactions"),
         _benefit("business_card", "企业专用银行卡", "Business card"),
         _benefit("credit_guarantee_insurance", "信用保证保险", "Credit guarantee insurance"),
         _benefit("rm_or_branch", "可配备专职客户经理，也可通过网点获取服务",
                  "A dedicated RM or branch service"),
         _benefit("phone_24x7", "7天24小时电话服务中心", "24x7 phone service centre"),
         _benefit("linked_account_discount", "关联账户享受优惠费率",
                  "Discounted fees on linked accounts"),
     ]},
    {"tier": "advanced", "name": "高级小微服务包", "name_en": "Advanced SME package",
     "min_balance": 50000, "counts_linked_accounts": True, "monthly_fee": 100,
     "fee_rules": [{"below": 50000, "fee": 100}, {"below": 150000, "fee": 50},
                   {"below": 300000, "fee": 25}],
     "free_transactions": None, "products": (*_CORE, "WCL", "CMS"),
     "benefits": [
         _benefit("free_transactions", "全免费无限次交易", "Unlimited free transactions"),
         _benefit("business_card", "企业专用银行卡", "Business card"),
         _benefit("credit_guarantee_insurance", "信用保证保险", "Credit guarantee insurance"),
         _benefit("dedicated_rm", "专属客户经理", "Dedicated relationship manager"),
         _benefit("phone_24x7", "7天24小时电话服务中心", "24x7 phone service centre"),
         _benefit("dedicated_financing", "专属融资服务", "Dedicated financing"),
         _benefit("linked_account_discount", "企业及个人关联账户费率优惠",
                  "Discounted fees on the company's and owner's linked accounts"),
     ]},
)


def package_fee(fee_rules: list | None, min_balance: float, monthly_fee: float,
                balance: float) -> float:
    """Return a month's package fee for a month-end balance: the first fee_rules step below
    whose threshold the balance falls, else monthly_fee when below min_balance, else 0."""
    if fee_rules:
        for rule in sorted(fee_rules, key=lambda r: r["below"]):
            if balance < rule["below"]:
                return float(rule["fee"])
        return 0.0
    return float(monthly_fee) if balance < min_balance else 0.0


def seed_catalog() -> dict:
    """Create the default products and package tiers that are missing; keep existing ones."""
    existing = {p.code: p for p in db.session.scalars(select(Product))}
    created_products = 0
    for spec in PRODUCTS:
        if spec["code"] in existing:
            continue
        fields = {"is_credit": False, **spec}
        product = Product(**fields)
        db.session.add(product)
        existing[spec["code"]] = product
        created_products += 1
    db.session.flush()

    tiers = set(db.session.scalars(select(Package.tier)))
    created_packages = 0
    for spec in PACKAGES:
        if spec["tier"] in tiers:
            continue
        fields = {k: v for k, v in spec.items() if k != "products"}
        package = Package(**fields, products=[existing[c] for c in spec["products"]])
        db.session.add(package)
        created_packages += 1
    db.session.flush()
    return {"products_created": created_products, "packages_created": created_packages,
            "products": len(existing), "packages": len(tiers) + created_packages}
