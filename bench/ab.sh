#!/usr/bin/env bash
# Interleaved A/B of two release binaries: each round runs caseload, child-lookup and add-update
# (16 connections, 3 s warm-up, 12 s measured) on binary A, then on binary B, each on its own
# freshly seeded copy of the benchmark data. Interleaving makes the machine's drift hit both
# alike, which full runs of bench/run.sh an hour apart do not.
#
#   bench/ab.sh BEFORE_BIN AFTER_BIN [ROUNDS=3]     (root, like run.sh: PostgreSQL via the anchor's pg-up.sh)
#   AB_CONNECTIONS=64 AB_OPS=add-update bench/ab.sh ...   (other concurrency, fewer operations)
#
# Prints one SUMMARY line per run, with CPU ms per request in the server, in PostgreSQL and in both;
# bench/ab-summary.py pools and summarises the lines.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
A=${1:?before binary}; B=${2:?after binary}; ROUNDS=${3:-3}
CONNS=${AB_CONNECTIONS:-16}; OPS=${AB_OPS:-caseload child-lookup add-update}
ANCHOR="${ANCHOR_DIR:-$HERE/../../shared/anchor-bench}"
export PGPASSWORD=anchor
SECRET="ab-secret-0123456789abcdef0123456789abcdef"
WORK=$(mktemp -d /tmp/casegraph-ab.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
bash "$ANCHOR/pg-up.sh" >/dev/null 2>&1
for name in before after; do
  su postgres -c "psql -X -q -c 'DROP DATABASE IF EXISTS casegraph_$name' -c 'CREATE DATABASE casegraph_$name OWNER anchor'" >/dev/null 2>&1
done
BEFORE="postgres://anchor:anchor@127.0.0.1:5432/casegraph_before?sslmode=disable"
AFTER="postgres://anchor:anchor@127.0.0.1:5432/casegraph_after?sslmode=disable"
DATABASE_URL="$BEFORE" "$A" migrate >/dev/null 2>&1
DATABASE_URL="$AFTER" "$B" migrate >/dev/null 2>&1
# Which migrations each binary applied: a release build can keep a stale crate from an older
# commit built into the same target directory (seen: a binary without the events migration,
# whose every add-update failed with a 200 and a GraphQL error). After building another commit
# into target/, `cargo clean --release -p casegraph -p migration -p entity` first.
for db in "$BEFORE" "$AFTER"; do
  echo "# ${db##*/}: migrated to $(psql -X -At "$db" -c 'select max(version) from seaql_migrations')"
done
psql -X -q -v ON_ERROR_STOP=1 "$BEFORE" -f "$HERE/seed-casegraph.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 "$AFTER" -f "$HERE/seed-casegraph.sql" >/dev/null
mkdir -p "$WORK/before" "$WORK/after"
python3 "$HERE/bodies.py" "$BEFORE" "$SECRET" "$WORK/before" >/dev/null 2>&1
python3 "$HERE/bodies.py" "$AFTER" "$SECRET" "$WORK/after" >/dev/null 2>&1
run() { # $1 name $2 bin $3 db $4 bodies dir $5 op
  mkdir -p "$WORK/data-$1"
  # Limits on, out of reach (their code runs on every request); an older binary ignores them.
  DATABASE_URL="$3" CASEGRAPH_BIND=127.0.0.1:18099 CASEGRAPH_PROFILE=dev CASEGRAPH_DEMO_DATA=false CASEGRAPH_OVERDUE_SCAN_SECS=0 \
    JWT_HS256_SECRET="$SECRET" CASEGRAPH_DATA_DIR="$WORK/data-$1" RUST_LOG=warn CASEGRAPH_METRICS_BIND= \
    CASEGRAPH_RATE_PER_SECOND=1000000 CASEGRAPH_RATE_BURST=1000000 CASEGRAPH_CONCURRENCY_PER_PRINCIPAL=100000 CASEGRAPH_DRAIN_SECS=0 \
    "$2" serve >"$WORK/$1.log" 2>&1 &
  local S=$!
  for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18099/readyz >/dev/null 2>&1 && break; sleep 0.1; done
  BODYFILE="$4/$5.tsv" wrk -t 1 -c "$CONNS" -d 3s --timeout 10s -s "$HERE/wrk-casegraph.lua" http://127.0.0.1:18099/graphql >/dev/null
  local t0 t1 out req sampler p0 p1
  # PostgreSQL's CPU over the measured run, every process (backends, WAL writer, autovacuum),
  # as run.sh counts it: CPU time is not charged while the VM's CPU is stolen, so CPU per
  # request varies far less from run to run than requests per second do.
  python3 "$HERE/pg-cpu.py" sample "$WORK/ticks-$1" & sampler=$!
  sleep 0.3
  t0=$(awk '{print $14+$15}' "/proc/$S/stat")
  out=$(BODYFILE="$4/$5.tsv" wrk -t 1 -c "$CONNS" -d 12s --timeout 10s -s "$HERE/wrk-casegraph.lua" http://127.0.0.1:18099/graphql | grep SUMMARY)
  t1=$(awk '{print $14+$15}' "/proc/$S/stat")
  sleep 0.3; kill "$sampler"; wait "$sampler" 2>/dev/null || true
  p0=$(head -1 "$WORK/ticks-$1" | cut -d' ' -f2); p1=$(tail -1 "$WORK/ticks-$1" | cut -d' ' -f2)
  kill "$S"; wait "$S" 2>/dev/null || true
  req=$(echo "$out" | sed 's/.*requests=\([0-9]*\).*/\1/')
  echo "$1 $5 c=$CONNS $out server_ms_per_req=$(python3 -c "print(round(($t1-$t0)*10/$req,3))") pg_ms_per_req=$(python3 -c "print(round(($p1-$p0)*10/$req,3))") cpu_ms_per_req=$(python3 -c "print(round(($t1-$t0+$p1-$p0)*10/$req,3))")"
}
for _ in $(seq 1 "$ROUNDS"); do
  for op in $OPS; do
    run before "$A" "$BEFORE" "$WORK/before" "$op"
    run after "$B" "$AFTER" "$WORK/after" "$op"
  done
done
