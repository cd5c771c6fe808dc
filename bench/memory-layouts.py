#!/usr/bin/env python3
"""Insert cost of candidate layouts for the translation memory's SQLite table (ADR 0012).

    python3 bench/memory-layouts.py [rows] [rounds]      # defaults: 200000 3

Each layout gets a fresh database file in WAL mode with synchronous=NORMAL (as the state store
opens it), and `rows` units with random SHA-256 keys, inserted in transactions of 512 (as the
store's writer does). Prints microseconds per row and the file size, per round; the rounds
alternate the layouts. Python's own cost per row (hashing, binding) is in every figure alike, so
compare the layouts with each other, not with the Java writer.
"""
import hashlib
import os
import sqlite3
import sys
import tempfile
import time

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
SOURCE = "Please call me back about the invoice \u27e61\u27e7 again."
TARGET = "[Pl\u00e9\u00e0s\u00e9 \u00e7\u00e0ll m\u00e9 b\u00e0\u00e7k \u27e61\u27e7 \u00e0g\u00e0\u00een.]"
NOW = "2026-12-07T03:00:00Z"


def key(i):
    return hashlib.sha256(str(i).encode()).digest()


def prefix(k):
    return int.from_bytes(k[:8], "big", signed=True)


LAYOUTS = {
    "text primary key (64 hex characters)": (
        ["CREATE TABLE m(key TEXT PRIMARY KEY, source TEXT, target TEXT, run INT, created TEXT)"],
        "INSERT OR IGNORE INTO m VALUES(?,?,?,?,?)",
        lambda i: (key(i).hex(), SOURCE, TARGET, 1, NOW),
    ),
    "rows filed by the key's first 8 bytes (INTEGER PRIMARY KEY)": (
        ["CREATE TABLE m(id INTEGER PRIMARY KEY, key BLOB, source TEXT, target TEXT, run INT,"
         " created TEXT)"],
        "INSERT OR IGNORE INTO m VALUES(?,?,?,?,?,?)",
        lambda i: (prefix(key(i)), key(i), SOURCE, TARGET, 1, NOW),
    ),
    "learning order, index on the key's first 8 bytes, duplicates refused (kept)": (
        ["CREATE TABLE m(id INTEGER NOT NULL, key BLOB NOT NULL, source TEXT, target TEXT,"
         " run INT, created TEXT)", "CREATE INDEX m_by_id ON m(id)"],
        "INSERT INTO m SELECT ?1,?2,?3,?4,?5,?6 WHERE NOT EXISTS"
        " (SELECT 1 FROM m WHERE id = ?1 AND key = ?2)",
        lambda i: (prefix(key(i)), key(i), SOURCE, TARGET, 1, NOW),
    ),
}


def run(directory, name, create, insert, row):
    path = os.path.join(directory, "memory.db")
    for p in (path, path + "-wal", path + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    for statement in create:
        c.execute(statement)
    t0 = time.perf_counter()
    for first in range(0, ROWS, 512):
        c.execute("BEGIN")
        c.executemany(insert, [row(i) for i in range(first, min(ROWS, first + 512))])
        c.execute("COMMIT")
    seconds = time.perf_counter() - t0
    c.close()
    size = os.path.getsize(path) // 1024
    print(f"  {seconds / ROWS * 1e6:6.1f} us/row  {size:7,} KiB  {name}")


with tempfile.TemporaryDirectory() as d:
    print(f"{ROWS:,} rows, transactions of 512, SQLite {sqlite3.sqlite_version}, "
          f"load {os.getloadavg()[0]:.2f}")
    for r in range(1, ROUNDS + 1):
        print(f"round {r}")
        for name, (create, insert, row) in LAYOUTS.items():
            run(d, name, create, insert, row)
