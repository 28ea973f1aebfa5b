"""Every text the backend shows to a person, in Chinese and English, in one place.

Reason chips, plan objectives, suggested terms, alerts to staff, messages to customers and
the survey page are written here as templates (str.format, so dates take strftime patterns
and shares take `.0%`), one pair per code: (Chinese, English). The rules that decide *when*
to say something stay in their domains; they call `reason`, `objective`, `notice`, `message`
or `word` with a code and the figures. tests/test_texts.py checks that every code has both
languages with the same placeholders, and that no other backend module builds a Chinese text.

A parameter that is itself said differently in each language (a product's name, another
catalogue word, a nested reason) is passed as a `Pair`; each language takes its own half.
"""

from typing import NamedTuple

from flask import current_app


class Pair(NamedTuple):
    zh: str
    en: str


# Reason chips: why a score, a moment, an offer or a plan entry is there. Stored with their
# owner as {"code", "zh", "en", "value"}; the code is stable for the PWA and the reports.
REASONS: dict[str, tuple[str, str]] = {
    # the planner
    "follow_up": ("约定 {on:%m月%d日} 跟进", "Follow-up promised for {on:%d %b}"),
    "cadence.never": ("尚无联系记录", "Never contacted"),
    "cadence.due": ("已 {idle} 天未联系（周期 {every} 天）",
                    "No contact for {idle} days (every {every})"),
    "cadence.idle": ("已 {idle} 天未联系", "No contact for {idle} days"),
    "offer": ("推荐{product}（预期价值 {value:,.0f}）",
              "Offer {product} (expected value {value:,.0f})"),
    "carried": ("顺延：已错过 {times} 次", "Carried over: missed {times} time(s)"),
    "snoozed": ("改期自 {day:%m月%d日}", "Snoozed from {day:%d %b}"),
    # key moments
    "activation.education": ("开户第{day}天：客户教育",
                             "Day {day} after opening: customer education"),
    "activation.low_usage": ("开户{age}天仅 {count} 笔主动交易",
                             "Only {count} own transactions in {age} days since opening"),
    "renewal.maturity": ("{product} {maturity:%m月%d日}到期（{days}天）",
                         "{product} matures {maturity:%d %b} ({days} days)"),
    "dormancy.dormant": ("{idle}天无主动交易，账户休眠",
                         "No own transaction for {idle} days: dormant"),
    "dormancy.lapsed": ("超过一年无业务（{idle}天），定期回访",
                        "No business for over a year ({idle} days): scheduled re-contact"),
    "retention.score": ("流失概率 {value:.0%}", "Attrition probability {value:.0%}"),
    "retention.jump": ("流失概率一个月内上升 {value:.0%}",
                       "Attrition probability up {value:.0%} in a month"),
    "retention.balance_drop": ("存款60天内下降 {value:.0%}",
                               "Deposits down {value:.0%} in 60 days"),
    "risk.band_worse": ("风险等级由{before}升至{after}", "Risk band worse: {before} to {after}"),
    # offers
    "offer.industry": ("同行业 {value:.0%} 的企业已持有",
                       "{value:.0%} of companies in this industry hold it"),
    "offer.value": ("预期年化价值 {value:,.0f}", "Expected value {value:,.0f} a year"),
    # rule-based scores
    "value.interest": ("利息收入贡献 {value:,.0f}", "Interest margin {value:,.0f}"),
    "value.fees": ("手续费收入 {value:,.0f}", "Fee income {value:,.0f}"),
    "value.cost": ("服务成本 {value:,.0f}", "Cost to serve {value:,.0f}"),
    "segment.size": ("企业规模等级 {value:.0f}", "Company size level {value:.0f}"),
    "segment.value": ("客户价值等级 {value:.0f}", "Customer value level {value:.0f}"),
    "tier.balance": ("近3月日均结算及存款 {value:,.0f}",
                     "3-month average linked balance {value:,.0f}"),
    "activity.transactions": ("近90天主动交易 {value:.0f} 笔",
                              "{value:.0f} own transactions in 90 days"),
    "activity.recency": ("距上次主动交易 {value:.0f} 天",
                         "{value:.0f} days since the last own transaction"),
    "activity.rank": ("同分层客户中排名前 {value:.0f}%", "Top {value:.0f}% of its segment"),
    "risk.overdue": ("逾期 {value:.0f} 天", "{value:.0f} days overdue"),
    "risk.utilisation": ("授信使用率 {value:.0%}", "Credit limit {value:.0%} used"),
    "risk.balance_drop": ("存款较一年均值下降 {value:.0%}",
                          "Deposits down {value:.0%} on the 12-month average"),
    "risk.model": ("模型预警概率 {value:.0%}", "Model warning probability {value:.0%}"),
    "preference.channel": ("偏好渠道：{channel}，成功率 {value:.0%}",
                           "Prefers {channel}, {value:.0%} success"),
    "preference.hour": ("最佳联系时间 {value:.0f}:00", "Best time {value:.0f}:00"),
    "preference.default": ("联系记录不足，按默认渠道", "Too few contacts: default channel"),
    # trained scores: the feature that pushed the score up (feature names below)
    "feature.high": ("{feature}偏高", "High {feature}"),
    "feature.low": ("{feature}偏低", "Low {feature}"),
    "feature.holds": ("已持有{product}", "Holds {product}"),
    "feature.lacks": ("未持有{product}", "Does not hold {product}"),
    "feature.industry": ("行业：{industry}", "Industry {industry}"),
}

# What a related party may need (the card's relationship section), by kind of link.
NEEDS: dict[str, tuple[str, str]] = {
    "offer": ("推荐{product}", "Offer the {product}"),  # its best live offer, in our portfolio
    "owner": ("企业主个人经营贷（零售条线）",
              "A personal business loan for the owner (retail line)"),
    "buyer": ("买方可能需要供应链融资", "The buyer may need supply-chain finance"),
    "supplier": ("供应商可能需要应收账款融资", "The supplier may need receivables finance"),
    "affiliate": ("关联企业可统一现金管理", "Group cash management with the affiliate"),
    "guarantor": ("担保方可考虑信用保证保险", "Credit guarantee insurance for the guarantor"),
}

# What a plan entry asks the RM to achieve.
OBJECTIVES: dict[str, tuple[str, str]] = {
    "renewal": ("商谈{product}续作：{terms}", "Discuss renewing the {product}: {terms}"),
    "retention": ("了解客户不满与需求，挽留客户", "Learn what troubles the customer and keep them"),
    "activation.low_usage": ("了解开户后使用情况，帮助客户用起来",
                             "See how the new accounts are used and help the customer start"),
    "activation": ("新客户教育：介绍产品与渠道", "Customer education: products and channels"),
    "dormancy": ("唤醒休眠客户，了解近况与需求", "Re-activate a quiet customer: news and needs"),
    "moment": ("跟进客户关键事件", "Follow up the customer's key moment"),
    "risk": ("风险预警：核实经营与还款情况，商定应对方案",
             "Early warning: check the business and repayment, agree a plan"),
    "follow_up": ("按约定跟进上次拜访", "Follow up the last visit as promised"),
    "cadence": ("定期维护：了解经营近况与新需求",
                "Regular contact: how the business goes, any new needs"),
    "offer": ("介绍{product}", "Present the {product}"),
    "sale": ("办理{product}", "Open the {product}"),
}

# The terms suggested for a renewal, from the last deal and the customer's scores.
TERMS: dict[str, tuple[str, str]] = {
    "deposit": ("按原期限{months}个月续存", "Renew for {months} months as before"),
    "review": ("风险偏高：续贷前重新评估，缩短期限",
               "Higher risk: review before renewing, shorter term"),
    "better": ("还款良好：可按原条件续贷并优惠 10bp",
               "Good repayment: renew on the same terms, 10 bp lower"),
    "same": ("按原条件续贷", "Renew on the same terms"),
}

# Alerts to staff (push and the inbox): kind -> ((zh title, zh body), (en title, en body)).
NOTICES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "renewal_due": (("到期续作提醒", "{customer}：{reason}"),
                    ("Renewal due", "{customer}: {reason}")),
    "risk": (("风险预警", "{customer}：{signal}"), ("Early warning", "{customer}: {signal}")),
    "approval_requested": (("待审批", "{rm} 申请{action}：{customer}"),
                           ("Approval requested", "{rm} requests a {action}: {customer}")),
    "approval_decided": (("审批{decision}", "{customer}：{action}{decision}"),
                         ("Request {decision}", "{customer}: {action} {decision}")),
    "quote_requested": (("报价待审批", "{rm}：{customer} {product} {price}"),
                        ("Quote to approve", "{rm}: {customer} {product} {price}")),
    "quote_decided": (("报价{decision}", "报价 {price} {decision}"),
                      ("Quote {decision}", "Quote {price} {decision}")),
    "referral": (("新转介", "{referrer}（{line}）：{customer}，{need}"),
                 ("New referral", "{referrer} ({line}): {customer}, {need}")),
    "test": (("测试提醒", "提醒已开启：重要客户动态会推送到这台设备。"),
             ("Test alert", "Alerts are on: important customer news will reach this device.")),
    "briefing": (("今日联系计划", "今天有 {count} 位客户待联系：{names}"),
                 ("Today's contacts", "{count} to contact today: {names}")),
}

# Messages to customers: kind -> ((zh subject, zh body), (en subject, en body)).
MESSAGES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "survey_link": (("{bank}满意度调查",
                     "【{bank}】感谢您近日与客户经理的沟通。"
                     "请花一分钟为本次服务的满意度打分：{url} （{days}天内有效）"),
                    ("{bank} satisfaction survey",
                     "{bank}: thank you for your recent contact with your relationship manager. "
                     "Please rate the service, it takes a minute: {url} (valid for {days} days)")),
    "risk_reminder": (("{bank}温馨提示",
                       "尊敬的{customer}：您在{bank}的账户需要关注（如还款到期或额度使用较高）。"
                       "如需帮助请联系您的客户经理。"),
                      ("A reminder from {bank}",
                       "Dear {customer}, your accounts at {bank} need attention (a repayment "
                       "falling due or a credit line nearly used). Your relationship manager "
                       "is there to help.")),
    "quarterly": (("{bank}小微企业服务季刊",
                   "尊敬的{customer}：{bank}为小微企业客户准备了本季度的产品与服务介绍，"
                   "欢迎通过手机银行或客服热线了解详情。"),
                  ("{bank} small business quarterly",
                   "Dear {customer}, {bank} has prepared this quarter's products and services "
                   "for small businesses: see them in mobile banking or call our hotline.")),
}

# Words other texts are made of: group -> {key: (zh, en)}.
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "channel": {"visit": ("上门拜访", "visit"), "call": ("电话", "call"),
                "video": ("视频", "video"), "message": ("短信/微信", "message"),
                "email": ("电子邮件", "e-mail")},
    "band": {"low": ("低", "low"), "medium": ("中", "medium"), "high": ("高", "high"),
             "critical": ("极高", "critical")},
    "line": {"sme": ("小微条线", "SME"), "retail": ("零售条线", "retail"),
             "private": ("私人银行", "private banking"), "partner": ("合作机构", "partner")},
    "risk_action": {"waiver": ("罚息减免", "waiver"), "extension": ("展期", "extension")},
    "decision": {"approved": ("已批准", "approved"), "refused": ("未批准", "refused")},
    "calendar": {"name": ("客户联系计划", "Contact plan")},
    "industry": {"retail": ("零售", "retail"), "catering": ("餐饮", "catering"),
                 "manufacturing": ("制造", "manufacturing"), "trading": ("贸易", "trading"),
                 "logistics": ("物流", "logistics"), "construction": ("建筑", "construction"),
                 "services": ("服务", "services"), "agriculture": ("农业", "agriculture"),
                 "tech": ("科技", "technology"), "healthcare": ("医疗健康", "healthcare"),
                 "auto": ("汽车", "automotive")},
}

# Names of the features behind trained scores, as an RM would say them.
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
    "tx_trend": ("近3月相对全年的交易活跃度", "activity in 3 months against the year"),
    "mobile_share": ("手机银行交易占比", "share of mobile banking"),
}

# The public survey page (/s/<token>), one block per language.
SURVEY_PAGE = {
    "zh": {
        "html_lang": "zh-CN", "title": "服务满意度调查",
        "question": "您对客户经理{rm}的服务满意吗？",
        "question_no_rm": "您对客户经理的服务满意吗？",
        "scale": ["非常不满意", "不满意", "一般", "满意", "非常满意"],
        "comment": "还有什么想告诉我们的吗？（选填，最多 1000 字）",
        "submit": "提交", "thanks": "感谢您的反馈！",
        "privacy": "本调查不会询问您的账户或密码信息。",
        "other_lang": "en", "other_lang_name": "English",
        "errors": {
            "score": "评分：请选择 1 到 5 之间的一个分数。",
            "comment": "意见：最多 1000 字。",
            "form": "表单包含无法识别的字段。",
            "not_found": "找不到这份调查，请检查链接是否完整。",
            "conflict": "这份调查已经提交过了，感谢您的参与。",
            "gone": "这份调查已过期，感谢您的关注。",
            "error": "出了点问题，请稍后再试。",
        },
    },
    "en": {
        "html_lang": "en", "title": "Service satisfaction survey",
        "question": "How satisfied are you with the service of your relationship manager {rm}?",
        "question_no_rm": "How satisfied are you with the service of your relationship manager?",
        "scale": ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
        "comment": "Anything else you would like to tell us? (optional, up to 1000 characters)",
        "submit": "Submit", "thanks": "Thank you for your feedback!",
        "privacy": "This survey never asks for your account details or passwords.",
        "other_lang": "zh", "other_lang_name": "中文",
        "errors": {
            "score": "Score: please choose a rating from 1 to 5.",
            "comment": "Comment: at most 1000 characters.",
            "form": "The form contains fields we do not accept.",
            "not_found": "We could not find this survey. Please check the link is complete.",
            "conflict": "This survey has already been answered. Thank you for taking part.",
            "gone": "This survey has expired. Thank you for your interest.",
            "error": "Something went wrong. Please try again later.",
        },
    },
}


def _render(template: str, lang: int, params: dict) -> str:
    return template.format(**{k: v[lang] if isinstance(v, Pair) else v
                              for k, v in params.items()})


def pair(templates: tuple[str, str], **params) -> Pair:
    """Both languages of one (zh, en) template pair, filled with the same figures."""
    return Pair(*(_render(t, lang, params) for lang, t in enumerate(templates)))


def reason(code: str, value: float = 0.0, *, text: str | None = None, **params) -> dict:
    """A reason chip; `value` is the figure behind it ({value} in the text unless given).
    `text` picks another wording for the same code (a cadence with no cycle)."""
    zh, en = pair(REASONS[text or code], **{"value": value, **params})
    return {"code": code, "zh": zh, "en": en, "value": round(float(value), 4)}


def objective(code: str, **params) -> Pair:
    return pair(OBJECTIVES[code], **params)


def terms(code: str, **params) -> Pair:
    return pair(TERMS[code], **params)


def need(kind: str, **params) -> Pair:
    return pair(NEEDS[kind], **params)


def word(group: str, key: str) -> Pair:
    """A catalogue word; an unknown key is shown as itself in both languages."""
    found = WORDS[group].get(key)
    return Pair(*found) if found else Pair(key, key)


def listing(items: list[Pair]) -> Pair:
    """A short list in each language's own punctuation: 甲、乙 / A, B."""
    return Pair("、".join(item.zh for item in items), ", ".join(item.en for item in items))


def feature(name: str) -> Pair:
    found = FEATURES.get(name)
    return Pair(*found) if found else Pair(name, name.replace("_", " "))


def notice(kind: str, **params) -> dict[str, tuple[str, str]]:
    """An alert to staff, {"zh": (title, body), "en": (title, body)}, for push.notify."""
    return {lang: (_render(title, i, params), _render(body, i, params))
            for i, (lang, (title, body)) in enumerate(zip(("zh", "en"), NOTICES[kind],
                                                          strict=True))}


def customer_language() -> str:
    """Customers carry no language of their own yet: the bank's default locale applies."""
    return "en" if str(current_app.config["DEFAULT_LOCALE"]).lower().startswith("en") else "zh"


def bank_name(lang: str) -> str:
    config = current_app.config
    return config["BANK_NAME_EN"] if lang == "en" else config["BANK_NAME"]


def message(kind: str, lang: str, **params) -> tuple[str, str]:
    """A message to a customer in their language: (subject, body); {bank} is filled in."""
    index = 1 if lang == "en" else 0
    params = {"bank": bank_name(lang), **params}
    return tuple(_render(template, index, params) for template in MESSAGES[kind][index])
