"""The monthly report snapshots, taken by the nightly pipeline on the first night of a
month (and on a later night when that one was missed)."""

from datetime import date

from backend.pipeline import step
from backend.reports import service
from backend.reports.periods import previous_month


@step("report_snapshots", order=90)
def snapshot_step(as_of: date) -> int:
    """Snapshot last month's reports once; later nights find them taken and do nothing."""
    month = f"{previous_month(as_of):%Y-%m}"
    if service.has_snapshots(month):
        return 0
    return service.take_snapshots(month, as_of)
