#!/usr/bin/env python3
"""Reads a bench result file and prints one table: casegraph (PostgreSQL and SQLite),
PostGraphile and pgbench per operation and concurrency, with the ratios."""
import re, sys

rows = {}
statements = ""
for line in open(sys.argv[1]):
    if line.startswith("casegraph sql_statements"):
        statements = line.strip()
        continue
    m = re.match(r"(\S+) (\S+) c=(\d+) (.*)", line.strip())
    if not m:
        continue
    system, op, c, rest = m.groups()
    kv = dict(re.findall(r"(\w+)=([\d.]+)", rest))
    rows[(system, op, int(c))] = kv

def get(system, op, c, key):
    return rows.get((system, op, c), {}).get(key)

def f(v, fmt="{:.0f}"):
    return "-" if v is None else fmt.format(float(v))

def ratio(a, b):
    return "-" if a is None or b is None or float(b) == 0 else f"{float(a) / float(b):.2f}x"

raw = {"caseload": "caseload", "child-lookup": "child-lookup", "add-update": "add-update"}
print("| operation | conc | casegraph req/s | p50 ms | p99 ms | CPU % | RSS MB (peak) | SQLite req/s | p99 ms | PostGraphile req/s | p99 ms | RSS MB | pgbench req/s | casegraph / PostGraphile | casegraph / raw SQL |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for op in ["caseload", "child-lookup", "add-update"]:
    for c in (16, 64):
        cg = lambda k: get("casegraph", op, c, k)
        print("| {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            op, c, f(cg("rps")), f(cg("p50_ms"), "{:.1f}"), f(cg("p99_ms"), "{:.1f}"), f(cg("cpu_pct")), f(cg("rss_mb")),
            f(cg("peak_rss_mb")), f(get("casegraph-sqlite", op, c, "rps")), f(get("casegraph-sqlite", op, c, "p99_ms"), "{:.1f}"),
            f(get("postgraphile", op, c, "rps")), f(get("postgraphile", op, c, "p99_ms"), "{:.1f}"), f(get("postgraphile", op, c, "rss_mb")),
            f(get("pgbench", raw[op], c, "rps")), ratio(cg("rps"), get("postgraphile", op, c, "rps")), ratio(cg("rps"), get("pgbench", raw[op], c, "rps"))))
print()
print(statements or "casegraph sql_statements_per_caseload: not measured")
