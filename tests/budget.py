"""How many examples a Hypothesis test draws.

A mutation run (scripts/mutation.py sets RM_MUTATION_RUN) reruns a module's tests once per
mutant, hundreds of times: there each property test draws a fifth of its examples, enough
to notice a broken rule, and the full count runs in `make test`.
"""

import os


def examples(count: int) -> int:
    return max(5, count // 5) if os.environ.get("RM_MUTATION_RUN") else count
