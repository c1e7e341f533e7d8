#!/usr/bin/env bash
# The speed benchmark (issue 18; docs/PERFORMANCE.md, "Speed at scale"): wrk against a server over a
# database filled by `motcua demo generate`, printed as one Markdown table. Tests never time
# anything; this does.
#
#   bench/scale.sh [motcua]          # SQLite in a fresh data folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/scale.sh target/release/motcua
#
# Environment: DOSSIERS (generated first when the database has none; default 1000), DURATION of
# each run (default 10s), DATA_DIR (default a fresh temporary folder), PORT, WRITES=0 to measure
# reads only.
# It measures: the HTTP ceiling (/health), public tracking and the owner's dossier at 64 and 500
# connections, search, the officer's queue and a citizen's "my dossiers"; then writes: complete
# online dossiers per second at 8 and 64 clients (bench/complete-dossier.lua: create, form,
# upload, submit) against the raw database limit for the same rows (bench/raw-dossier.pgbench with
# pgbench, bench/raw-dossier-sqlite.py on SQLite; on PostgreSQL also with the single audit head of
# before, one chain); start-up time and the server's peak RSS. DURATION is in seconds ("10s"). The public per-client limits are raised for the run (the load comes from one
# address), MOTCUA_PUBLIC_LIMIT_FACTOR.
set -euo pipefail

bin=${1:-target/release/motcua}
here=$(cd "$(dirname "$0")" && pwd)
dossiers=${DOSSIERS:-1000}
duration=${DURATION:-10s}
port=${PORT:-18199}
data_dir=${DATA_DIR:-$(mktemp -d)}
base="http://127.0.0.1:$port"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
db_label=${DATABASE_URL:+PostgreSQL}
db_label=${db_label:-SQLite}

# One value from the database, whichever it is.
sql() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    psql "$DATABASE_URL" -Atc "$1"
  else
    python3 - "$data_dir/motcua.db" "$1" <<'EOF'
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()
print("" if row is None else "|".join(str(v) for v in row))
EOF
  fi
}

# Every row of the first column, one per line.
sql_lines() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    psql "$DATABASE_URL" -Atc "$1"
  else
    python3 - "$data_dir/motcua.db" "$1" <<'EOF'
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print(row[0])
EOF
  fi
}

"$bin" --data-dir "$data_dir" migrate >/dev/null
have=$(sql "SELECT COUNT(*) FROM dossiers WHERE status > 0")
if (( have == 0 && dossiers > 0 )); then
  "$bin" --data-dir "$data_dir" demo generate --dossiers "$dossiers" >&2
  have=$(sql "SELECT COUNT(*) FROM dossiers WHERE status > 0")
fi

started=$(date +%s.%N)
MOTCUA_PUBLIC_LIMIT_FACTOR=1000000 MOTCUA_WORKER=${MOTCUA_WORKER:-on} \
  "$bin" --data-dir "$data_dir" serve --listen "127.0.0.1:$port" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fsS "$base/ready" >/dev/null 2>&1 && break
  sleep 0.05
done
ready=$(date +%s.%N)
# The start-up housekeeping (orphan-file sweep, audit checkpoint) reads big tables once.
sleep "${SETTLE:-5}"

# A submitted dossier and its applicant; the commune officer of the demo and their queue's size.
IFS='|' read -r code owner < <(sql "SELECT code, applicant_id FROM dossiers WHERE status > 0 ORDER BY code LIMIT 1")
officer_agency=H31.11341
queue=$(sql "SELECT COUNT(*) FROM dossiers WHERE status > 0 AND (competent_agency = '$officer_agency' OR receiving_agency = '$officer_agency')")
mine=$(sql "SELECT COUNT(*) FROM dossiers WHERE applicant_id = '$owner'")
open_queue=$(sql "SELECT COUNT(*) FROM dossiers WHERE work_stage IS NOT NULL AND (competent_agency = '$officer_agency' OR receiving_agency = '$officer_agency')")
citizen_token=$("$bin" --data-dir "$data_dir" token create --citizen "$owner")
officer_token=$("$bin" --data-dir "$data_dir" token create --user "officer@$officer_agency")

echo "$db_label, $have submitted dossiers; tracked $code; officer@$officer_agency's queue $queue; the owner has $mine" >&2
echo "| request | connections | req/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|---|"
ceiling=
run() {
  local label=$1 conns=$2 path=$3 header=${4:-} script=${5:-}
  local args=(-t2 -c"$conns" -d"$duration" --latency)
  [[ -n $header ]] && args+=(-H "$header")
  [[ -n $script ]] && args+=(-s "$script")
  curl -fsS ${header:+-H "$header"} "$base$path" -o /dev/null
  local out rps p50 p99 errors
  out=$(wrk "${args[@]}" "$base$path" ${script:+-- "$codes_file"})
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  [[ $label == "/health"* && -z $ceiling ]] && ceiling=$rps
  local share=""
  [[ -n $ceiling && $label != "/health"* ]] && share=$(awk -v a="$rps" -v c="$ceiling" 'BEGIN {printf " (%.1f%% of /health)", 100 * a / c}')
  echo "| $label | $conns | ${rps}${share} | $p50 | $p99 | $errors |"
}
run "/health (the HTTP ceiling)" 64 /health
run "/health (the HTTP ceiling)" 500 /health
run "public tracking, GET /api/v1/track/{code}" 64 "/api/v1/track/$code"
run "public tracking, GET /api/v1/track/{code}" 500 "/api/v1/track/$code"
# Many codes at random: the one-second answers kept per node are hit as a public would hit them.
codes_file="$data_dir/tracked-codes.txt"
sql_lines "SELECT code FROM dossiers WHERE status > 0 ORDER BY id LIMIT 1000" >"$codes_file"
tracked=$(wc -l <"$codes_file")
run "public tracking, $tracked codes at random" 64 "/api/v1/track/$code" "" "$here/track-many.lua"
run "public tracking, $tracked codes at random" 500 "/api/v1/track/$code" "" "$here/track-many.lua"
run "the owner's GET /api/v1/dossiers/{code}" 64 "/api/v1/dossiers/$code" "Authorization: Bearer $citizen_token"
run "the owner's GET /api/v1/dossiers/{code}" 500 "/api/v1/dossiers/$code" "Authorization: Bearer $citizen_token"
run "search, GET /api/v1/procedures?q=dang ky khai sinh" 16 "/api/v1/procedures?q=dang%20ky%20khai%20sinh"
# The costliest query class: the most words allowed, each a typo of nothing in the catalogue.
worst="khaii%20sinhh%20dangg%20kyyy%20thuong%20truuu%20hoooo%20tichh%20caapp%20giayy%20chungg%20nhann%20hoonn%20nhaan%20ketqq%20xacnh"
run "search, 16 words of typos (the costliest query)" 16 "/api/v1/procedures?q=$worst"
run "my dossiers, GET /api/v1/dossiers ($mine)" 16 "/api/v1/dossiers" "Authorization: Bearer $citizen_token"
run "the officer's queue, GET /api/v1/dossiers ($queue in the commune)" 16 "/api/v1/dossiers" "Authorization: Bearer $officer_token"
# The back-office home: every queue's count and most urgent rows ($open_queue open in the commune).
run "the officer's work queues page, GET /staff ($open_queue open)" 16 "/staff" "Authorization: Bearer $officer_token"
run "one queue in full, GET /staff?queue=overdue (50 rows)" 16 "/staff?queue=overdue" "Authorization: Bearer $officer_token"

# Writes. The raw limit runs while the server idles; then the same rows through the application.
# WRITES=0 skips them (a read-only column over a big database that should stay as generated).
if [[ ${WRITES:-1} != 0 ]]; then
tpl=$(sql "SELECT id FROM dossiers WHERE procedure_code = '1.001193' AND status > 0 ORDER BY id LIMIT 1")
applicant_token=$("$bin" --data-dir "$data_dir" token create --citizen 031085012345)
seconds=${duration%s}
raw() { # $1 clients, $2 audit chains (PostgreSQL)
  if [[ -n ${DATABASE_URL:-} ]]; then
    pgbench -n -f "$here/raw-dossier.pgbench" -D "tpl='$tpl'" -D "chains=$2" -c "$1" -j 2 -T "$seconds" \
      "$DATABASE_URL" 2>/dev/null | awk '/^tps/ {printf "%.1f", $3}'
  else
    python3 "$here/raw-dossier-sqlite.py" "$data_dir/motcua.db" "$seconds" "$tpl" | sed -E 's/.*\(([0-9.]+)\/s\)/\1/'
  fi
}
complete() { # $1 clients
  wrk -t"$1" -c"$1" -d"$duration" -s "$here/complete-dossier.lua" "$base" -- "$applicant_token" \
    "$here/../docs/examples/birth-registration-form.json" "$here/../docs/examples/sample.pdf" |
    sed -nE 's/^complete dossiers: .*\(([0-9.]+)\/s\), failed steps: ([0-9]+)$/\1|\2/p'
}
echo
echo "| writes: complete online dossiers (create, form, upload, submit: 4 requests, 8 commits) | clients | dossiers/s | raw limit for the same rows | share of the raw limit | failed steps |"
echo "|---|---|---|---|---|---|"
for clients in 8 64; do
  limit=$(raw "$clients" 64)
  IFS='|' read -r rate failed < <(complete "$clients")
  share=$(awk -v a="$rate" -v r="$limit" 'BEGIN {if (r > 0) printf "%.0f%%", 100 * a / r}')
  echo "| through the application | $clients | $rate | $limit | $share | $failed |"
done
if [[ -n ${DATABASE_URL:-} ]]; then
  for clients in 8 64; do
    echo "| raw rows with one audit head (as before issue 18) | $clients | | $(raw "$clients" 1) | | |"
  done
fi
fi
rss=$(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$server/status")
startup=$(awk -v a="$started" -v b="$ready" 'BEGIN {printf "%.2f s", b - a}')
echo
echo "Server peak RSS: $rss. Start-up to ready over $have dossiers: $startup."
