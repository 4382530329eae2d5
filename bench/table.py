#!/usr/bin/env python3
"""Reads a bench result file and prints one table: casegraph (PostgreSQL and SQLite),
PostGraphile and pgbench per operation and concurrency, with the ratios."""
import re, sys

rows = {}
statements = ""
cores = None
for line in open(sys.argv[1]):
    if line.startswith("# casegraph bench"):
        c = re.search(r"cores=(\d+)", line)
        cores = int(c.group(1)) if c else None
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

print()
print("CPU milliseconds per request (casegraph and PostgreSQL from /proc around each run; PostGraphile's")
print("node from its CPU %; PostgreSQL during the anchor's runs from pg-cpu.py). The last column is the")
print("most casegraph could serve if its own process cost nothing: all cores / PostgreSQL's CPU per request.")
print()
print("| operation | conc | casegraph server | casegraph PostgreSQL | PostGraphile node | PostGraphile PostgreSQL | pgbench PostgreSQL | casegraph req/s with a free server |")
print("|---|---|---|---|---|---|---|---|")
for op in ["caseload", "child-lookup", "add-update"]:
    for c in (16, 64):
        pg = get("casegraph", op, c, "pg_ms_per_req")
        ceiling = None if pg is None or cores is None or float(pg) == 0 else 1000 * cores / float(pg)
        print("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
            op, c, f(get("casegraph", op, c, "server_ms_per_req"), "{:.3f}"), f(pg, "{:.3f}"),
            f(get("postgraphile", op, c, "server_ms_per_req"), "{:.3f}"), f(get("postgraphile", op, c, "pg_ms_per_req"), "{:.3f}"),
            f(get("pgbench", raw[op], c, "pg_ms_per_req"), "{:.3f}"), f(ceiling)))
