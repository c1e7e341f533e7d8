#!/usr/bin/env bash
# Times the indicator reads a province dashboard makes, over a filled database, with wrk
# (docs/PERFORMANCE.md, "Indicators at scale"). Tests never time anything; this does.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/indicators.sh [motcua] [agency]
#
# Fill the database first (`motcua demo generate --dossiers N`), let the roll-ups catch up
# (`motcua indicators --verify` refreshes everything and checks it), then run this. It starts the
# server on a spare port, signs a staff account in for the dashboard, and prints one Markdown row
# per request: median and p99 latency and requests/s, one connection, 15 s each (DURATION).
set -euo pipefail

bin=${1:-target/release/motcua}
agency=${2:-H31}
port=${PORT:-18099}
duration=${DURATION:-15s}
data_dir=${DATA_DIR:-$(mktemp -d)}
base="http://127.0.0.1:$port"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }

# The load comes from one address: the public per-client limits are raised for the run.
MOTCUA_PUBLIC_LIMIT_FACTOR=1000000 \
  "$bin" --data-dir "$data_dir" serve --listen "127.0.0.1:$port" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  sleep 0.5
done

# The start-up housekeeping (orphan-file sweep, reconciliation) reads big tables once: let it
# finish, or the first rows measure it rather than the indicators.
sleep "${SETTLE:-30}"

cookie=$(curl -sS -D - -o /dev/null -H "origin: $base" \
  --data "username=admin@$agency&password=${STAFF_PASSWORD:-demo}" "$base/staff/login" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -n1)

year=$(TZ=Asia/Ho_Chi_Minh date +%Y)
month=$(TZ=Asia/Ho_Chi_Minh date +%-m)
quarter="$year-Q$(((month - 1) / 3 + 1))"
last_month=$(TZ=Asia/Ho_Chi_Minh date -d "$(date +%Y-%m-15) -1 month" +%Y-%m)

echo "| request | p50 | p99 | req/s |"
echo "|---|---|---|---|"
run() {
  local label=$1 path=$2 header=${3:-}
  local args=(-t1 -c1 -d"$duration" --latency)
  [[ -n $header ]] && args+=(-H "$header")
  # One warm-up request (prepared statements, caches), then the timed run.
  curl -fsS ${header:+-H "$header"} "$base$path" -o /dev/null
  local out
  out=$(wrk "${args[@]}" "$base$path")
  local p50 p99 rps
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$label: answers other than 2xx, the row would not measure the request" >&2
    exit 1
  fi
  echo "| $label | $p50 | $p99 | $rps |"
}
run "API, province, current quarter" "/api/v1/indicators?agency=$agency&period=$quarter"
run "API, province, current year" "/api/v1/indicators?agency=$agency&period=$year"
run "API, province, last month" "/api/v1/indicators?agency=$agency&period=$last_month"
run "API, whole deployment, current year" "/api/v1/indicators?period=$year"
if [[ -n $cookie ]]; then
  run "staff dashboard, province, current quarter (figures, communes, procedures, targets)" \
    "/staff/indicators?agency=$agency&period=$quarter" "cookie: $cookie"
  run "staff dashboard, province, current year" \
    "/staff/indicators?agency=$agency&period=$year" "cookie: $cookie"
fi
run "public statistics page (12 months, the window, every agency)" "/thong-ke"
run "open data, JSON (12 months)" "/thong-ke/du-lieu.json"
