"""The public survey page: /s/<token>, no login, the token is the capability.

Plain HTML (a form that posts back, no scripts) so it opens on any phone.
"""

from flask import Blueprint, render_template, request

from backend import texts
from backend.errors import DomainError, Invalid
from backend.visits import surveys

bp = Blueprint("surveys", __name__)

FORM_FIELDS = {"score", "comment"}
LANGS = ("zh", "en")


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
    text = texts.SURVEY_PAGE[lang]
    return render_template("survey.html", state=state, lang=lang, t=text,
                           bank=texts.bank_name(lang), scores=list(surveys.SCORES),
                           comment_max=surveys.COMMENT_MAX, **context), status
