#!/usr/bin/env python3
"""Copies the benchmark data from PostgreSQL into a fresh embedded SQLite database in
casegraph's own schema (created by `casegraph migrate`), so the SQLite default is measured on
the same data volume.

    pg-to-sqlite.py POSTGRES_URL SQLITE_FILE CASEGRAPH_BINARY
"""
import csv, io, os, sqlite3, subprocess, sys, time
from datetime import datetime

pg, path, binary = sys.argv[1:4]
t0 = time.time()
if os.path.exists(path):
    os.remove(path)
env = {**os.environ, "DATABASE_URL": f"sqlite://{path}?mode=rwc"}
subprocess.run([binary, "migrate"], check=True, env=env, stdout=subprocess.DEVNULL)
db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=OFF")

def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-At", pg, "-c", sql], check=True, capture_output=True, text=True).stdout

total = 0
for table in ["organisations", "teams", "staff", "children", "cases", "partner_updates"]:
    cols = [l.split("|") for l in psql(
        f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position").splitlines()]
    names = [c[0] for c in cols]
    conv = []
    for _, t in cols:
        if t == "uuid":
            conv.append(lambda v: bytes.fromhex(v.replace("-", "")))
        elif t == "boolean":
            conv.append(lambda v: 1 if v == "t" else 0)
        elif t.startswith("timestamp"):
            conv.append(lambda v: datetime.fromisoformat(v).isoformat())
        elif t in ("integer", "bigint", "smallint"):
            conv.append(int)
        else:
            conv.append(lambda v: v)
    data = subprocess.run(["psql", "-X", "-q", pg, "-c", f"COPY (SELECT {', '.join(names)} FROM {table}) TO STDOUT WITH (FORMAT csv, NULL '\\N')"],
                          check=True, capture_output=True, text=True).stdout
    rows = [[None if v == "\\N" else f(v) for f, v in zip(conv, r)] for r in csv.reader(io.StringIO(data))]
    db.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows)
    total += len(rows)
db.commit()
db.execute("ANALYZE")
db.close()
print(f"copied {total} rows into {path} in {time.time() - t0:.0f} s")
