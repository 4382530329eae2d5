#!/usr/bin/env python3
"""Reliability drill: concurrent partner-update writes, optionally through a disruption, then a
read-back through the API that counts lost acknowledged writes and duplicates.

    python3 bench/drill.py --url http://127.0.0.1:8080 --token "$(casegraph token --user partner.school)" \
        [--writes 700] [--concurrency 32] [--rate 100] \
        [--disrupt 'kill -STOP PID; sleep 3; kill -CONT PID'] [--disrupt-after 2] [--retries 0]

Each write is `submitPartnerUpdate` as a partner sends it, with its own `idempotencyKey`
(`drill-<run>-<n>`), about a made-up child (by default `Drill Reliabilitycheck`, born 2015-01-01,
who matches no child with an open case, so the updates go to the hub's unmatched queue and raise no
worker alert). The key and run are also written into `details`, which is how the read-back finds
them: the API does not return the key.

A write is *acknowledged* when the answer is HTTP 200 with `submitPartnerUpdate.partnerUpdate.id`,
no `errors` and no `userErrors`; otherwise the drill records the HTTP status and `extensions.code`
(or the `userErrors` code), or the transport error. `--retries N` resends a write that got a
transport error, 408, 429 or 5xx with the same key and payload, as a careful client would.

`--disrupt CMD` runs once, through the shell, `--disrupt-after` seconds after the first write (for
instance restarting PostgreSQL, or `kill -STOP`/`-CONT` of the server). `--rate` spreads the writes
out (writes per second; 0 sends them as fast as the threads allow) so that some are in flight when
the disruption comes.

Afterwards the token's owner lists their own updates (`partnerUpdates`, senders see their own;
a service account needs `partner_updates:read`) and the drill counts:
  lost        acknowledged, but no stored update carries the key (or none has the acknowledged id)
  duplicated  a key found on more than one stored update
  stored without acknowledgement  a failed or timed-out write that was in fact stored (not a fault
              by itself: a retry with the same key gets the same update back)
Every line starts with `drill:`. Exit status: 0 no lost and no duplicated writes; 1 some lost or
duplicated; 2 the drill could not run, no write at all was acknowledged, or it could not read
back. Standard library only (Python 3.11).
"""
import argparse
import concurrent.futures as cf
import datetime as dt
import http.client
import json
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse

SUBMIT = (
    "mutation DrillSubmit($i: SubmitPartnerUpdateInput!) { submitPartnerUpdate(input: $i) "
    "{ partnerUpdate { id reference } userErrors { field code message } } }"
)
LIST = (
    "query DrillReadBack($after: String) { partnerUpdates(first: 100, after: $after) "
    "{ edges { node { id reference details } } pageInfo { hasNextPage endCursor } } }"
)
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


def say(msg):
    print(f"drill: {msg}", flush=True)


class Api:
    def __init__(self, url, token, timeout):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"--url must be http(s)://HOST:PORT, got {url!r}")
        self.https = u.scheme == "https"
        self.host, self.port = u.hostname, u.port or (443 if self.https else 80)
        self.path = u.path if u.path not in ("", "/") else "/graphql"
        self.token, self.timeout = token, timeout

    def post(self, query, variables):
        """One request on a fresh connection: (HTTP status, parsed JSON or None, raw bytes).
        Transport errors raise (OSError, http.client.HTTPException)."""
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        c = cls(self.host, self.port, timeout=self.timeout)
        try:
            c.request(
                "POST",
                self.path,
                body=json.dumps({"query": query, "variables": variables}).encode(),
                headers={
                    "content-type": "application/json",
                    "accept": "application/json",
                    "authorization": f"Bearer {self.token}",
                },
            )
            r = c.getresponse()
            raw = r.read()
        finally:
            c.close()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        return r.status, body, raw


def error_code(body):
    if isinstance(body, dict) and body.get("errors"):
        e = body["errors"][0]
        return (e.get("extensions") or {}).get("code") or "NO_CODE"
    return None


class Write:
    __slots__ = ("n", "key", "payload", "outcome", "status", "code", "ack_id", "sent_at", "done_at", "latency", "attempts")

    def __init__(self, n, key, payload):
        self.n, self.key, self.payload = n, key, payload
        self.outcome = None  # "ack", "error" (HTTP status + code), "user_error", "transport"
        self.status = self.code = self.ack_id = None
        self.sent_at = self.done_at = self.latency = None
        self.attempts = 0


def attempt(api, w, t0):
    if w.sent_at is None:
        w.sent_at = time.monotonic() - t0
    w.attempts += 1
    try:
        status, body, raw = api.post(SUBMIT, {"i": w.payload})
    except (OSError, http.client.HTTPException) as e:
        w.outcome, w.status, w.code = "transport", None, type(e).__name__
    else:
        w.status = status
        code = error_code(body)
        payload = ((body or {}).get("data") or {}).get("submitPartnerUpdate") if isinstance(body, dict) else None
        if status == 200 and code is None and payload and not payload.get("userErrors") and (payload.get("partnerUpdate") or {}).get("id"):
            w.outcome, w.code, w.ack_id = "ack", None, payload["partnerUpdate"]["id"]
        elif status == 200 and code is None and payload and payload.get("userErrors"):
            w.outcome, w.code = "user_error", payload["userErrors"][0].get("code") or "NO_CODE"
        else:
            w.outcome = "error"
            w.code = code or ("NOT_JSON" if body is None else "NO_RESULT")
    w.done_at = time.monotonic() - t0
    w.latency = w.done_at - w.sent_at  # from the first attempt: what the client waited, retries included


def send(api, w, t0, due, retries):
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    for i in range(retries + 1):
        attempt(api, w, t0)
        retry = w.outcome == "transport" or (w.outcome == "error" and w.status in RETRY_STATUSES)
        if not retry or i == retries:
            return
        time.sleep(0.5 * (i + 1))


def read_back(api, marker):
    """Every update of the token's owner whose details start with `marker`: (list of (id, details), pages)."""
    rows, after, pages = [], None, 0
    while True:
        for tries in range(6):
            try:
                status, body, raw = api.post(LIST, {"after": after})
            except (OSError, http.client.HTTPException) as e:
                problem = f"transport error {type(e).__name__}: {e}"
            else:
                conn = (((body or {}).get("data") or {}).get("partnerUpdates")) if isinstance(body, dict) else None
                if status == 200 and conn is not None and not error_code(body):
                    break
                problem = f"HTTP {status} {error_code(body) or raw[:160]!r}"
                if error_code(body) in ("FORBIDDEN", "UNAUTHENTICATED"):
                    raise RuntimeError(f"this token may not list its own updates: {problem}")
            time.sleep(1 + tries)
        else:
            raise RuntimeError(f"page {pages + 1} of the read-back failed 6 times: {problem}")
        pages += 1
        for e in conn["edges"]:
            node = e["node"]
            if (node.get("details") or "").startswith(marker):
                rows.append((node["id"], node["details"]))
        if not conn["pageInfo"]["hasNextPage"]:
            return rows, pages
        after = conn["pageInfo"]["endCursor"]


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="the server's base URL (path defaults to /graphql)")
    ap.add_argument("--token", required=True, help="a partner's token (PARTNER_PRACTITIONER, SAFEGUARDING_LEAD, or INTEGRATION with partner_updates:write and :read)")
    ap.add_argument("--writes", type=int, default=700, help="writes to send (default 700)")
    ap.add_argument("--concurrency", type=int, default=32, help="writes in flight at once, one thread each (default 32)")
    ap.add_argument("--rate", type=float, default=100, help="writes started per second; 0 = as fast as possible (default 100)")
    ap.add_argument("--disrupt", help="a shell command run once during the writes")
    ap.add_argument("--disrupt-after", type=float, default=2.0, help="seconds after the first write (default 2)")
    ap.add_argument("--disrupt-timeout", type=float, default=120, help="the disruption is killed after this many seconds (default 120)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per request (default 30)")
    ap.add_argument("--retries", type=int, default=0, help="resends, same key and payload, after a transport error, 408, 429 or 5xx (default 0)")
    ap.add_argument("--run-id", default=None, help="names this run's keys and details (default: the time and a random suffix)")
    ap.add_argument("--child", default="Drill,Reliabilitycheck,2015-01-01", help="GIVEN,FAMILY,YYYY-MM-DD of the child the updates name")
    ap.add_argument("--no-verify", action="store_true", help="skip the read-back")
    a = ap.parse_args()
    try:
        api = Api(a.url, a.token, a.timeout)
        given, family, dob = a.child.split(",")
        dt.date.fromisoformat(dob)
    except ValueError as e:
        say(f"bad arguments: {e}")
        return 2
    if a.writes < 1 or a.concurrency < 1 or a.rate < 0 or a.retries < 0:
        say("bad arguments: --writes and --concurrency at least 1, --rate and --retries at least 0")
        return 2
    run = a.run_id or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    marker = f"reliability drill {run} key "
    occurred = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    writes = []
    for n in range(a.writes):
        key = f"drill-{run}-{n:05d}"
        writes.append(Write(n, key, {
            "childGivenName": given, "childFamilyName": family, "childDateOfBirth": dob,
            "kind": "CHANGE_IN_SERVICES", "occurredAt": occurred,
            "details": f"{marker}{key} (synthetic load, not a real update)",
            "concern": False, "needsImmediateSafeguardingResponse": False, "idempotencyKey": key,
        }))
    say(f"target {api.host}:{api.port}{api.path}; run {run}")
    say(f"plan: {a.writes} writes, {a.concurrency} threads, rate {a.rate:g}/s{' (unlimited)' if a.rate == 0 else ''}, "
        f"timeout {a.timeout:g} s, retries {a.retries}")

    disruption = {}

    def disrupt(t0):
        time.sleep(max(0.0, t0 + a.disrupt_after - time.monotonic()))
        disruption["start"] = time.monotonic() - t0
        say(f"disruption: running `{a.disrupt}` at t+{disruption['start']:.2f} s")
        try:
            p = subprocess.run(a.disrupt, shell=True, capture_output=True, text=True, timeout=a.disrupt_timeout)
            disruption["rc"] = p.returncode
            disruption["out"] = (p.stdout + p.stderr).strip()[-300:]
        except subprocess.TimeoutExpired:
            disruption["rc"] = f"killed after {a.disrupt_timeout:g} s"
        disruption["end"] = time.monotonic() - t0

    t0 = time.monotonic()
    dthread = None
    if a.disrupt:
        dthread = threading.Thread(target=disrupt, args=(t0,), daemon=True)
        dthread.start()
    with cf.ThreadPoolExecutor(max_workers=a.concurrency) as pool:
        futures = [
            pool.submit(send, api, w, t0, t0 + (w.n / a.rate if a.rate else 0), a.retries)
            for w in writes
        ]
        for f in futures:
            f.result()
    elapsed = time.monotonic() - t0
    if dthread:
        dthread.join()
        say(f"disruption: ended at t+{disruption['end']:.2f} s, exit {disruption['rc']}"
            + (f", output: {disruption['out']!r}" if disruption.get("out") else ""))
        if disruption["start"] >= max(w.done_at for w in writes):
            say("disruption: WARNING it started after the last write finished: lower --rate or --disrupt-after")

    acked = [w for w in writes if w.outcome == "ack"]
    say(f"sent {len(writes)} writes ({sum(w.attempts for w in writes)} requests) in {elapsed:.2f} s")
    say(f"acknowledged {len(acked)}/{len(writes)}")
    errs, ues, trans = {}, {}, {}
    for w in writes:
        if w.outcome == "error":
            k = f"HTTP {w.status} {w.code}"
            errs[k] = errs.get(k, 0) + 1
        elif w.outcome == "user_error":
            ues[w.code] = ues.get(w.code, 0) + 1
        elif w.outcome == "transport":
            trans[w.code] = trans.get(w.code, 0) + 1
    fmt = lambda d: ", ".join(f"{k}: {v}" for k, v in sorted(d.items())) or "none"
    say(f"errors by HTTP status and code: {fmt(errs)}")
    say(f"userErrors by code: {fmt(ues)}")
    say(f"transport errors: {fmt(trans)}")
    failed = [w for w in writes if w.outcome != "ack"]
    if failed:
        say(f"failures finished between t+{min(w.done_at for w in failed):.2f} s and t+{max(w.done_at for w in failed):.2f} s")
    lat = [w.latency * 1000 for w in acked]
    if lat:
        say(f"acknowledged latency ms: p50 {pct(lat, 50):.1f}, p90 {pct(lat, 90):.1f}, p99 {pct(lat, 99):.1f}, max {max(lat):.1f}")
    if a.retries:
        say(f"writes that needed a retry: {sum(w.attempts > 1 for w in writes)}")

    if not acked:
        say("result: FAIL (no write was acknowledged: check --url and that the token's role may submit partner updates)")
        return 2
    if a.no_verify:
        say("read-back skipped (--no-verify): lost and duplicated not counted")
        say("result: NOT VERIFIED")
        return 0
    try:
        rows, pages = read_back(api, marker)
    except RuntimeError as e:
        say(f"read-back FAILED: {e}")
        say("result: UNKNOWN (could not read back; lost and duplicated not counted)")
        return 2
    by_key = {}
    for uid, details in rows:
        key = details[len(marker):].split(" ", 1)[0]
        by_key.setdefault(key, []).append(uid)
    known = {w.key for w in writes}
    say(f"read-back: {len(rows)} stored updates of this run ({pages} pages of the sender's list)")
    lost = [w for w in acked if w.key not in by_key or w.ack_id not in by_key[w.key]]
    dup = {k: v for k, v in by_key.items() if len(v) > 1}
    unacked_stored = [w for w in writes if w.outcome != "ack" and w.key in by_key]
    stray = [k for k in by_key if k not in known]
    say(f"lost acknowledged writes: {len(lost)}" + (f" (e.g. {', '.join(w.key for w in lost[:5])})" if lost else ""))
    say(f"duplicated keys: {len(dup)}" + (f" (e.g. {', '.join(list(dup)[:5])})" if dup else ""))
    say(f"stored without acknowledgement: {len(unacked_stored)} of {len(failed)} unacknowledged")
    if stray:
        say(f"stored under keys this run never sent: {len(stray)}")
    if lost or dup:
        say(f"result: FAIL ({len(lost)} lost, {len(dup)} duplicated)")
        return 1
    say(f"result: PASS (no acknowledged write lost, no key stored twice; {len(failed)} writes not acknowledged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
