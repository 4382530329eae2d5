#!/usr/bin/env python3
"""Slow clients against a started casegraph server: can trickling connections starve real users?

    python3 .ci/slow_clients.py --url http://127.0.0.1:PORT --token TOKEN \
        [--connections 8] [--budget 2.0] [--hold 6]

Opens --connections connections of each of two kinds and keeps them trickling for --hold seconds
(or until the server closes them):
  slow body    full headers of `POST /graphql` (application/json, content-length 2000, no
               authorization), then the body one byte every 0.5 s;
  slow headers `POST /graphql HTTP/1.1`, `host: x`, then one header byte every 0.5 s, never
               ending the header block.
About 0.5 s in, while both kinds are stalled, it sends `{ viewer { id } }` with the token, three
times one after another, each on a fresh connection, and times each to a complete response
(status 200 and a `data.viewer.id`).

Every line it prints starts with `slow-clients:`. Exit status: 0 PASS; 1 FAIL (an authenticated
query failed or took longer than --budget seconds); 2 it could not run (bad arguments, or the
server did not answer the same query before any slow client was opened); 3 its own watchdog
(it always ends within --hold + 15 s). Standard library only (Python 3.11).
"""
import argparse
import http.client
import json
import os
import select
import socket
import sys
import threading
import time
import urllib.parse

PREFIX = "slow-clients:"
DRIP_SECS = 0.5  # one byte every DRIP_SECS
SETTLE_SECS = 0.5  # slow clients get this long before the authenticated queries
BODY_LEN = 2000
QUERY = json.dumps({"query": "{ viewer { id } }"}).encode()


def say(msg):
    print(f"{PREFIX} {msg}", flush=True)


class Slow:
    """One trickling connection, run in its own thread until the hold ends or the server closes it."""

    def __init__(self, kind, index, host, port, head, drip):
        self.kind, self.index, self.host, self.port = kind, index, host, port
        self.head, self.drip = head, drip  # bytes sent at once, then the bytes trickled one at a time
        self.opened = False
        self.error = None  # why it never opened
        self.t0 = None
        self.closed_after = None  # seconds from connect to the server's close (EOF, reset or refused write)
        self.close_how = None
        self.answered_after = None  # seconds from connect to the first response byte
        self.status_line = None
        self.sent = 0
        self.thread = threading.Thread(target=self._run, name=f"{kind}-{index}", daemon=True)

    def _closed(self, how):
        self.closed_after = time.monotonic() - self.t0
        self.close_how = how

    def _run(self):
        try:
            s = socket.create_connection((self.host, self.port), timeout=3)
        except OSError as e:
            self.error = f"{type(e).__name__}: {e}"
            return
        self.t0 = time.monotonic()
        self.opened = True
        s.settimeout(3)  # no send or receive waits longer, whatever the server does
        got = b""
        try:
            try:
                s.sendall(self.head)
                self.sent += len(self.head)
            except OSError as e:
                self._closed(f"write refused ({type(e).__name__})")
                return
            next_drip = time.monotonic() + DRIP_SECS
            pos = 0
            while not STOP.is_set():
                now = time.monotonic()
                if now >= HOLD_END[0]:
                    return
                wait = max(0.0, min(next_drip, HOLD_END[0]) - now)
                readable, _, _ = select.select([s], [], [], wait)
                if readable:
                    try:
                        data = s.recv(4096)
                    except ConnectionResetError:
                        self._closed("reset")
                        return
                    except (socket.timeout, BlockingIOError):
                        continue
                    except OSError as e:
                        self._closed(f"read error ({type(e).__name__})")
                        return
                    if not data:
                        self._closed("closed")
                        return
                    if self.answered_after is None:
                        self.answered_after = time.monotonic() - self.t0
                    if len(got) < 512:
                        got += data
                        self.status_line = got.split(b"\r\n", 1)[0].decode("latin-1")[:80]
                    continue
                if time.monotonic() >= next_drip:
                    try:
                        s.send(self.drip[pos % len(self.drip) : pos % len(self.drip) + 1])
                        self.sent += 1
                        pos += 1
                    except socket.timeout:
                        pass  # the server's window is full: try again at the next drip
                    except OSError as e:
                        self._closed(f"write refused ({type(e).__name__})")
                        return
                    next_drip += DRIP_SECS
        finally:
            s.close()


STOP = threading.Event()
HOLD_END = [0.0]


def probe(host, port, path, token, timeout):
    """One authenticated `{ viewer { id } }` on a fresh connection: (seconds, None or what went wrong)."""
    t = time.monotonic()
    c = http.client.HTTPConnection(host, port, timeout=max(0.1, timeout))
    try:
        c.request(
            "POST",
            path,
            body=QUERY,
            headers={
                "content-type": "application/json",
                "accept": "application/json",
                "authorization": f"Bearer {token}",
            },
        )
        r = c.getresponse()
        raw = r.read()
        dt = time.monotonic() - t
    except (OSError, http.client.HTTPException) as e:
        return time.monotonic() - t, f"transport error {type(e).__name__}: {e}"
    finally:
        c.close()
    if r.status != 200:
        return dt, f"HTTP {r.status}: {raw[:160]!r}"
    try:
        body = json.loads(raw)
    except ValueError:
        return dt, f"HTTP 200 but not JSON: {raw[:160]!r}"
    if body.get("errors"):
        codes = [(e.get("extensions") or {}).get("code") for e in body["errors"]]
        return dt, f"HTTP 200 with errors {codes}"
    vid = ((body.get("data") or {}).get("viewer") or {}).get("id")
    if not isinstance(vid, str) or not vid:
        return dt, f"HTTP 200 without data.viewer.id: {raw[:160]!r}"
    return dt, None


def bounded_probe(host, port, path, token, limit):
    """probe(), but given up after `limit` seconds in all, even against a server that answers a byte
    at a time (each socket operation's own timeout would not stop that)."""
    out = []
    t = time.monotonic()
    th = threading.Thread(target=lambda: out.append(probe(host, port, path, token, limit)), daemon=True)
    th.start()
    th.join(timeout=max(0.1, limit))
    if out:
        return out[0]
    return time.monotonic() - t, f"no complete response within {limit:.1f} s"


def summarise(kind, conns, hold):
    n = len(conns)
    opened = [c for c in conns if c.opened]
    say(f"{kind}: opened {len(opened)}/{n}")
    for c in conns:
        if c.error:
            say(f"{kind}: #{c.index} did not open: {c.error}")
    answered = [c for c in opened if c.answered_after is not None]
    if answered:
        statuses = {}
        for c in answered:
            statuses[c.status_line] = statuses.get(c.status_line, 0) + 1
        ts = [c.answered_after for c in answered]
        said = ", ".join(f"{k!r} x{v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
        say(f"{kind}: answered by the server {len(answered)}/{len(opened)} after {min(ts):.2f}-{max(ts):.2f} s ({said})")
    else:
        say(f"{kind}: answered by the server 0/{len(opened)}")
    closed = [c for c in opened if c.closed_after is not None]
    if closed:
        ts = [c.closed_after for c in closed]
        hows = sorted({c.close_how for c in closed})
        say(f"{kind}: closed by the server {len(closed)}/{len(opened)} after min {min(ts):.2f} s, max {max(ts):.2f} s ({', '.join(hows)})")
    else:
        say(f"{kind}: closed by the server 0/{len(opened)}")
    held = len(opened) - len(closed)
    say(f"{kind}: still open when the hold ended ({hold:g} s): {held}/{len(opened)}")
    if opened:
        say(f"{kind}: bytes sent per connection {min(c.sent for c in opened)}-{max(c.sent for c in opened)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="the server's base URL, e.g. http://127.0.0.1:8080 (path defaults to /graphql)")
    ap.add_argument("--token", required=True, help="a valid bearer token (any role may read viewer)")
    ap.add_argument("--connections", type=int, default=8, help="slow connections of each kind (default 8)")
    ap.add_argument("--budget", type=float, default=2.0, help="seconds each authenticated query may take (default 2.0)")
    ap.add_argument("--hold", type=float, default=6.0, help="seconds the slow clients keep trickling (default 6)")
    ap.add_argument("--header-timeout", type=float, default=None,
                    help="the server's header-read timeout: fail unless every slow-header connection is closed by it (+1 s)")
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    if u.scheme != "http" or not u.hostname:
        say(f"--url must be http://HOST:PORT, got {a.url!r}")
        return 2
    if not (1 <= a.connections <= 500) or not (0 < a.budget <= 60) or not (1 <= a.hold <= 600):
        say("--connections 1-500, --budget 0-60 s, --hold 1-600 s")
        return 2
    host, port = u.hostname, u.port or 80
    path = u.path if u.path not in ("", "/") else "/graphql"
    started = time.monotonic()
    deadline = started + a.hold + 12  # the probes give up by then; the watchdog below is the backstop

    def watchdog():
        say(f"watchdog: still running {a.hold + 14:g} s after start; giving up")
        say("result: FAIL (watchdog)")
        sys.stdout.flush()
        os._exit(3)

    wd = threading.Timer(a.hold + 14, watchdog)
    wd.daemon = True
    wd.start()

    say(f"target {host}:{port}{path}; {a.connections} slow-body + {a.connections} slow-header connections, "
        f"hold {a.hold:g} s, budget {a.budget:g} s per query, one byte every {DRIP_SECS:g} s")

    # Before any slow client: does the server answer the query at all? Otherwise nothing below means anything.
    dt, err = bounded_probe(host, port, path, a.token, min(a.budget + 3, 5))
    if err:
        say(f"baseline query (no slow clients): FAILED after {dt:.3f} s: {err}")
        say("result: FAIL (the server does not answer the query even without slow clients; check --url and --token)")
        return 2
    say(f"baseline query (no slow clients): 200 in {dt:.3f} s")

    hostport = f"{host}:{port}"
    body_head = (
        f"POST {path} HTTP/1.1\r\nhost: {hostport}\r\ncontent-type: application/json\r\n"
        f"accept: application/json\r\ncontent-length: {BODY_LEN}\r\n\r\n"
    ).encode()
    body = b'{"query":"{ viewer { id } }"'
    body = body + b" " * (BODY_LEN - len(body) - 1) + b"}"
    header_head = f"POST {path} HTTP/1.1\r\nhost: x\r\n".encode()
    header_drip = b"x-slow-client: " + b"a" * 4000  # no CR or LF: the header block never ends

    slow_body = [Slow("slow-body", i, host, port, body_head, body) for i in range(a.connections)]
    slow_head = [Slow("slow-headers", i, host, port, header_head, header_drip) for i in range(a.connections)]
    t_open = time.monotonic()
    HOLD_END[0] = t_open + a.hold
    for c in slow_body + slow_head:
        c.thread.start()
    time.sleep(SETTLE_SECS)
    say(f"after {time.monotonic() - t_open:.2f} s: {sum(c.opened for c in slow_body)} slow-body and "
        f"{sum(c.opened for c in slow_head)} slow-header connections open; "
        f"{sum(c.closed_after is not None for c in slow_body + slow_head)} already closed by the server")

    results = []
    for i in range(3):
        left = deadline - time.monotonic()
        dt, err = bounded_probe(host, port, path, a.token, min(a.budget + 3, left))
        at = time.monotonic() - t_open
        ok = err is None and dt <= a.budget
        results.append((dt, err, ok))
        if err:
            say(f"query {i + 1}/3 (sent while stalled): FAILED after {dt:.3f} s at t+{at:.2f} s: {err}")
        else:
            verdict = "ok" if ok else f"OVER BUDGET ({a.budget:g} s)"
            say(f"query {i + 1}/3 (sent while stalled): 200 with data.viewer.id in {dt:.3f} s at t+{at:.2f} s: {verdict}")

    # Let the hold run out, so the summary says what the server did to each slow client within it.
    time.sleep(max(0.0, HOLD_END[0] - time.monotonic()))
    STOP.set()
    for c in slow_body + slow_head:
        c.thread.join(timeout=max(0.1, min(5, deadline - time.monotonic())))

    summarise("slow-body", slow_body, a.hold)
    summarise("slow-headers", slow_head, a.hold)
    lat = ", ".join(f"{dt:.3f}" + ("" if err is None else " (failed)") for dt, err, _ in results)
    say(f"latencies (s): {lat}; budget {a.budget:g} s")
    failed = [r for r in results if not r[2]]
    say(f"elapsed {time.monotonic() - started:.1f} s")
    if a.header_timeout is not None:
        late = [c for c in slow_head if c.opened and (c.closed_after is None or c.closed_after > a.header_timeout + 1)]
        if late:
            say(f"result: FAIL ({len(late)} slow-header connections not closed within the {a.header_timeout:g} s header timeout)")
            return 1
    if failed:
        say(f"result: FAIL ({len(failed)}/3 authenticated queries failed or exceeded {a.budget:g} s)")
        return 1
    say("result: PASS (3/3 authenticated queries answered within budget while slow clients were stalled)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
