#!/usr/bin/env bash
# casegraph side by side with PostGraphile and raw SQL (pgbench), in one run, on one machine.
#
#   bench/run.sh [SECONDS=15]
#
# 1. PostgreSQL 15 (the anchor's pg-up.sh: install/start/seed, loopback only) and the anchor's
#    data; the same volume in casegraph's own schema (bench/seed-casegraph.sql).
# 2. casegraph in release mode on that database, with real tokens (bench/bodies.py), the full
#    auth + policy + audit path: caseload by each worker's own token, child lookup by a hub
#    worker, partner updates by partners (audit row and alert in the same transaction).
# 3. wrk at 16 and 64 connections for each operation; server RSS and CPU, and CPU milliseconds
#    per request of the server and of PostgreSQL; SQL statements per caseload request at page
#    sizes 5 and 20; then a `perf` profile of each operation (bench/profile.sh; BENCH_PROFILE=0
#    skips it); the embedded SQLite default on the same data.
# 4. The anchor (PostGraphile 5 + pgbench, ../shared/anchor-bench/bench-all.sh) in the same run,
#    with PostgreSQL's CPU per request during each of its runs (bench/pg-cpu.py).
# 5. Two tables, printed and written to bench/results/: throughput with the ratios, and CPU per
#    request; the profiles go to bench/results/profile-*.txt.
# 6. Unless BENCH_REPORTS=0: after the measurements above (so that they stay comparable with
#    earlier runs), a year of reporting volume (bench/seed-reports.sql) is loaded on top of the
#    same PostgreSQL database and each report and extract is timed at it (bench/reports.sh); its
#    table goes into the results file too.
# Needs root on a Debian machine of the project's kind (apt for wrk and PostgreSQL).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
SECS="${1:-15}"
ANCHOR_SRC="${ANCHOR_DIR:-$ROOT/../shared/anchor-bench}"
PORT="${BENCH_PORT:-18090}"
METRICS_PORT=$((PORT + 1))
SECRET="bench-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK="$(mktemp -d /tmp/casegraph-bench.XXXXXX)"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$HERE/results/bench-$STAMP.txt"
PROFILE="$HERE/results/profile-$STAMP.txt"
mkdir -p "$HERE/results"
say() { printf '==> %s\n' "$*" >&2; }
PIDS=()
# The scratch directory (the anchor's copy with its node modules, the SQLite copy of the data:
# about 1 GB) goes when the run ends; BENCH_KEEP_WORK=1 keeps it for a look afterwards.
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  if [ -n "${BENCH_KEEP_WORK:-}" ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

say "anchor: copy ../shared/anchor-bench (read-only there) to $WORK/anchor"
cp -r "$ANCHOR_SRC" "$WORK/anchor"
chmod -R u+w "$WORK/anchor"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

say "PostgreSQL up and the anchor's data seeded (pg-up.sh)"
t0=$(date +%s)
"$WORK/anchor/pg-up.sh" >&2
(cd "$WORK/anchor" && ./make-bodies.sh >/dev/null)

say "casegraph: release build"
# BENCH_BIN: measure a binary built elsewhere (an A/B of two builds) instead of this tree's.
if [ -n "${BENCH_BIN:-}" ]; then BIN="$BENCH_BIN"; else
  (cd "$ROOT" && cargo build --release --quiet)
  BIN="$ROOT/target/release/casegraph"
fi

say "casegraph: the same volume in its own schema"
su postgres -c "psql -X -q -c 'DROP DATABASE IF EXISTS casegraph_bench' -c 'CREATE DATABASE casegraph_bench OWNER anchor'" >&2
# Loopback: no TLS, like the anchor's PostGraphile (node-postgres connects without it by default).
DB="postgres://anchor:anchor@127.0.0.1:5432/casegraph_bench?sslmode=disable"
export PGPASSWORD=anchor
t1=$(date +%s)
DATABASE_URL="$DB" "$BIN" migrate >&2
psql -X -q -v ON_ERROR_STOP=1 "$DB" -f "$HERE/seed-casegraph.sql" >&2
t2=$(date +%s)
counts=$(psql -X -At "$DB" -c "select (select count(*) from children)||' children, '||(select count(*) from cases)||' cases ('||(select count(*) from cases where status='OPEN')||' open), '||(select count(*) from partner_updates)||' partner updates'")
say "loaded $counts in $((t2 - t1)) s"
python3 "$HERE/bodies.py" "$DB" "$SECRET" "$WORK" >&2

start_server() { # $1 = DATABASE_URL, $2 = data dir
  mkdir -p "$2"
  # wrk sends with a few tokens from many connections: the per-principal limits stay on (their
  # code runs on every request) with limits no load here reaches. The SQL statement counter is
  # a benchmark-only metric, on the metrics listener.
  DATABASE_URL="$1" CASEGRAPH_BIND="127.0.0.1:$PORT" CASEGRAPH_PROFILE=dev CASEGRAPH_DEMO_DATA=false \
    CASEGRAPH_OVERDUE_SCAN_SECS=0 JWT_HS256_SECRET="$SECRET" CASEGRAPH_DATA_DIR="$2" RUST_LOG=warn \
    CASEGRAPH_METRICS_BIND="127.0.0.1:$METRICS_PORT" CASEGRAPH_METRICS_SQL_STATEMENTS=true \
    CASEGRAPH_RATE_PER_SECOND=1000000 CASEGRAPH_RATE_BURST=1000000 CASEGRAPH_CONCURRENCY_PER_PRINCIPAL=100000 \
    CASEGRAPH_DRAIN_SECS=0 \
    "$BIN" serve >"$2/server.log" 2>&1 &
  SERVER=$!
  PIDS+=("$SERVER")
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  cat "$2/server.log" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of every PostgreSQL process (backends, WAL writer, checkpointer, autovacuum...)
# during one run, counted as for the anchor (pg-cpu.py): a process that ends within the run
# keeps its ticks.
pg_cpu_begin() { python3 "$HERE/pg-cpu.py" sample "$WORK/pg-run.log" & PG_SAMPLER=$!; PIDS+=("$PG_SAMPLER"); sleep 0.3; }
pg_cpu_end() { sleep 0.3; kill "$PG_SAMPLER"; wait "$PG_SAMPLER" 2>/dev/null || true; tail -1 "$WORK/pg-run.log" | cut -d' ' -f2; }
rss_mb() { awk -v k="$2:" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
load() { # $1 = body file, $2 = seconds, $3 = connections
  BODYFILE="$1" wrk -t 1 -c "$3" -d "${2}s" --timeout 10s -s "$HERE/wrk-casegraph.lua" "http://127.0.0.1:$PORT/graphql" \
    | grep '^SUMMARY ' | sed 's/^SUMMARY //'
}
precheck() { # one request of each file must answer data without errors
  local tok body; IFS=$'\t' read -r tok body < "$1"
  local resp; resp=$(curl -sS -H 'content-type: application/json' -H "authorization: Bearer $tok" --data-binary "$body" "http://127.0.0.1:$PORT/graphql")
  if grep -q '"errors"' <<<"$resp" || ! grep -q '"data"' <<<"$resp"; then echo "pre-check failed for $1: ${resp:0:300}" >&2; exit 1; fi
}
statements() { curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^casegraph_sql_statements_total/ {print $2}'; }
per_request() { # SQL statements of one caseload request with first=$1
  local tok body; IFS=$'\t' read -r tok body < "$WORK/caseload.tsv"
  body=${body//first: 20/first: $1}
  local a b; a=$(statements)
  curl -fsS -o /dev/null -H 'content-type: application/json' -H "authorization: Bearer $tok" --data-binary "$body" "http://127.0.0.1:$PORT/graphql"
  b=$(statements); echo $((b - a))
}
run_matrix() { # $1 = label (casegraph / casegraph-sqlite), $2 = ops
  local label=$1; shift
  HZ=$(getconf CLK_TCK)
  for op in "$@"; do precheck "$WORK/$op.tsv"; done
  for op in caseload child-lookup; do [[ " $* " == *" $op "* ]] && load "$WORK/$op.tsv" 5 16 >/dev/null; done
  for op in "$@"; do
    for c in 16 64; do
      local a b pg res cpu per
      pg_cpu_begin
      a=$(cpu_ticks "$SERVER"); res=$(load "$WORK/$op.tsv" "$SECS" "$c"); b=$(cpu_ticks "$SERVER")
      pg=$(pg_cpu_end)
      cpu=$(awk -v a="$a" -v b="$b" -v hz="$HZ" -v s="$SECS" 'BEGIN {printf "%.0f", 100 * (b - a) / hz / s}')
      # CPU milliseconds per request: the server's own, and PostgreSQL's (idle for SQLite).
      per=$(awk -v a="$a" -v b="$b" -v pg="$pg" -v hz="$HZ" -v r="$res" 'BEGIN {
        match(r, /requests=[0-9]+/); n = substr(r, RSTART + 9, RLENGTH - 9) + 0; if (n == 0) n = 1
        printf "server_ms_per_req=%.3f pg_ms_per_req=%.3f", 1000 * (b - a) / hz / n, 1000 * pg / hz / n }')
      echo "$label $op c=$c $res cpu_pct=$cpu rss_mb=$(rss_mb "$SERVER" VmRSS) peak_rss_mb=$(rss_mb "$SERVER" VmHWM) $per" | tee -a "$OUT"
    done
  done
  # Where the CPU went, after the measured runs so that sampling never touches their figures.
  if [[ $label == casegraph && ${BENCH_PROFILE:-1} != 0 ]]; then
    for op in "$@"; do
      say "profile: $op"
      "$HERE/profile.sh" "$op" "$WORK/$op.tsv" "$PORT" "$WORK" >> "$PROFILE" || say "profile of $op skipped (perf unavailable?)"
    done
  fi
}

{
  echo "# casegraph bench $(date -u +%FT%TZ) secs=$SECS host=$(hostname) cores=$(nproc) commit=$(cd "$ROOT" && git rev-parse --short HEAD)"
  echo "# data: $counts (loaded in $((t2 - t1)) s; anchor + casegraph set-up $((t2 - t0)) s)"
} | tee -a "$OUT"

say "casegraph on PostgreSQL"
start_server "$DB" "$WORK/pg"
per_request 20 >/dev/null  # warms the organisation cache (reference data)
echo "casegraph sql_statements_per_caseload first=5: $(per_request 5) first=20: $(per_request 20)" | tee -a "$OUT"
run_matrix casegraph caseload child-lookup add-update
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

say "casegraph on the embedded SQLite default (same data, WAL, pool of readers)"
SQLITE="$WORK/sqlite/casegraph.db"
mkdir -p "$WORK/sqlite"
python3 "$HERE/pg-to-sqlite.py" "$DB" "$SQLITE" "$BIN" >&2
start_server "sqlite://$SQLITE?mode=rwc" "$WORK/sqlite"
run_matrix casegraph-sqlite caseload child-lookup
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

if [[ ${BENCH_REPORTS:-1} != 0 ]]; then
  # After the other measurements, so that they stay comparable with earlier runs: a year of
  # reporting volume on top of the same database, then each report and extract timed at it.
  say "casegraph: a year of reporting volume on top (bench/seed-reports.sql; BENCH_REPORTS=0 skips it)"
  tr0=$(date +%s)
  psql -X -q -v ON_ERROR_STOP=1 "$DB" -f "$HERE/seed-reports.sql" >&2
  echo "# reports: $(psql -X -At "$DB" -c "select (select count(*) from requests_for_support where status <> 'DRAFT')||' requests for support, '||(select count(*) from partner_updates)||' partner updates, '||(select count(*) from early_help_assessments)||' early help assessments, '||(select count(*) from advice_consultations)||' advice-line calls, '||(select count(*) from cases)||' cases'") (loaded in $(($(date +%s) - tr0)) s)" | tee -a "$OUT"
  start_server "$DB" "$WORK/pg-reports"
  # Tokens minted as bodies.py mints the others (the seed's `analyst` and `performance` rows).
  say "casegraph: each report and extract at volume (bench/reports.sh)"
  if analyst_token=$(DATABASE_URL="$DB" JWT_HS256_SECRET="$SECRET" "$HERE/reports.sh" token analyst) &&
    performance_token=$(DATABASE_URL="$DB" JWT_HS256_SECRET="$SECRET" "$HERE/reports.sh" token performance); then
    "$HERE/reports.sh" "http://127.0.0.1:$PORT" "$analyst_token" "$performance_token" | tee -a "$OUT" || say "report timings stopped early"
  else
    say "report timings skipped: no analyst or performance token"
  fi
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
fi

say "anchor: PostGraphile 5 and pgbench on the anchor's data (bench-all.sh $SECS)"
chmod 755 "$WORK"
# PostgreSQL's CPU during each of the anchor's runs, without touching the anchor: a sampler
# notes PostgreSQL's ticks four times a second, each result line is stamped as bench-all.sh writes it,
# and PostgreSQL's ticks over the SECONDS before its last busy moment before the stamp are that
# run's (pg-cpu.py).
python3 "$HERE/pg-cpu.py" sample "$WORK/pg-ticks.log" &
SAMPLER=$!
PIDS+=("$SAMPLER")
(cd "$WORK/anchor" && ./bench-all.sh "$SECS") | while IFS= read -r line; do
  echo "$line" >&2
  echo "$(date +%s.%N) $line"
done > "$WORK/anchor.log"
kill "$SAMPLER" 2>/dev/null || true
python3 "$HERE/pg-cpu.py" annotate "$WORK/anchor.log" "$WORK/pg-ticks.log" "$SECS" "$(getconf CLK_TCK)" | grep -v '^#' | tee -a "$OUT"

say "table"
python3 "$HERE/table.py" "$OUT" | tee -a "$OUT"
echo "results: $OUT" >&2
if [[ -s $PROFILE ]]; then echo "profiles: $PROFILE" >&2; fi
