"""`make mutation`: mutation scores of the rules a bank relies on, each module against its
own tests only.

For each module below, mutmut (pinned in requirements-bench.txt) changes one operator,
constant or condition at a time and reruns the module's own test files; a mutant the tests
do not notice "survives". The score is killed / (mutants - reviewed equivalents). Mutants
that cannot change behaviour are listed, each with its reason, in
scripts/mutation_equivalent.txt; they are reported, never silently dropped.

The tracked files are copied once at the start (later edits of the checkout do not leak into
a long run), and each module runs in its own copy of that snapshot (mutmut writes its
mutants/ beside the code), so the checkout is left as it was.

    python scripts/mutation.py [--only portfolio ...] [--max-children N]
    python scripts/mutation.py --only sync --mutants NAME ...   # only these mutants again

--mutants reruns named mutants (the survivors of a full run, after tests were added): a
mutant the earlier run killed stays killed, since adding tests cannot revive it.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "scripts" / "mutation_equivalent.txt"
TARGET = 0.90

# name -> (module, its own tests)
MODULES = {
    "portfolio": ("backend/customers/portfolio.py", ["tests/customers"]),
    "sync": ("backend/sync.py", ["tests/visits/test_sync.py", "tests/visits/test_sync_rules.py",
                                 "tests/visits/test_sync_poison.py",
                                 "tests/visits/test_sync_edit_chains.py"]),
    "pricing": ("backend/products/pricing.py", ["tests/products"]),
    "planner": ("backend/calendar/planner.py", ["tests/calendar"]),
    "detectors": ("backend/moments/detectors.py", ["tests/moments"]),
}


def reviewed_equivalents() -> dict[str, str]:
    """{mutant name: why it cannot change behaviour}, from the reviewed list."""
    found = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                found[name] = reason.strip()
    return found


def snapshot() -> Path:
    """A copy of the tracked files as they are now (PWA sources left out)."""
    folder = Path(tempfile.mkdtemp(prefix="rm-mutation-snapshot-"))
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if name.startswith("pwa/") or not source.is_file():
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return folder


def configure(folder: Path, module: str, tests: list[str]) -> None:
    with (folder / "pyproject.toml").open("a") as config:
        config.write(f"""
[tool.mutmut]
source_paths = ["backend"]
only_mutate = ["{module}"]
pytest_add_cli_args_test_selection = {tests!r}
pytest_add_cli_args = ["-p", "no:randomly", "-m", "not e2e"]
also_copy = ["migrations", "config.py", "wsgi.py"]
""".replace("'", '"'))


def run(name: str, max_children: int, source: Path, mutants: list[str]) -> dict:
    module, tests = MODULES[name]
    folder = Path(tempfile.mkdtemp(prefix=f"rm-mutation-{name}-")) / "tree"
    shutil.copytree(source, folder)
    try:
        configure(folder, module, tests)
        env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
        env["RM_MUTATION_RUN"] = "1"  # property tests draw fewer examples (tests/budget.py)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children",
                        str(max_children), *mutants], cwd=folder, env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        listing = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                                 cwd=folder, env=env, capture_output=True, text=True).stdout
        statuses = dict(re.findall(r"^\s+(\S+): (.+)$", listing, re.MULTILINE))
        if mutants:
            statuses = {k: v for k, v in statuses.items() if k in mutants}
        survivors = sorted(k for k, v in statuses.items() if v in ("survived", "no tests"))
        diffs = {k: subprocess.run([sys.executable, "-m", "mutmut", "show", k], cwd=folder,
                                   env=env, capture_output=True, text=True).stdout
                 for k in survivors}
        return {"statuses": statuses, "survivors": survivors, "diffs": diffs,
                "seconds": time.monotonic() - started}
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


def changed_lines(diff: str) -> str:
    return " | ".join(line[1:].strip() for line in diff.splitlines()
                      if line.startswith(("-", "+")) and not line.startswith(("---", "+++")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(MODULES))
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--mutants", nargs="*", default=[],
                        help="run only these mutants (with a single --only)")
    args = parser.parse_args()
    if args.mutants and len(args.only or []) != 1:
        parser.error("--mutants needs exactly one module in --only")
    equivalents = reviewed_equivalents()
    below = []
    source = snapshot()
    try:
        for name in args.only or MODULES:
            result = run(name, args.max_children, source, args.mutants)
            if report(name, result, equivalents) < TARGET:
                below.append(name)
    finally:
        shutil.rmtree(source, ignore_errors=True)
    return 1 if below else 0


def report(name: str, result: dict, equivalents: dict[str, str]) -> float:
    """Print one module's score and its surviving mutants (as soon as it is measured)."""
    module, tests = MODULES[name]
    statuses = result["statuses"]
    equivalent = [k for k in result["survivors"] if k in equivalents]
    alive = [k for k in result["survivors"] if k not in equivalents]
    counted = len(statuses) - len(equivalent)
    killed = sum(1 for v in statuses.values() if v in ("killed", "timeout"))
    score = killed / counted if counted else 0.0
    print(f"{module}: {len(statuses)} mutants, {killed} killed, {len(alive)} alive, "
          f"{len(equivalent)} reviewed equivalent  score {score:.0%} on {', '.join(tests)}"
          f"  target >= {TARGET:.0%}  {'OK' if score >= TARGET else 'MISSED'}"
          f"  ({result['seconds']:.0f} s)", flush=True)
    others = sorted(set(statuses.values()) - {"killed", "timeout", "survived", "no tests"})
    if others:
        print("  other outcomes: " + ", ".join(
            f"{o} {sum(1 for v in statuses.values() if v == o)}" for o in others))
    for key in alive:
        print(f"  alive: {key}: {changed_lines(result['diffs'][key])[:200]}")
    for key in equivalent:  # the change itself too: a mutant's number moves when code moves
        print(f"  equivalent: {key}: {changed_lines(result['diffs'][key])[:160]}\n"
              f"    why: {equivalents[key]}", flush=True)
    return score


if __name__ == "__main__":
    sys.exit(main())
