# The offer history is a source of the scoring models' features: registered on first use of
# the package, before any model is trained or scores.
from backend.offers import history  # noqa: F401
