#!/usr/bin/env bash
# Times casegraph's reports and statutory extracts at volume (the year bench/seed-reports.sql
# loads): each report's CSV over 2026 by week and by month with an analyst's token, and the
# Annex A lists and the CIN census XML with a performance officer's token, REPORT_RUNS times each
# (3) with curl. Prints one table (markdown): report, grouping or range, rows in the answer (CSV
# lines after the header; <Child> elements of the XML), best and median seconds (curl's
# time_total). A non-200 answer is a failure row with its status and first 200 bytes, and the
# script goes on.
#
#   bench/reports.sh [BASE_URL [ANALYST_TOKEN [PERFORMANCE_TOKEN]]]
#   bench/reports.sh token HANDLE      # prints a token for the active staff row HANDLE
#
# BASE_URL (http://127.0.0.1:18090), ANALYST_TOKEN and PERFORMANCE_TOKEN may also come from the
# environment. A missing token is minted from the staff row `analyst` or `performance` when
# DATABASE_URL and JWT_HS256_SECRET (the server's HS256 secret) are set: HS256, key id `dev`,
# issuer casegraph-dev, audience casegraph, the row's ID, roles, organisation and team, valid
# for 3,500 s, as bench/bodies.py mints the benchmark's other tokens. REPORT_TIMEOUT (300) is
# curl's limit per request; the server's own limit (CASEGRAPH_REQUEST_TIMEOUT_SECS, 10 by
# default) applies first.
set -euo pipefail

REPORTS=(requests-received requests-by-referrer-level requests-by-decided-level requests-by-outcome
  requests-by-concern re-referrals hub-timeliness urgent-follow-ups partner-updates-by-kind
  partner-updates-by-agency partner-updates-matching partner-update-reviews partner-update-concerns
  early-help-activity early-help-open early-help-reviews early-help-referrals advice-line-by-agency
  advice-line-by-topic advice-line-outcomes caseloads)
YEAR="from=2026-01-01&to=2026-12-31"

# A signed token for the active staff row $1 (needs DATABASE_URL and JWT_HS256_SECRET).
mint() {
  local handle=$1 row
  if [[ ! $handle =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "reports.sh: not a staff handle: $handle" >&2
    return 2
  fi
  if [[ -z ${DATABASE_URL:-} || -z ${JWT_HS256_SECRET:-} ]]; then
    echo "reports.sh: no token for $handle, and DATABASE_URL and JWT_HS256_SECRET are not both set to mint one" >&2
    return 2
  fi
  row=$(psql -X -q -At -F $'\t' "$DATABASE_URL" \
    -c "SELECT id, roles, organisation_id, coalesce(team_id::text, '') FROM staff WHERE handle = '$handle' AND active")
  if [[ -z $row ]]; then
    echo "reports.sh: no active staff row with handle $handle (bench/seed-reports.sql adds analyst and performance)" >&2
    return 2
  fi
  ROW=$row python3 - <<'PY'
import base64, hashlib, hmac, json, os, time

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

sub, roles, org, team = os.environ["ROW"].split("\t")
now = int(time.time())
claims = {"iss": "casegraph-dev", "aud": "casegraph", "iat": now, "nbf": now - 5, "exp": now + 3500,
          "sub": sub, "roles": [r.strip() for r in roles.split(",") if r.strip()], "org": org}
if team:
    claims["team"] = team
h = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "dev"}).encode())
p = b64(json.dumps(claims).encode())
sig = hmac.new(os.environ["JWT_HS256_SECRET"].encode(), f"{h}.{p}".encode(), hashlib.sha256).digest()
print(f"{h}.{p}.{b64(sig)}")
PY
}

if [[ ${1:-} == token ]]; then
  if [[ $# -ne 2 ]]; then
    echo "usage: bench/reports.sh token HANDLE" >&2
    exit 2
  fi
  mint "$2"
  exit
fi

BASE_URL=${1:-${BASE_URL:-http://127.0.0.1:18090}}
BASE_URL=${BASE_URL%/}
ANALYST_TOKEN=${2:-${ANALYST_TOKEN:-}}
PERFORMANCE_TOKEN=${3:-${PERFORMANCE_TOKEN:-}}
RUNS=${REPORT_RUNS:-3}
TIMEOUT=${REPORT_TIMEOUT:-300}
if [[ -z $ANALYST_TOKEN ]]; then ANALYST_TOKEN=$(mint analyst); fi
if [[ -z $PERFORMANCE_TOKEN ]]; then PERFORMANCE_TOKEN=$(mint performance); fi
if ! curl -fsS -o /dev/null --max-time 10 "$BASE_URL/readyz"; then
  echo "reports.sh: casegraph is not ready at $BASE_URL" >&2
  exit 1
fi

TMP=$(mktemp -d /tmp/casegraph-reports.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
OK=0
FAILED=0

# One table row: $1 = report, $2 = grouping or range, $3 = token, $4 = path with its query,
# $5 = csv or xml.
measure() {
  local name=$1 what=$2 token=$3 path=$4 format=$5
  local times=() out status secs rows best median i
  for ((i = 1; i <= RUNS; i++)); do
    if ! out=$(curl -sS -o "$TMP/body" -w '%{http_code} %{time_total}' --max-time "$TIMEOUT" \
      -H "Authorization: Bearer $token" "$BASE_URL$path" 2>"$TMP/err"); then
      printf '| %s | %s | - | - | - | curl failed: %s |\n' "$name" "$what" "$(tr '\r\n|' '  /' <"$TMP/err" | head -c 200)"
      FAILED=$((FAILED + 1))
      return 0
    fi
    status=${out%% *}
    secs=${out#* }
    if [[ $status != 200 ]]; then
      printf '| %s | %s | - | - | - | HTTP %s: %s |\n' "$name" "$what" "$status" "$(head -c 200 "$TMP/body" | tr '\r\n|' '  /')"
      FAILED=$((FAILED + 1))
      return 0
    fi
    times+=("$secs")
  done
  if [[ $format == xml ]]; then
    rows=$(grep -c '<Child>' "$TMP/body" || true)
  else
    rows=$(awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$TMP/body")
  fi
  read -r best median < <(printf '%s\n' "${times[@]}" | sort -g | awk '
    { t[NR] = $1 }
    END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.3f %.3f\n", t[1], m }')
  printf '| %s | %s | %s | %s | %s | ok |\n' "$name" "$what" "$rows" "$best" "$median"
  OK=$((OK + 1))
}

started=$(date +%s)
echo "# casegraph reports at volume (bench/reports.sh): $BASE_URL, $RUNS runs each, seconds per request (curl time_total)"
echo "| report | grouping or range | rows | best s | median s | status |"
echo "|---|---|---|---|---|---|"
for by in week month; do
  for name in "${REPORTS[@]}"; do
    measure "$name" "2026 by $by" "$ANALYST_TOKEN" "/reports/$name.csv?$YEAR&by=$by" csv
  done
done
for list in annex-a-list-1 annex-a-list-2 annex-a-list-3; do
  measure "$list" "2026-07-01..2026-12-31" "$PERFORMANCE_TOKEN" "/extracts/$list.csv?from=2026-07-01&to=2026-12-31" csv
done
measure cin-census "2026-04-01..2026-12-31" "$PERFORMANCE_TOKEN" "/extracts/cin-census.xml?from=2026-04-01&to=2026-12-31" xml
echo "# reports: $OK ok, $FAILED failed, in $(($(date +%s) - started)) s"
