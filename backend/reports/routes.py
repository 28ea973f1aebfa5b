"""Reports: an RM's own (the "Me" screen), the team dashboard, products and experiments.

Each answers JSON, or one of its tables as CSV with `?format=csv` or `Accept: text/csv`.
"""

import io

from flask import Response, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend import csvfiles
from backend.customers.portfolio import Viewer
from backend.reports import products, service
from backend.reports.schemas import (
    PortfolioSchema,
    ProductsReportSchema,
    ReportQuerySchema,
    RmReportQuerySchema,
    RmReportSchema,
    TeamReportSchema,
)
from backend.timeutil import bank_today

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="Reports for RMs, leads and analysts (docs/reports.md)")
CSV_DOC = {"description": "One table as CSV (UTF-8 with a byte-order mark, for Excel)"}


def _wants_csv(args: dict) -> bool:
    if args["format"] is not None:
        return args["format"] == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def _answer(body: dict, args: dict, subject: str):
    """The report as JSON, or the asked table as a CSV download."""
    if not _wants_csv(args):
        return body
    name, rows = service.table(body, args["table"])
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 (Chinese names) only with the mark
    columns = list(rows[0]) if rows else []
    # names (RMs, products, experiments) are free text: written so that none runs as a formula
    writer = csvfiles.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([row.get(column) for column in columns] for row in rows)
    filename = f"{body['kind']}-{subject}-{body['month']}-{name}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.get("/rm")
@login_required
@blp.arguments(RmReportQuerySchema, location="query")
@blp.response(200, RmReportSchema)
@blp.alt_response(200, content_type="text/csv", success=True, description=CSV_DOC["description"])
def rm_report(args):
    """An RM's month: contacts, moments within SLA, the offer funnel, sales, referrals and
    satisfaction against the team's median, with weekly and monthly trends"""
    body = service.rm_report(Viewer.of(current_user), args["rm"], args["month"], bank_today())
    return _answer(body, args, f"rm{body['rm']['id']}")


@blp.get("/team")
@login_required
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, TeamReportSchema)
@blp.alt_response(200, content_type="text/csv", success=True, description=CSV_DOC["description"])
def team_report(args):
    """The lead's dashboard: a row per RM, open approvals, risk cases by severity, overdue
    plan entries"""
    body = service.team_report(Viewer.of(current_user), args["month"], bank_today())
    return _answer(body, args, f"team{body['team']['id']}")


@blp.get("/products")
@login_required
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ProductsReportSchema)
@blp.alt_response(200, content_type="text/csv", success=True, description=CSV_DOC["description"])
def products_report(args):
    """Products and experiments (analysts, leads): the portfolio with the candidates to
    simplify, experiment arms with 95% intervals, model metrics over time"""
    body = service.products_report(Viewer.of(current_user), args["month"], bank_today())
    return _answer(body, args, "bank")


products_blp = Blueprint("product-portfolio", __name__, url_prefix="/api/v1/products",
                         description="The product portfolio (analysts, leads)")


@products_blp.get("/portfolio")
@login_required
@products_blp.response(200, PortfolioSchema)
def product_portfolio():
    """Per product over 12 months: holders, sales, revenue, cost, margin, uptake, and the
    candidates to simplify (analysts, leads)"""
    return products.view(Viewer.of(current_user), bank_today())
