"""Reason codes behind a score, rendered in Chinese and English for the RM.

A reason is stored with the score as {"code", "zh", "en", "value"}: the code is stable
(for the PWA and reports), the texts are ready to show, the value is the figure behind it.
Trained models explain a score by the features that pushed it up most; their codes are
"<feature>.high" or "<feature>.low".
"""

# feature -> (zh, en) names, as an RM would say them
FEATURES: dict[str, tuple[str, str]] = {
    "tenure_days": ("合作年限", "relationship tenure"),
    "products_held": ("持有产品数", "products held"),
    "products_opened_12m": ("近一年新开产品", "products opened in 12 months"),
    "deposit_balance": ("存款余额", "deposit balance"),
    "credit_balance": ("贷款余额", "credit balance"),
    "deposit_avg_30d": ("近1月日均存款", "1-month average deposits"),
    "deposit_avg_91d": ("近3月日均存款", "3-month average deposits"),
    "deposit_avg_365d": ("近12月日均存款", "12-month average deposits"),
    "balance_trend": ("存款趋势", "deposit trend"),
    "tx_count_30d": ("近30天交易笔数", "transactions in 30 days"),
    "tx_count_91d": ("近90天交易笔数", "transactions in 90 days"),
    "tx_count_365d": ("近一年交易笔数", "transactions in 12 months"),
    "tx_amount_91d": ("近90天交易金额", "transaction amount in 90 days"),
    "tx_pos_91d": ("POS收单交易", "POS transactions"),
    "tx_mobile_91d": ("手机银行交易", "mobile banking transactions"),
    "tx_online_91d": ("网银交易", "online banking transactions"),
    "tx_branch_91d": ("网点交易", "branch transactions"),
    "days_since_own_tx": ("距上次主动交易天数", "days since the last own transaction"),
    "days_since_contact": ("距上次联系天数", "days since the last contact"),
    "days_overdue": ("逾期天数", "days overdue"),
    "limit_utilisation": ("授信使用率", "credit limit utilisation"),
    "revenue_12m": ("近一年收入贡献", "12-month revenue"),
    "margin_12m": ("近一年利润贡献", "12-month margin"),
    "cost_to_serve_12m": ("服务成本", "cost to serve"),
    "contacts_12m": ("近一年联系次数", "contacts in 12 months"),
    "contact_sales_12m": ("近一年联系成交", "sales from contacts in 12 months"),
    "contact_declines_12m": ("近一年拒绝次数", "declines in 12 months"),
    "complaints_12m": ("投诉", "complaints"),
    "reach_rate_12m": ("联系接通率", "contact reach rate"),
    "annual_revenue": ("企业营业收入", "company revenue"),
    "employees": ("员工人数", "employees"),
    "dormant": ("账户休眠", "dormant account"),
}

# fixed codes of the rule-based models: code -> (zh, en); {value} is filled in
RULES: dict[str, tuple[str, str]] = {
    "value.interest": ("利息收入贡献 {value:,.0f}", "Interest margin {value:,.0f}"),
    "value.fees": ("手续费收入 {value:,.0f}", "Fee income {value:,.0f}"),
    "value.cost": ("服务成本 {value:,.0f}", "Cost to serve {value:,.0f}"),
    "segment.size": ("企业规模等级 {value:.0f}", "Company size level {value:.0f}"),
    "segment.value": ("客户价值等级 {value:.0f}", "Customer value level {value:.0f}"),
    "tier.balance": ("近3月日均结算及存款 {value:,.0f}",
                     "3-month average linked balance {value:,.0f}"),
    "activity.transactions": ("近90天主动交易 {value:.0f} 笔",
                              "{value:.0f} own transactions in 90 days"),
    "activity.recency": ("距上次主动交易 {value:.0f} 天", "{value:.0f} days since the last own "
                         "transaction"),
    "activity.rank": ("同分层客户中排名前 {value:.0f}%", "Top {value:.0f}% of its segment"),
    "risk.overdue": ("逾期 {value:.0f} 天", "{value:.0f} days overdue"),
    "risk.utilisation": ("授信使用率 {value:.0%}", "Credit limit {value:.0%} used"),
    "risk.balance_drop": ("存款较一年均值下降 {value:.0%}", "Deposits down {value:.0%} on the "
                          "12-month average"),
    "risk.model": ("模型预警概率 {value:.0%}", "Model warning probability {value:.0%}"),
    "preference.channel": ("偏好渠道：{channel}，成功率 {value:.0%}",
                           "Prefers {channel_en}, {value:.0%} success"),
    "preference.hour": ("最佳联系时间 {value:.0f}:00", "Best time {value:.0f}:00"),
    "preference.default": ("联系记录不足，按默认渠道", "Too few contacts: default channel"),
}

CHANNEL_ZH = {"visit": "上门拜访", "call": "电话", "video": "视频", "message": "短信/微信",
              "email": "电子邮件"}


def rule(code: str, value: float, **params) -> dict:
    """Render one rule-based reason."""
    zh, en = RULES[code]
    fields = {"value": value, **params}
    return {"code": code, "zh": zh.format(**fields), "en": en.format(**fields),
            "value": round(float(value), 4)}


def feature(name: str, direction: str, value: float) -> dict:
    """Render a trained model's reason: this feature, high or low, pushed the score up."""
    zh, en = FEATURES.get(name, (name, name.replace("_", " ")))
    if name.startswith("industry_"):
        zh, en = f"行业：{name[9:]}", f"industry {name[9:]}"
        return {"code": name, "zh": zh, "en": en.capitalize(), "value": round(float(value), 4)}
    if name.startswith("holds_"):
        code = name[6:]
        held = direction == "high"
        return {"code": f"{name}.{direction}",
                "zh": f"{'已持有' if held else '未持有'}{code}",
                "en": f"{'Holds' if held else 'Does not hold'} {code}",
                "value": round(float(value), 4)}
    word_zh = "偏高" if direction == "high" else "偏低"
    word_en = "High" if direction == "high" else "Low"
    return {"code": f"{name}.{direction}", "zh": f"{zh}{word_zh}", "en": f"{word_en} {en}",
            "value": round(float(value), 4)}
