#!/usr/bin/env bash
# What a change costs the add-partner-update path, counted in instructions rather than timed:
# timings on a shared 2-core VM vary by ±10% from run to run (stolen CPU), an instruction count
# repeated to within 2% (the server) and 0.2% (PostgreSQL). Made to measure the outbox (issue 19),
# usable for any two builds.
#
#   bench/outbox-cost.sh BEFORE_BIN AFTER_BIN [REQUESTS=200]   (root; PostgreSQL 15, valgrind)
#   OUTBOX_COST_KEEP=1 keeps the scratch directory (the callgrind profiles, *.cg)
#
# For each binary in turn: a scratch cluster (fsync off: the disk's time is not what is counted)
# is migrated by the binary and seeded with the benchmark data (bench/seed-casegraph.sql). Then,
# twice, from a copy of that data, PostgreSQL and the binary's server both run under callgrind
# while add-updates are sent one at a time through the real HTTP API (each with its own signed
# token, as bench/run.sh sends them): 20 the first time, 20 + REQUESTS the second. Start-up,
# connecting and shutting down are the same in both, so the difference over REQUESTS is the
# instructions per add-update: in the server, and in PostgreSQL (every process: the server's
# connections, the WAL writer, the checkpointer...). Kernel time (system calls, the WAL's writes)
# is not counted; user-space instructions are what two builds of the same code differ in.
# The webhook dispatcher polls once, at start (its interval is set to an hour): a poll a second
# would be counted by how long the run took.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
A=$(realpath "${1:?before binary}"); B=$(realpath "${2:?after binary}"); REQUESTS=${3:-200}
PGBIN=/usr/lib/postgresql/15/bin
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
W=$(mktemp -d /tmp/outbox-cost.XXXXXX); chmod 755 "$W"
PORT=55499; HTTP=18098; SECRET="outbox-cost-0123456789abcdef0123456789abcdef"
URL="postgres://postgres@127.0.0.1:$PORT/cg?sslmode=disable"
SERVER=
stop_all() {
  [[ -n "$SERVER" ]] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; }
  [[ -d "$W/pg" ]] && su postgres -c "$PGBIN/pg_ctl -D $W/pg/data -m fast -w -t 300 stop" >/dev/null 2>&1 || true
}
trap 'stop_all; [[ -n "${OUTBOX_COST_KEEP:-}" ]] || rm -rf "$W"' EXIT
pg_start() { # $1: what to run PostgreSQL under (valgrind ...), or nothing
  # Waits for the log's "ready" line rather than probing: under callgrind each probe would be a
  # backend of its own, counted with the rest.
  local log; log="$W/pg/log.$((++STARTS))"
  su postgres -c "$1 $PGBIN/postgres -D $W/pg/data -p $PORT -k $W/pg -c listen_addresses=127.0.0.1 -c fsync=off \
    >$log 2>&1 &"
  for _ in $(seq 1 600); do grep -q "ready to accept connections" "$log" 2>/dev/null && return; sleep 0.5; done
  echo "PostgreSQL did not start"; exit 1
}
STARTS=0
# Sends requests $1..$2 (1-based lines of the bodies file, wrapping round) one at a time.
send() {
  python3 - "$W/bodies/add-update.tsv" "$1" "$2" "$HTTP" <<'EOF'
import sys, urllib.request
lines = open(sys.argv[1]).read().splitlines()
for i in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
    tok, body = lines[(i - 1) % len(lines)].split("\t", 1)
    req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[4]}/graphql", data=body.encode(),
                                 headers={"authorization": "Bearer " + tok, "content-type": "application/json"})
    out = urllib.request.urlopen(req, timeout=600).read().decode()
    if '"reference"' not in out:
        sys.exit(f"add-update {i} failed: {out[:200]}")
EOF
}
instr() { # instructions in the callgrind files $1/$2.*.cg (each written when its process ended)
  local sum=0 n f
  for f in "$1/$2".*.cg; do
    n=$(awk '/^(summary|totals):/ {print $2; exit}' "$f"); sum=$((sum + ${n:-0}))
  done
  echo "$sum"
}
run() { # $1 binary, $2 add-updates, $3 output directory: all under callgrind, on a copy of the seeded data
  local bin=$1 count=$2 out=$3
  rm -rf "$W/pg/data"; cp -a "$W/seeded" "$W/pg/data"; mkdir -p "$out" "$out-data"; chown postgres "$out"
  pg_start "valgrind --tool=callgrind --trace-children=yes --vgdb=no --callgrind-out-file=$out/pg.%p.cg"
  DATABASE_URL="$URL" CASEGRAPH_BIND=127.0.0.1:$HTTP CASEGRAPH_PROFILE=dev CASEGRAPH_DEMO_DATA=false \
    CASEGRAPH_OVERDUE_SCAN_SECS=0 JWT_HS256_SECRET="$SECRET" CASEGRAPH_DATA_DIR="$out-data" RUST_LOG=warn \
    CASEGRAPH_METRICS_BIND= CASEGRAPH_DB_POOL=2 CASEGRAPH_DRAIN_SECS=0 CASEGRAPH_WEBHOOK_INTERVAL_MS=3600000 \
    CASEGRAPH_RATE_PER_SECOND=1000000 CASEGRAPH_RATE_BURST=1000000 valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$out/server.%p.cg" \
    "$bin" serve >"$out/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$HTTP/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  send 1 "$count"
  stop_all
  # Each process writes its file as it ends, the postmaster's after pg_ctl has seen it go.
  local f complete
  for _ in $(seq 1 120); do
    sleep 0.5; complete=1
    for f in "$out"/*.cg; do grep -q '^totals:' "$f" || complete=0; done
    [[ $complete == 1 ]] && return
  done
}
measure() { # $1 name, $2 binary
  local name=$1 bin=$2
  rm -rf "$W/pg" "$W/seeded"; mkdir -p "$W/pg"; chown postgres "$W/pg"
  su postgres -c "$PGBIN/initdb -D $W/pg/data -A trust -U postgres" >/dev/null
  pg_start ""
  su postgres -c "$PGBIN/createdb -h $W/pg -p $PORT cg"
  DATABASE_URL="$URL" "$bin" migrate >/dev/null 2>&1
  psql -X -q -v ON_ERROR_STOP=1 "$URL" -f "$HERE/seed-casegraph.sql" >/dev/null
  psql -X -q "$URL" -c "VACUUM ANALYZE" -c "CHECKPOINT"
  local migrated; migrated=$(psql -X -At "$URL" -c 'select max(version) from seaql_migrations')
  mkdir -p "$W/bodies"
  [[ -s "$W/bodies/add-update.tsv" ]] || python3 "$HERE/bodies.py" "$URL" "$SECRET" "$W/bodies" >/dev/null
  su postgres -c "$PGBIN/pg_ctl -D $W/pg/data -m fast -w stop" >/dev/null
  cp -a "$W/pg/data" "$W/seeded"
  # Start-up, connecting and shutting down cost the same in both runs: the difference is the
  # REQUESTS add-updates the second run sends beyond the first's 20.
  run "$bin" 20 "$W/$name-20"
  run "$bin" $((20 + REQUESTS)) "$W/$name-more"
  local s1 s2 p1 p2
  s1=$(instr "$W/$name-20" server); p1=$(instr "$W/$name-20" pg)
  s2=$(instr "$W/$name-more" server); p2=$(instr "$W/$name-more" pg)
  echo "$name $(basename "$bin") migrated=$migrated requests=$REQUESTS server_instr_per_req=$(((s2 - s1) / REQUESTS)) pg_instr_per_req=$(((p2 - p1) / REQUESTS)) total_instr_per_req=$(((s2 + p2 - s1 - p1) / REQUESTS))"
}
measure before "$A"
measure after "$B"
