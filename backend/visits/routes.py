"""The offline sync endpoint."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.visits import sync
from backend.visits.schemas import SyncRequestSchema, SyncResponseSchema

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="Offline writes, applied exactly once (see docs/sync.md)")


@blp.post("")
@login_required
@blp.arguments(SyncRequestSchema)
@blp.response(200, SyncResponseSchema)
def post_sync(batch):
    """Apply a batch of offline writes; each is answered on its own"""
    return {"results": sync.process(user=current_user, writes=batch["writes"])}
