"""The scoring steps of the nightly pipeline (DESIGN §5 steps 2-3).

`backend.pipeline.load_steps()` imports this module when a run starts, so the app
itself never loads scikit-learn just to start.
"""

from datetime import date

from backend.pipeline import step
from backend.scoring import service


@step("scores", order=20)
def scores_step(as_of: date) -> int:
    """Score every customer with every model."""
    return service.score_all(as_of=as_of)


@step("segments", order=30)
def segments_step(as_of: date) -> int:
    """Write segments and tiers from that date's scores."""
    return service.apply_segments(as_of=as_of)
