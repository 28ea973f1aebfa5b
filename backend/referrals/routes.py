"""Cross-line referrals: submit, list, work them."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.customers.portfolio import Viewer
from backend.referrals import service
from backend.referrals.schemas import (
    ReferralCreateSchema,
    ReferralListSchema,
    ReferralPatchSchema,
    ReferralSchema,
)

blp = Blueprint("referrals", __name__, url_prefix="/api/v1/referrals",
                description="Referrals from other lines (docs/offers.md)")


@blp.post("")
@login_required
@blp.arguments(ReferralCreateSchema)
@blp.response(201, ReferralSchema)
def submit(body):
    """Refer an SME need (referrers): routed to the owning RM or the regional queue"""
    viewer = Viewer.of(current_user)
    return service.item(service.submit(viewer, body), viewer)


@blp.get("")
@login_required
@blp.response(200, ReferralListSchema)
def listing():
    """A referrer's own referrals; an RM's; a lead's team's"""
    return {"items": service.listing(Viewer.of(current_user))}


@blp.patch("/<int:referral_id>")
@login_required
@blp.arguments(ReferralPatchSchema)
@blp.response(200, ReferralSchema)
def patch(body, referral_id: int):
    """Acknowledge, mark contacted, won or lost (with a reason)"""
    viewer = Viewer.of(current_user)
    referral = service.transition(viewer, referral_id, body["state"], body.get("reason"))
    return service.item(referral, viewer)
