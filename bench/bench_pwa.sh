#!/usr/bin/env bash
# PWA benchmark: Lighthouse 12.2.3 (mobile) on the login screen and on Today against
# `make run`, the first-load JS+CSS budget, and a warm offline start to Today.
# Targets: performance, accessibility and best-practices >= 95; JS+CSS <= 100 KB gzipped;
# offline start < 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-5077}"
BASE="http://127.0.0.1:${PORT}"
OUT="$(mktemp -d)"
FLAGS="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run"

(cd bench/lighthouse && [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null)

make pwa >/dev/null
export DATABASE_URL="sqlite:///${OUT}/bench.db" DEMO_TRUTH_PATH="${OUT}/truth.csv" PORT
make run >"${OUT}/server.log" 2>&1 &
SERVER=$!
trap 'kill ${SERVER} 2>/dev/null; pkill -f "flask run --host 127.0.0.1 --port ${PORT}" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -fs "${BASE}/api/v1/openapi.json" >/dev/null && break; sleep 0.5; done

COOKIE=$(curl -s -c - -H 'Content-Type: application/json' -d '{"username":"rm1","password":"demo1234"}' \
         "${BASE}/api/v1/auth/login" | awk '$6 == "session" {print $7}')

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%F)"
run_lighthouse() {  # name url [extra headers]
  local name=$1 url=$2 headers=${3:-}
  CHROME_PATH=/usr/bin/chromium bench/lighthouse/node_modules/.bin/lighthouse "$url" \
    --chrome-flags="$FLAGS" --only-categories=performance,accessibility,best-practices \
    --output=json --output-path="${OUT}/${name}.json" --quiet ${headers:+--extra-headers="$headers"}
  python3 - "$name" "${OUT}/${name}.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
report = json.load(open(path))
scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
ok = all(s >= 95 for s in scores.values())
print(f"lighthouse {name:6s} " + "  ".join(f"{k} {v}" for k, v in scores.items())
      + f"  target >= 95  {'OK' if ok else 'BELOW'}")
for k, cat in report["categories"].items():
    for ref in cat["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref.get("weight") and audit.get("score") is not None and audit["score"] < 0.9:
            print(f"    {k}: {audit['id']} {audit['score']}")
PY
}
run_lighthouse login "${BASE}/"
run_lighthouse today "${BASE}/" "{\"Cookie\": \"session=${COOKIE}\"}"
.venv/bin/python bench/pwa_figures.py "${BASE}"
