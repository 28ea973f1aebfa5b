"""Print the figures of bench/lighthouse/measure.mjs's reports, and fail when a report did not
measure the screen it is named after.

    python bench/lighthouse/report.py BASE_URL OUT_DIR

OUT_DIR holds login.N.json, today-cold.N.json and today-warm.N.json (N = 1, 2, ...): the
figures printed are those of the median run by performance score (the scores of every run
follow in brackets), checked run by run.

Evidence is taken from the report itself: the final URL, the network requests Lighthouse
recorded (GET /api/v1/plan must have answered 200 on Today, must be absent on the sign-in
screen) and the "rm-screen" audit (bench/lighthouse/screen.mjs: headings, plan date, sign-in
form, whether a service worker took the navigation). Exit 1 with the reason on a mismatch.
"""

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

TARGET = 95
METRICS = [("first-contentful-paint", "FCP", "s"), ("largest-contentful-paint", "LCP", "s"),
           ("total-blocking-time", "TBT", "ms"), ("cumulative-layout-shift", "CLS", ""),
           ("speed-index", "SI", "s")]
LABEL = {
    "login": "login (signed out, fresh profile)",
    "today-cold": "today COLD (signed in; HTTP cache, service worker, caches, IndexedDB emptied)",
    "today-warm": "today WARM (signed in; service worker, precache, HTTP cache, IndexedDB kept)",
}


def metric(report: dict, audit_id: str, unit: str) -> str:
    value = report["audits"][audit_id]["numericValue"]
    if unit == "s":
        return f"{value / 1000:.2f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    return f"{value:.3f}"


def api_requests(report: dict) -> list[tuple[str, int]]:
    items = report["audits"]["network-requests"]["details"]["items"]
    found = []
    for item in items:
        url = urlsplit(item["url"])
        if url.path.startswith("/api/"):
            path = url.path + (f"?{url.query}" if url.query else "")
            found.append((path, item.get("statusCode")))
    return found


def api_summary(requests: list[tuple[str, int]]) -> str:
    """"GET /api/v1/plan 200, GET /api/v1/customers/{id} 200 x11": ids folded, order kept."""
    counts: dict[tuple[str, int], int] = {}
    for path, status in requests:
        key = (re.sub(r"/\d+(?=/|$|\?)", "/{id}", path), status)
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"GET {path} {status}" + (f" x{n}" if n > 1 else "")
                     for (path, status), n in counts.items()) or "none"


def problems(name: str, report: dict, base: str) -> list[str]:
    screen = report["audits"].get("rm-screen", {}).get("details")
    if not screen:
        return ["no rm-screen audit in the report (run through bench/lighthouse/measure.mjs)"]
    wrong = []
    final = report.get("finalDisplayedUrl")
    if urlsplit(final or "").netloc != urlsplit(base).netloc or urlsplit(final).path != "/":
        wrong.append(f"final URL {final}, not {base}/")
    plan = [status for path, status in api_requests(report) if path.split("?")[0] == "/api/v1/plan"]
    if name == "login":
        if not screen["loginForm"]:
            wrong.append("no sign-in form on the page")
        if plan:
            wrong.append("the plan was fetched: someone was signed in")
        return wrong
    if screen["loginForm"]:
        wrong.append("the page shows the sign-in form, not Today")
    if not screen["todayTitle"]:
        wrong.append("no Today heading (#today-title) on the page")
    if not screen["planDate"]:
        wrong.append("Today did not draw a plan (no plan date): the plan never arrived")
    if 200 not in plan:
        wrong.append("GET /api/v1/plan did not answer 200 in Lighthouse's network log "
                     f"({plan or 'not requested'})")
    worker = screen["navigationWorkerStart"] or 0
    if name == "today-cold" and worker > 0:
        wrong.append("a service worker took the navigation: not a cold load")
    if name == "today-warm" and worker <= 0:
        wrong.append("no service worker took the navigation: not a warm load")
    return wrong


def opportunities(report: dict, top: int = 5) -> list[str]:
    found = []
    for ref in report["categories"]["performance"]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        details = audit.get("details") or {}
        saving = details.get("overallSavingsMs") or 0
        savings = audit.get("metricSavings") or {}
        failing = audit.get("score") is not None and audit["score"] < 0.9
        if failing and (saving > 0 or any(savings.values())):
            text = f"{audit['id']} ~{saving:.0f} ms" if saving else audit["id"]
            text += "".join(f" {k} -{v:.0f}" for k, v in savings.items() if v)
            found.append((saving, text))
    return [text for _, text in sorted(found, reverse=True)[:top]]


def lighthouse_error(report: dict) -> str | None:
    """Why a run has no figures (Lighthouse could not compute a score or a metric), or None."""
    if report["categories"]["performance"]["score"] is None or any(
            report["audits"][key].get("numericValue") is None for key, _, _ in METRICS):
        error = report.get("runtimeError") or {}
        metrics = [f"{key}: {report['audits'][key].get('errorMessage')}" for key, _, _ in METRICS
                   if report["audits"][key].get("numericValue") is None]
        return error.get("message") or "; ".join(metrics) or "no performance score"
    return None


def median_run(reports: list[dict]) -> dict:
    ranked = sorted(reports, key=lambda r: (r["categories"]["performance"]["score"],
                                            -r["audits"]["largest-contentful-paint"]["numericValue"]))
    return ranked[(len(ranked) - 1) // 2]


def show(name: str, runs: list[dict]) -> None:
    report = median_run(runs)
    scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    ok = all(s >= TARGET for s in scores.values())
    print(f"lighthouse {name:10s} " + "  ".join(f"{k} {v}" for k, v in scores.items())
          + f"  target >= {TARGET}  {'OK' if ok else 'BELOW'}")
    every = ", ".join(str(round(r["categories"]["performance"]["score"] * 100)) for r in runs)
    print(f"    {LABEL.get(name, name)}; median of {len(runs)} runs (performance {every})")
    print("    " + "  ".join(f"{short} {metric(report, key, unit)}" for key, short, unit in METRICS)
          + f"  (Lighthouse CPU benchmark index {report['environment']['benchmarkIndex']:.0f})")
    for k, cat in report["categories"].items():
        for ref in cat["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 0.9:
                print(f"    {k}: {audit['id']} {audit['score']}")
    if scores.get("performance", 100) < TARGET:
        print("    top opportunities: " + ("; ".join(opportunities(report)) or "none listed"))
    screen = report["audits"].get("rm-screen", {}).get("details") or {}
    api = api_summary(api_requests(report))
    login_form = "yes" if screen.get("loginForm") else "no"
    via_worker = "yes" if (screen.get("navigationWorkerStart") or 0) > 0 else "no"
    print(f"    evidence: final URL {report.get('finalDisplayedUrl')}; h1 {screen.get('h1')!r}; "
          f"sign-in form {login_form}; profile {screen.get('signedInProfile')}; "
          f"plan date {screen.get('planDate')}, {screen.get('planEntries')} entries drawn; "
          f"navigation via service worker {via_worker}")
    print(f"    API requests Lighthouse recorded: {api}")


def main() -> int:
    base, out = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    failed = []
    for name in ("login", "today-cold", "today-warm"):
        paths = sorted(out.glob(f"{name}.*.json"))
        if not paths:
            failed.append(f"{name}: no Lighthouse report")
            continue
        runs = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
        usable, notes = [], []
        for path, report in zip(paths, runs, strict=True):
            failed += [f"wrong screen measured: {path.name}: {reason}"
                       for reason in problems(name, report, base)]
            error = lighthouse_error(report)
            if error:
                notes.append(f"    {path.name}: Lighthouse gave no figures, left out: {error}")
            else:
                usable.append(report)
        if usable:
            show(name, usable)
        else:
            failed.append(f"{name}: no Lighthouse run gave figures")
        for note in notes:
            print(note)
    for reason in failed:
        print(f"FAILED, {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
