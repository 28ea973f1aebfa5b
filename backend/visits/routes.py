"""The offline sync endpoint."""

from flask import current_app
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.extensions import limiter
from backend.inputs import checks_own_text
from backend.visits import service
from backend.visits.schemas import SyncRequestSchema, SyncResponseSchema

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="Offline writes, applied exactly once (see docs/sync.md)")


def _sync_rate_limit() -> str:
    return current_app.config["SYNC_RATE_LIMIT"]


def _signed_in_user() -> str:
    return f"user:{current_user.id}"


@blp.post("")
@login_required
@limiter.limit(_sync_rate_limit, key_func=_signed_in_user)
@blp.arguments(SyncRequestSchema)
@blp.response(200, SyncResponseSchema)
@blp.alt_response(429, description="Too many batches: retry after Retry-After seconds")
@checks_own_text  # each write is answered on its own, whatever text it holds
def post_sync(batch):
    """Apply a batch of offline writes; each is answered on its own"""
    return {"results": service.sync_writes(user=current_user, writes=batch["writes"])}
