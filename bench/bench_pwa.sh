#!/usr/bin/env bash
# PWA benchmark: Lighthouse 12.2.3 (mobile) against `make run` on the demo bank, in one
# Chromium (bench/lighthouse/measure.mjs): the sign-in screen of a browser that never signed
# in, then Today signed in through the form, COLD (HTTP cache, service worker, its caches and
# IndexedDB emptied; cookie and profile kept) and WARM (service worker and caches in place).
# bench/lighthouse/report.py fails the run when a report shows another screen than its name
# (Today must have fetched GET /api/v1/plan and drawn the plan; no sign-in form).
# Then the first-load JS+CSS budget and a warm offline start to Today.
# Targets: performance, accessibility and best-practices >= 95; JS+CSS <= 100 KB gzipped;
# offline start < 1 s. Each Lighthouse figure is the median of LH_RUNS runs (default 3);
# LIGHTHOUSE_KEEP=DIR keeps the Lighthouse JSON reports.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-5077}"
BASE="http://127.0.0.1:${PORT}"
OUT="$(mktemp -d)"
export CHROME_PATH=/usr/bin/chromium
[ -x "${CHROME_PATH}" ] || { echo "no Chromium at ${CHROME_PATH} (apt-get install -y chromium)"; exit 1; }
export CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run"

(cd bench/lighthouse && [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null)

make pwa >"${OUT}/build.log" 2>&1 || { tail -30 "${OUT}/build.log"; exit 1; }
export DATABASE_URL="sqlite:///${OUT}/bench.db" DEMO_TRUTH_PATH="${OUT}/truth.csv" PORT
# its own process group, so the exit trap stops make and the flask it started, and nothing else
setsid make run >"${OUT}/server.log" 2>&1 &
SERVER=$!
trap 'kill -- -${SERVER} 2>/dev/null || true; rm -rf "${OUT}"' EXIT
# the demo bank, its models and the nightly pipeline first: minutes on a busy machine
for _ in $(seq 1 1200); do
  curl -fs "${BASE}/api/v1/openapi.json" >/dev/null && break
  kill -0 "${SERVER}" 2>/dev/null || break
  sleep 0.5
done
curl -fs "${BASE}/api/v1/openapi.json" >/dev/null || { echo "server did not start:"; tail -20 "${OUT}/server.log"; exit 1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%F)"
node bench/lighthouse/measure.mjs "${BASE}" "${OUT}"
if [ -n "${LIGHTHOUSE_KEEP:-}" ]; then  # a directory to keep the Lighthouse reports in
  mkdir -p "${LIGHTHOUSE_KEEP}" && cp "${OUT}"/{login,today-cold,today-warm}.*.json "${LIGHTHOUSE_KEEP}"/
fi
status=0
.venv/bin/python bench/lighthouse/report.py "${BASE}" "${OUT}" || status=$?
.venv/bin/python bench/pwa_figures.py "${BASE}"
exit "${status}"
