"""A trained model's reasons, as an RM reads them on the card."""

from backend import texts
from backend.scoring.reasons import feature


def test_a_product_held_or_not_is_named_by_its_name_not_its_code():
    products = {"BCARD": texts.Pair("企业商务卡", "Business card")}
    lacks = feature("holds_BCARD", "low", 1.0, products)
    assert lacks == {"code": "holds_BCARD.low", "zh": "未持有企业商务卡",
                     "en": "Does not hold Business card", "value": 1.0}
    assert feature("holds_BCARD", "high", 1.0, products)["zh"] == "已持有企业商务卡"


def test_an_industry_is_a_word_in_each_language():
    reason = feature("industry_manufacturing", "high", 0.5)
    assert (reason["code"], reason["zh"], reason["en"]) == (
        "industry_manufacturing", "行业：制造", "Industry manufacturing")


def test_a_feature_is_named_as_an_rm_would_say_it():
    reason = feature("days_since_contact", "high", 2.0)
    assert (reason["code"], reason["zh"], reason["en"]) == (
        "days_since_contact.high", "距上次联系天数偏高", "High days since the last contact")
