#!/usr/bin/env python3
"""Summarises bench/ab.sh output: for each operation and concurrency, the before and after means
and medians of requests per second and (where the run recorded them) CPU per request in the
server, in PostgreSQL and in both, with the change of the means and of the medians, and the mean
of the round-by-round changes with its standard error. Several files are pooled.

    bench/ab-summary.py AB_OUTPUT [AB_OUTPUT...]
"""
import re, statistics as st, sys

LINE = re.compile(r"(before|after) (\S+) c=(\d+) .*?rps=(\d+).*?server_ms_per_req=([\d.]+)"
                  r"(?: pg_ms_per_req=([\d.]+) cpu_ms_per_req=([\d.]+))?")
METRICS = ["req/s", "server ms/req", "PostgreSQL ms/req", "CPU ms/req"]

runs = {}
for path in sys.argv[1:]:
    here = {}
    for line in open(path):
        m = LINE.match(line)
        if m:
            who, op, c, *values = m.groups()
            here.setdefault((op, int(c)), {"before": [], "after": []})[who].append(
                [float(v) if v is not None else None for v in values])
    for key, d in here.items():  # pair rounds within a file, then pool
        n = min(len(d["before"]), len(d["after"]))
        pooled = runs.setdefault(key, {"before": [], "after": []})
        pooled["before"] += d["before"][:n]
        pooled["after"] += d["after"][:n]

for (op, c), d in sorted(runs.items()):
    print(f"{op} c={c}: {len(d['before'])} rounds")
    for i, name in enumerate(METRICS):
        pairs = [(b[i], a[i]) for b, a in zip(d["before"], d["after"]) if b[i] is not None and a[i] is not None]
        if not pairs:
            continue
        bv, av = [b for b, _ in pairs], [a for _, a in pairs]
        change = [(a / b - 1) * 100 for b, a in pairs]
        se = st.stdev(change) / len(change) ** 0.5 if len(change) > 1 else float("nan")
        print(f"  {name:18} ({len(pairs):2} rounds) before {st.mean(bv):8.3f} (median {st.median(bv):8.3f})"
              f"  after {st.mean(av):8.3f} (median {st.median(av):8.3f})"
              f"  change: means {(st.mean(av) / st.mean(bv) - 1) * 100:+5.1f}%, medians"
              f" {(st.median(av) / st.median(bv) - 1) * 100:+5.1f}%, round by round {st.mean(change):+5.1f}% (SE {se:.1f})")
