#!/usr/bin/env python3
"""The applicant's email, end to end, with a real SMTP server (aiosmtpd) and the real binary.

Usage: e2e/mail_journey.py <motcua binary> [postgres admin URL]

1. A whole dossier journey: every step that concerns the applicant arrives as one email naming the
   dossier code. The SMTP server is stopped before the result is issued: the action succeeds at
   once, and the result email arrives after the server returns.
2. kill -9 of the server with jobs pending (its worker off): a separate `motcua worker` sends every
   one of them, once.
3. (With a PostgreSQL URL) two `motcua worker` processes on one database: every message once.

Exits non-zero at the first broken promise.
"""

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = os.path.abspath(sys.argv[1])
PG = sys.argv[2] if len(sys.argv) > 2 else None
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
APPLICANT_EMAIL = "an.nguyen@example.vn"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Smtp:
    """aiosmtpd writing every message it receives into a maildir."""

    def __init__(self, maildir, port):
        self.maildir, self.port, self.proc = maildir, port, None

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("aiosmtpd did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def messages(self):
        out = []
        for sub in ("new", "cur"):
            d = Path(self.maildir) / sub
            if d.exists():
                for f in sorted(d.iterdir()):
                    out.append(email.message_from_bytes(f.read_bytes(), policy=email.policy.default))
        return out


def wait_for(what, check, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = check()
        if r:
            return r
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


class Server:
    def __init__(self, data_dir, env):
        self.data_dir, self.env, self.proc = data_dir, env, None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, **extra):
        env = dict(self.env, **extra)
        Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        self.log = open(Path(self.data_dir) / f"serve-{time.time_ns()}.log", "w")
        self.proc = subprocess.Popen(
            [BIN, "--data-dir", str(self.data_dir), "serve", "--listen", f"127.0.0.1:{self.port}"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("the server", lambda: self.ready(), 120)

    def ready(self):
        try:
            return urllib.request.urlopen(self.base + "/ready", timeout=1).status == 200
        except OSError:
            return False

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def token(self, *who):
        return subprocess.check_output(
            [BIN, "--data-dir", str(self.data_dir), "token", "create", *who], env=self.env, text=True).strip()

    def api(self, token, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def upload(self, token, draft):
        out = subprocess.check_output([
            "curl", "-sf", "-X", "POST", f"{self.base}/api/v1/dossiers/{draft}/attachments",
            "-H", f"Authorization: Bearer {token}", "-F", "component=giay_chung_sinh",
            "-F", f"file=@{EXAMPLES / 'sample.pdf'};type=application/pdf"])
        return json.loads(out)

    def submitted_dossier(self, citizen):
        draft = self.api(citizen, "POST", "/dossiers", {"procedure": "1.001193"})["code"]
        form = json.loads((EXAMPLES / "birth-registration-form.json").read_text())
        form["email"] = APPLICANT_EMAIL
        self.api(citizen, "PUT", f"/dossiers/{draft}/form", form)
        self.upload(citizen, draft)
        return self.api(citizen, "POST", f"/dossiers/{draft}/submit")["code"]


def mails_for(smtp, code):
    return [m for m in smtp.messages() if code in str(m["subject"])]


def no_duplicates(smtp):
    ids = [m["message-id"] for m in smtp.messages()]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise SystemExit(f"messages delivered twice: {sorted(dup)}")
    return len(ids)


def journey(env):
    tmp = Path(tempfile.mkdtemp())
    smtp = Smtp(tmp / "maildir", free_port())
    smtp.start()
    env = dict(env, MOTCUA_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
               MOTCUA_MAIL_FROM="Cổng dịch vụ công <no-reply@motcua.example>")
    srv = Server(tmp / "data", env)
    srv.start()
    citizen = srv.token("--citizen", "031085012345")
    staff = {r: srv.token("--user", f"{r}@H31.11341") for r in ("officer", "leader", "specialist", "clerk")}
    code = srv.submitted_dossier(citizen)

    def act(role, body):
        return srv.api(staff[role], "POST", f"/dossiers/{code}/actions", body)

    wait_for("the 'submitted' email", lambda: len(mails_for(smtp, code)) == 1)
    act("officer", {"action": "receive"})
    wait_for("the 'received' email", lambda: len(mails_for(smtp, code)) == 2)
    act("leader", {"action": "assign", "assignee": "specialist@H31.11341"})
    act("specialist", {"action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt"})
    act("leader", {"action": "approve"})
    # The mail server goes away; issuing the result still succeeds at once.
    smtp.stop()
    t0 = time.time()
    issued = act("clerk", {"action": "issue_result", "decision": "Cấp bản chính Giấy khai sinh."})
    took = time.time() - t0
    assert issued["status"] == 9, issued
    assert took < 10, f"issue_result waited {took:.1f} s for the mail server"
    time.sleep(2)
    assert len(mails_for(smtp, code)) == 2, "nothing can arrive while the server is down"
    smtp.start()
    wait_for("the 'result ready' email after the server returned",
             lambda: len(mails_for(smtp, code)) == 3, timeout=180)
    mails = mails_for(smtp, code)
    subjects = [str(m["subject"]) for m in mails]
    for m in mails:
        assert m["to"] == APPLICANT_EMAIL, m["to"]
        body = m.get_body(preferencelist=("plain",)).get_content()
        assert f"{srv.base}/my/{code}" in body, body
    assert any("Đã nhận hồ sơ trực tuyến" in s for s in subjects), subjects
    assert any("tiếp nhận" in s for s in subjects), subjects
    assert any("Đã có kết quả" in s for s in subjects), subjects
    result_mail = [m for m in mails if "Đã có kết quả" in str(m["subject"])][0]
    result_body = result_mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{srv.base}/verify/" in result_body, result_body
    # The SMS went to the simulated gateway's inbox for the form's phone number.
    with urllib.request.urlopen(srv.base + "/sim/sms/0912345678?format=json") as r:
        sms = json.load(r)
    assert sum(code in s["text"] for s in sms) == 3, sms
    no_duplicates(smtp)
    print(f"journey: {len(mails)} emails for {code}; SMTP down for issue_result (answered in {took:.2f} s), "
          f"result email arrived after it returned; {len(sms)} SMS in the simulator")

    # kill -9 with jobs pending: the server's own worker is off, so every message waits.
    srv.stop()
    srv.start(MOTCUA_WORKER="off")
    codes = [srv.submitted_dossier(citizen) for _ in range(5)]
    srv.kill9()
    before = len(smtp.messages())
    worker = subprocess.Popen([BIN, "--data-dir", str(tmp / "data"), "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for("every pending email after kill -9",
                 lambda: all(len(mails_for(smtp, c)) == 1 for c in codes))
        time.sleep(2)
    finally:
        worker.terminate()
        worker.wait()
    total = no_duplicates(smtp)
    assert total == before + 5, (before, total)
    print(f"kill -9: 5 dossiers submitted with the worker off, server killed; `motcua worker` sent all 5, once each")
    smtp.stop()


def two_workers(pg_admin):
    db = f"motcua_ci_mail_{os.getpid()}"
    subprocess.check_call(["psql", pg_admin, "-qc", f"CREATE DATABASE {db}"])
    url = pg_admin.rsplit("/", 1)[0] + "/" + db
    try:
        tmp = Path(tempfile.mkdtemp())
        smtp = Smtp(tmp / "maildir", free_port())
        smtp.start()
        env = dict(os.environ, DATABASE_URL=url, MOTCUA_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}")
        srv = Server(tmp / "data", env)
        srv.start(MOTCUA_WORKER="off")
        citizen = srv.token("--citizen", "031085012345")
        n = 20
        codes = [srv.submitted_dossier(citizen) for _ in range(n)]
        workers = [subprocess.Popen([BIN, "--data-dir", str(tmp / "data"), "worker",
                                     "--public-url", srv.base], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for i in range(2)]
        try:
            wait_for(f"{n} emails from two workers", lambda: all(len(mails_for(smtp, c)) == 1 for c in codes))
            time.sleep(3)
        finally:
            for w in workers:
                w.terminate()
                w.wait()
        total = no_duplicates(smtp)
        assert total == n, total
        srv.stop()
        smtp.stop()
        print(f"two workers on one PostgreSQL: {n} emails, each exactly once")
    finally:
        subprocess.call(["psql", pg_admin, "-qc", f"DROP DATABASE IF EXISTS {db}"])


if __name__ == "__main__":
    base_env = dict(os.environ)
    base_env.pop("DATABASE_URL", None)
    journey(base_env)
    if PG:
        two_workers(PG)
    print("mail journey: ok")
