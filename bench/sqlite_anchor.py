#!/usr/bin/python3
"""The sqlite3 CLI anchor of the durable-save benchmarks.

    sqlite_anchor.py DB NONE_SQL FULL_SQL WORD

Runs NONE_SQL (the pragmas alone) three times and FULL_SQL once in a sqlite3
session on DB, and prints the microseconds per occurrence of WORD in
FULL_SQL ("INSERT" for one row a transaction, "COMMIT" for a batch) of the
difference: the process start and the pragmas left out.
"""
import subprocess
import sys
import time

db, none, full, word = sys.argv[1:5]


def run(script):
    t = time.perf_counter()
    with open(script) as f:
        subprocess.run(["sqlite3", db], stdin=f, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


base = min(run(none) for _ in range(3))
elapsed = run(full)
with open(full) as f:
    count = f.read().count(word)
print("%.1f" % ((elapsed - base) / count * 1e6))
