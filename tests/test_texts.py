"""The backend's text catalogue: every code in both languages, and the only place that
words a text (like the PWA's catalogue test)."""

import ast
import re
from datetime import date
from pathlib import Path
from string import Formatter

import pytest

from backend import texts

BACKEND = Path(texts.__file__).parent
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
# Chinese that is data, not wording: demo names and notes, the seed's product names (loaded
# into the products table, renamed there by the bank), and the yes/no words the importer
# accepts in a bank's files.
DATA_NOT_WORDING = {"texts.py", "products/catalog.py", "importer/schemas.py"}
DEMO = "demo/"

PAIRS = {
    "REASONS": texts.REASONS, "OBJECTIVES": texts.OBJECTIVES, "TERMS": texts.TERMS,
    "NEEDS": texts.NEEDS, "FEATURES": texts.FEATURES,
    **{f"WORDS.{group}": words for group, words in texts.WORDS.items()},
}
TITLED = {"NOTICES": texts.NOTICES, "MESSAGES": texts.MESSAGES}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def every_pair():
    for table, entries in PAIRS.items():
        for code, pair in entries.items():
            yield f"{table}.{code}", pair
    for table, entries in TITLED.items():
        for code, (zh, en) in entries.items():
            yield f"{table}.{code}.title", (zh[0], en[0])
            yield f"{table}.{code}.body", (zh[1], en[1])


@pytest.mark.parametrize(("code", "pair"), list(every_pair()), ids=lambda x: x
                         if isinstance(x, str) else "")
def test_every_code_is_worded_in_both_languages_with_the_same_figures(code, pair):
    zh, en = pair
    assert zh.strip() and en.strip()
    assert CJK.search(zh), f"{code}: the Chinese text has no Chinese"
    assert not CJK.search(en), f"{code}: the English text has Chinese in it"
    assert placeholders(zh) == placeholders(en), code


def test_the_survey_page_says_the_same_things_in_both_languages():
    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return len(value) if isinstance(value, list) else placeholders(value)

    zh, en = texts.SURVEY_PAGE["zh"], texts.SURVEY_PAGE["en"]
    assert shape(zh) == shape(en)
    assert not CJK.search(str({k: v for k, v in en.items() if k != "other_lang_name"}))


def _literal_strings(tree: ast.AST):
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef,
                                       ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            yield node


def test_no_other_backend_module_words_a_text():
    found = []
    for path in sorted(BACKEND.rglob("*.py")):
        name = path.relative_to(BACKEND).as_posix()
        if name in DATA_NOT_WORDING or name.startswith(DEMO):
            continue
        for node in _literal_strings(ast.parse(path.read_text())):
            if CJK.search(node.value):
                found.append(f"{name}:{node.lineno} {node.value[:30]}")
    assert not found, "Chinese text outside backend/texts.py:\n" + "\n".join(found)


TABLE_OF = {"reason": texts.REASONS, "objective": texts.OBJECTIVES, "terms": texts.TERMS,
            "need": texts.NEEDS, "notice": texts.NOTICES, "word": texts.WORDS}


def test_every_code_the_backend_asks_for_is_in_the_catalogue():
    missing, asked = [], 0
    for path in sorted(BACKEND.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "texts"
                    and node.func.attr in TABLE_OF and node.args
                    and isinstance(node.args[0], ast.Constant)):
                continue
            asked += 1
            if node.args[0].value not in TABLE_OF[node.func.attr]:
                missing.append(f"{path.name}:{node.lineno} {node.args[0].value}")
    assert asked > 30 and not missing, missing


def test_a_reason_carries_its_code_both_texts_and_its_figure():
    chip = texts.reason("cadence.due", 40, idle=40, every=30)
    assert chip == {"code": "cadence.due", "zh": "已 40 天未联系（周期 30 天）",
                    "en": "No contact for 40 days (every 30)", "value": 40.0}
    assert texts.reason("retention.score", 0.4567)["zh"] == "流失概率 46%"
    assert texts.reason("follow_up", on=date(2026, 3, 9))["zh"] == "约定 03月09日 跟进"


def test_each_language_takes_its_own_half_of_a_pair():
    chip = texts.reason("offer", 12345.6, product=texts.Pair("流动资金循环贷款",
                                                               "Working-capital credit line"))
    assert chip["zh"] == "推荐流动资金循环贷款（预期价值 12,346）"
    assert chip["en"] == "Offer Working-capital credit line (expected value 12,346)"


def test_chinese_texts_carry_no_english_codes():
    """Risk bands, lines, actions and decisions are words in each language, not codes."""
    worse = texts.reason("risk.band_worse", 0.5, before=texts.word("band", "medium"),
                         after=texts.word("band", "high"))
    assert worse["zh"] == "风险等级由中升至高"
    assert worse["en"] == "Risk band worse: medium to high"
    referral = texts.notice("referral", referrer="王芳", line=texts.word("line", "retail"),
                            customer="星河贸易", need="经营贷")
    assert referral["zh"] == ("新转介", "王芳（零售条线）：星河贸易，经营贷")
    decided = texts.notice("approval_decided", decision=texts.word("decision", "approved"),
                           action=texts.word("risk_action", "waiver"), customer="星河贸易")
    assert decided["zh"] == ("审批已批准", "星河贸易：罚息减免已批准")
    assert decided["en"] == ("Request approved", "星河贸易: waiver approved")


def test_an_unknown_word_is_shown_as_itself():
    assert texts.word("channel", "fax") == ("fax", "fax")


def test_a_customer_message_is_in_the_banks_language(app):
    with app.app_context():
        subject, body = texts.message("survey_link", "zh", url="https://x/s/t", days=14)
        assert app.config["BANK_NAME"] in subject and "14天内有效" in body
        subject, body = texts.message("survey_link", "en", url="https://x/s/t", days=14)
        assert app.config["BANK_NAME_EN"] in subject and "valid for 14 days" in body
