"""The public survey page: /s/<token>, no login, the token is the capability.

Plain HTML (a form that posts back, no scripts) so it opens on any phone.
"""

from flask import Blueprint, render_template, request

from backend.errors import DomainError, Invalid
from backend.visits import surveys

bp = Blueprint("surveys", __name__)

FORM_FIELDS = {"score", "comment"}
LANGS = ("zh", "en")
TEXT = {
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


@bp.get("/s/<token>")
def show_survey(token: str):
    """Show the survey form"""
    page = surveys.open_survey(token)
    return _render("form", token=token, **page)


@bp.post("/s/<token>")
def answer_survey(token: str):
    """Save the one answer of a survey"""
    form = request.form
    try:
        unknown = sorted(set(form) - FORM_FIELDS)
        if unknown or request.files:
            raise Invalid("Unknown form fields", {"form": unknown or ["files"]})
        surveys.answer(token=token, score=form.get("score"), comment=form.get("comment"))
    except Invalid as exc:
        page = surveys.open_survey(token)  # an unknown or closed survey still says so first
        return _render("form", 400, token=token, errors=sorted(exc.fields),
                       comment=(form.get("comment") or "")[:surveys.COMMENT_MAX], **page)
    return _render("thanks")


@bp.errorhandler(DomainError)
def survey_error(exc: DomainError):
    """Answer 404, 409 and 410 with a page, not JSON: a customer's phone reads it"""
    return _render("closed", exc.status, reason=exc.code)


@bp.after_request
def private_page(response):
    """The token is a capability: keep the page out of caches, referrers and search."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'")
    return response


def _lang() -> str:
    asked = request.args.get("lang", "")[:2].lower()
    if asked in LANGS:
        return asked
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh")
    return "en" if best.startswith("en") else "zh"


def _render(state: str, status: int = 200, **context):
    lang = _lang()
    text = TEXT[lang]
    return render_template("survey.html", state=state, lang=lang, t=text,
                           bank=surveys.bank_name(lang), scores=list(surveys.SCORES),
                           comment_max=surveys.COMMENT_MAX, **context), status
