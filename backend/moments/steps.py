"""Key moments and risk cases in the nightly pipeline (DESIGN §5 step 4)."""

from datetime import date

from backend.moments import detectors, risk
from backend.pipeline import step


@step("moments", order=40)
def moments_step(as_of: date) -> int:
    """Detect key moments, then open, update or close risk cases."""
    return detectors.detect(as_of) + risk.detect_cases(as_of)
