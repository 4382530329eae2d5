#!/usr/bin/env bash
# Where the CPU goes during one casegraph operation: called by run.sh (unless BENCH_PROFILE=0) with the
# server already serving. Samples the whole machine with `perf record -a` (no call graphs: the
# release binary keeps its symbols but not frame pointers) for PROFILE_SECS while wrk drives the
# operation at 16 connections, then prints each process's share of the samples, its split
# between kernel and user space, and the hottest symbols of the server and of PostgreSQL.
#
#   bench/profile.sh OP BODYFILE PORT WORKDIR
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OP=$1 BODIES=$2 PORT=$3 WORK=$4
SECS="${PROFILE_SECS:-5}"
command -v perf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null; }
DATA="$WORK/perf-$OP.data"
BODYFILE="$BODIES" wrk -t 1 -c 16 -d "$((SECS + 3))s" --timeout 10s -s "$HERE/wrk-casegraph.lua" \
  "http://127.0.0.1:$PORT/graphql" > "$WORK/perf-$OP.wrk" &
LOAD=$!
sleep 1.5
python3 "$HERE/pg-cpu.py" pids > "$WORK/pg-before"
perf record -q -F 499 -a -o "$DATA" -- sleep "$SECS" >/dev/null 2>&1
python3 "$HERE/pg-cpu.py" pids > "$WORK/pg-after"
su postgres -c "psql -X -At -F ' ' -c \"SELECT pid, coalesce(nullif(application_name, ''), backend_type) FROM pg_stat_activity\"" \
  > "$WORK/pg-names" 2>/dev/null || true
wait "$LOAD"
report() { perf report -i "$DATA" --no-children --percent-limit 0.2 "$@" 2>/dev/null | grep -E '^ +[0-9]' || true; }
echo "## profile: $OP at 16 connections, ${SECS} s, all CPUs ($(grep -o 'rps=[0-9]*' "$WORK/perf-$OP.wrk"))"
echo "### share of all samples by process"
report --sort comm | head -6
echo "### by process and object (kernel = [kernel.kallsyms])"
report --sort comm,dso | head -12
rps=$(grep -o 'rps=[0-9]*' "$WORK/perf-$OP.wrk" | cut -d= -f2)
echo "### PostgreSQL CPU per request by connection (casegraph = request pool, casegraph-audit = read audit writers;"
echo "### requests in the window estimated from wrk's rate; perf's sampling adds a little)"
python3 "$HERE/pg-cpu.py" split "$WORK/pg-before" "$WORK/pg-after" "$WORK/pg-names" "$((${rps:-0} * SECS))" "$(getconf CLK_TCK)"
echo "### server (tokio-rt-worker), hottest symbols, % of all samples"
report --comm tokio-rt-worker --sort sym | head -25
echo "### PostgreSQL, hottest symbols, % of all samples"
report --comm postgres --sort sym | head -25
echo
