#!/usr/bin/env python3
"""The raw database limit on SQLite: the rows one complete online dossier writes, inserted directly.

Usage: bench/raw-dossier-sqlite.py <motcua.db> <seconds> <template dossier id>

The same statements, transactions and row sizes as bench/raw-dossier.pgbench (which says what they
are), on one connection with the pragmas motcua uses (WAL, synchronous=NORMAL, foreign keys, a busy
timeout): SQLite has one writer, so this is the limit at any number of clients. Prints
"raw dossiers: N in S s (R/s)".
"""

import hashlib
import sqlite3
import sys
import time
import uuid
from datetime import datetime, timezone

path, seconds, template = sys.argv[1], float(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(path, isolation_level=None, timeout=5)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute("PRAGMA foreign_keys=ON")
db.execute("PRAGMA busy_timeout=5000")
ACTOR = "citizen:*********345"


def now():
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def progress(d, action, frm, to):
    db.execute(
        "INSERT INTO progress_entries (dossier_id, at, actor, actor_role, agency_code, receiving_point, "
        "action, from_status, to_status, note) VALUES (?, ?, ?, 'citizen', NULL, NULL, ?, ?, ?, NULL)",
        (d, now(), ACTOR, action, frm, to))


def audit(d, action, size):
    ch, prev, seq = db.execute(
        "UPDATE audit_head SET last_seq = last_seq WHERE id = 1 "
        "RETURNING id, last_hash, (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log)").fetchone()
    h = hashlib.sha256(f"{prev}\n{seq}".encode()).hexdigest()
    db.execute(
        "INSERT INTO audit_log (seq, chain, at, actor, action, subject, data, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, ch, now(), ACTOR, action, f"dossier:{d}", "x" * size, prev, h))
    db.execute("UPDATE audit_head SET last_seq = ?, last_hash = ? WHERE id = ?", (seq, h, ch))


def access(source, ref):
    db.execute(
        "INSERT INTO access_log (id, subject, actor, actor_role, agency, purpose, dossier_code, allowed, at) "
        "VALUES (?, '031085012345', ?, 'system', NULL, 'apply.component', ?, 1, ?)",
        (str(uuid.uuid4()), source, ref, now()))


def attach(d, component, size, source, own_transaction=True):
    if own_transaction:
        db.execute("BEGIN")
    a = str(uuid.uuid4())
    db.execute(
        "INSERT INTO attachments (id, dossier_id, component_key, file_name, mime, size_bytes, sha256, "
        "storage_key, uploaded_by, uploaded_at, digitized, supplement, source) "
        "VALUES (?, ?, ?, ?, 'application/pdf', ?, ?, ?, 'citizen:031085012345', ?, 0, 0, ?)",
        (a, d, component, f"{component}.pdf", size, "a" * 64, f"dossiers/{d}/{a}", now(), source))
    if own_transaction:
        db.execute("UPDATE dossiers SET updated_at = ?, row_version = row_version + 1 WHERE id = ?", (now(), d))
    progress(d, "attach", 0, 0)
    audit(d, "dossier.attach", 290)
    if own_transaction:
        db.execute("COMMIT")


def one_dossier():
    d, ref = str(uuid.uuid4()), "NHAP-" + uuid.uuid4().hex[:10].upper()
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO dossiers (id, code, draft_ref, procedure_code, procedure_version, channel, status, "
        "applicant_id, applicant, created_by, receiving_point, receiving_agency, competent_agency, form, "
        "lifecycle, created_at, updated_at, row_version) "
        "SELECT ?, ?, ?, procedure_code, procedure_version, channel, 0, applicant_id, applicant, created_by, "
        "receiving_point, receiving_agency, competent_agency, '{}', lifecycle, ?, ?, 1 "
        "FROM dossiers WHERE id = ?", (d, ref, ref, now(), now(), template))
    progress(d, "create", 0, 0)
    audit(d, "dossier.create", 155)
    db.execute(
        "INSERT INTO idempotency_keys (principal, idem_key, scope, request_hash, status_code, response, "
        "created_at) VALUES ('citizen:031085012345', ?, 'create', ?, 201, ?, ?)",
        (str(uuid.uuid4()), "r" * 64, "j" * 1250, now()))
    db.execute("COMMIT")
    for source in ("connector:population", "connector:residence", "connector:civil_status"):
        access(source, ref)
    # The three extracts are filed in one transaction.
    db.execute("BEGIN")
    attach(d, "giay_to_tuy_than", 50583, "connector:population", False)
    attach(d, "giay_to_cu_tru", 50550, "connector:residence", False)
    attach(d, "thong_tin_ket_hon_cha_me", 50091, "connector:civil_status", False)
    db.execute("UPDATE dossiers SET updated_at = ?, row_version = row_version + 1 WHERE id = ?", (now(), d))
    db.execute("COMMIT")
    db.execute("BEGIN")
    db.execute(
        "UPDATE dossiers SET form = (SELECT form FROM dossiers WHERE id = ?), updated_at = ?, "
        "row_version = row_version + 1 WHERE id = ?", (template, now(), d))
    progress(d, "save_form", 0, 0)
    audit(d, "dossier.save_form", 341)
    db.execute("COMMIT")
    attach(d, "giay_chung_sinh", 581, "upload")
    db.execute("BEGIN")
    day = datetime.now(timezone.utc).strftime("%y%m%d")
    (n,) = db.execute(
        "INSERT INTO dossier_counters (agency_code, day, last_seq) VALUES ('H31.11341', ?, 1) "
        "ON CONFLICT (agency_code, day) DO UPDATE SET last_seq = dossier_counters.last_seq + 1 "
        "RETURNING last_seq", (day,)).fetchone()
    code = f"H31.11341-{day}-R{n}"
    db.execute(
        "UPDATE dossiers SET code = ?, status = 1, submitted_at = ?, receipt_due_at = ?, updated_at = ?, "
        "row_version = row_version + 1 WHERE id = ?", (code, now(), now(), now(), d))
    db.execute("UPDATE access_log SET dossier_code = ? WHERE dossier_code = ?", (code, ref))
    progress(d, "submit", 0, 1)
    audit(d, "dossier.submit", 110)
    db.execute(
        "INSERT INTO outbox_jobs (id, kind, payload, status, attempts, max_attempts, run_at, locked_by, "
        "locked_until, last_error, dedupe_key, created_at, updated_at, done_at) "
        "VALUES (?, 'notify.dossier', ?, 'done', 0, 8, ?, NULL, NULL, NULL, NULL, ?, ?, ?)",
        (str(uuid.uuid4()), "p" * 162, now(), now(), now(), now()))
    db.execute("COMMIT")


start = time.monotonic()
count = 0
while time.monotonic() - start < seconds:
    one_dossier()
    count += 1
took = time.monotonic() - start
print(f"raw dossiers: {count} in {took:.1f} s ({count / took:.1f}/s)")
