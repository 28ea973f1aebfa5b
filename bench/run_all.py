"""`make bench`: run every benchmark and write bench/RESULTS.md.

Each benchmark prints its figures, the floor it measured in the same run and the ratio
against its target; this runner records the machine and the date, runs them one after
another (never in parallel: they would measure each other), keeps each one's output, and
writes RESULTS.md as it goes, so a long run that is stopped still leaves what it measured.

The runs are also kept in bench/results.json: `--only NAME` measures one benchmark again
and replaces its section, keeping the others with their own date and commit.

    python bench/run_all.py [--only NAME ...] [--skip NAME ...]
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
RUNS = ROOT / "bench" / "results.json"
PYTHON = sys.executable
# Log lines of the app (timestamps, INFO) are noise in a results file.
NOISE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|DEBUG) |^INFO  \[alembic")
SUMMARY = re.compile(r"ratio|target|floor|p50|msg/s|req/s|requests/s|rows/s|errors|hit@|passed|"
                     r"failed|fuzzed|^\s*all\s+\d", re.IGNORECASE)
# A table's header row names the figures without giving any.
HEADER = re.compile(r"^\s*endpoint\s+requests")
# Progress bars ("demo bank:  33%|###  | 500/1500 [...]") redraw themselves; a results file
# wants none of them.
PROGRESS = re.compile(r"^[^|]*\d+%\|.*\]\s*$|^\s*$")


def benchmarks() -> list[tuple[str, list[str], dict]]:
    runs = [(path.stem, [PYTHON, str(path)], {}) for path in sorted(
        (ROOT / "bench").glob("bench_*.py"))]
    runs.append(("bench_pwa", ["bash", str(ROOT / "bench" / "bench_pwa.sh")], {}))
    runs.append(("mutation", [PYTHON, str(ROOT / "scripts" / "mutation.py")], {}))
    runs.append(("fuzz_long", [PYTHON, "-m", "pytest", "tests/fuzz", "-s",
                               "-p", "no:cacheprovider"], {"FUZZ_EXAMPLES": "300"}))
    return runs


def machine() -> str:
    cores = os.cpu_count()
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = "unknown memory"
    return (f"{platform.machine()}, {cores} cores, {memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write(runs: list[dict]) -> None:
    machines = sorted({run["machine"] for run in runs})
    lines = ["# Benchmark results", "",
             "Written by `make bench` (bench/run_all.py). Each benchmark measures its floor "
             "(hand-written SQL, the bare framework, encryption alone...) in the same run on the "
             "same data, and prints the ratio against its target. The summary lines are quoted; "
             "the whole output follows.", "",
             *(f"Machine: {m}." for m in machines), "",
             "| benchmark | date | commit | exit | seconds | summary |",
             "|---|---|---|---|---|---|"]
    for run in runs:
        summary = "<br>".join(line.strip().replace("|", "\\|") for line in run["summary"][:8])
        lines.append(f"| {run['name']} | {run['date']} | {run['commit']} | {run['exit']} | "
                     f"{run['seconds']:.0f} | {summary} |")
    for run in runs:
        lines += ["", f"## {run['name']}", "", f"`{' '.join(run['command'])}`", "", "```",
                  *run["output"], "```"]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def merged(kept: list[dict], new: dict) -> list[dict]:
    """The kept runs with `new` in place of an earlier run of the same benchmark, in the
    order the benchmarks run."""
    order = [name for name, _, _ in benchmarks()]
    runs = [run for run in kept if run["name"] != new["name"]] + [new]
    return sorted(runs, key=lambda r: order.index(r["name"]) if r["name"] in order else 99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--skip", nargs="*", default=[])
    args = parser.parse_args()
    # a full run starts a new record; --only and --skip replace what they run
    partial = bool(args.only or args.skip)
    runs = json.loads(RUNS.read_text(encoding="utf-8")) if partial and RUNS.exists() else []
    failed = 0
    for name, command, env in benchmarks():
        if (args.only and name not in args.only) or name in args.skip:
            continue
        print(f"=== {name}", flush=True)
        started = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        start = time.perf_counter()
        process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                 env={**os.environ, **env})
        output = [line for line in (process.stdout + process.stderr).splitlines()
                  if not NOISE.match(line) and not PROGRESS.match(line)]
        print("\n".join(output), flush=True)
        failed += process.returncode != 0
        shown = [Path(c).name if c == PYTHON else c.replace(f"{ROOT}/", "") for c in command]
        runs = merged(runs, {
            "name": name, "command": shown, "date": started, "commit": commit(),
            "machine": machine(), "exit": process.returncode,
            "seconds": time.perf_counter() - start, "output": output,
            "summary": [x for x in output if SUMMARY.search(x) and not HEADER.match(x)]})
        RUNS.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        write(runs)
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
