#!/usr/bin/env python3
"""Two application nodes on one PostgreSQL and one S3 bucket, end to end, with the real binary.

Usage: e2e/two_nodes.py <motcua binary> <postgres admin URL> <S3 endpoint> <bucket>
(an S3 server such as moto's must answer at the endpoint, with the bucket created).

The nodes share what SPEC §15 says a deployment shares: the database, the object store, the secret
key and the signing keys (MOTCUA_PKI_DIR); each has its own data folder, so nothing else is
shared by accident. Both run the outbox worker and every background job. Checked:

1. Started at the same moment on an empty database, they take turns: migrations run once and the
   demo data is loaded by exactly one of them.
2. A citizen signs in on node A and finishes on node B: the session, the draft and its file follow.
   The same Idempotency-Key sent to A and then to B (a retry through the load balancer), and to
   both at once, makes one draft.
3. Staff act on either node: receive on A, assign on B, ... the signed result issued on A is
   downloaded from B.
4. 20 dossiers submitted at once, half through each node: 20 different official codes, numbered
   without a gap.
5. Background jobs run once: every applicant email arrives exactly once though both nodes run a
   worker; the audit chain verifies afterwards.

Exits non-zero at the first broken promise.
"""

import concurrent.futures
import http.cookiejar
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mail_journey import Smtp, free_port, mails_for, no_duplicates, wait_for  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
PG, S3_ENDPOINT, BUCKET = sys.argv[2], sys.argv[3], sys.argv[4]
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
CITIZEN_ID = "031085012345"
APPLICANT_EMAIL = "an.nguyen@example.vn"


class Node:
    def __init__(self, name, data_dir, env):
        self.name, self.data_dir, self.env = name, Path(data_dir), env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / "serve.log"

    def start(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [BIN, "--data-dir", str(self.data_dir), "serve", "--listen", f"127.0.0.1:{self.port}"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self):
        if self.proc.poll() is not None:
            raise SystemExit(f"node {self.name} exited:\n{self.log_path.read_text()}")
        try:
            return urllib.request.urlopen(self.base + "/ready", timeout=1).status == 200
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def cli(self, *args):
        return subprocess.check_output([BIN, "--data-dir", str(self.data_dir), *args],
                                       env=self.env, text=True).strip()

    def request(self, method, path, body=None, token=None, cookie=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if cookie:
            req.add_header("Cookie", cookie)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return json.loads(raw) if r.headers.get_content_type().endswith("json") else raw

    def upload(self, draft, token=None, cookie=None):
        auth = ["-H", f"Authorization: Bearer {token}"] if token else ["-H", f"Cookie: {cookie}"]
        out = subprocess.check_output([
            "curl", "-sf", "-X", "POST", f"{self.base}/api/v1/dossiers/{draft}/attachments", *auth,
            "-F", "component=giay_chung_sinh", "-F", f"file=@{EXAMPLES / 'sample.pdf'};type=application/pdf"])
        return json.loads(out)


def form():
    f = json.loads((EXAMPLES / "birth-registration-form.json").read_text())
    f["email"] = APPLICANT_EMAIL
    return f


def sign_in(node):
    """The demo's OpenID Connect sign-in on `node` (its national-identity simulator), as a browser
    would: returns the session cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(node.base + "/auth/login?return_to=/my", timeout=30)
    html = page.read().decode()
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    hidden = {k: v.replace("&amp;", "&").replace("&quot;", '"') for k, v in hidden.items()}
    hidden["pick"] = CITIZEN_ID
    target = urllib.parse.urljoin(page.geturl(), action.replace("&amp;", "&"))
    landed = opener.open(urllib.request.Request(
        target, data=urllib.parse.urlencode(hidden).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"}), timeout=30)
    assert urllib.parse.urlparse(landed.geturl()).path == "/my", landed.geturl()
    session = [c for c in jar if c.name == "motcua_session"]
    assert session, "no session cookie after sign-in"
    return f"motcua_session={session[0].value}"


def main():
    db = f"motcua_ci_nodes_{os.getpid()}"
    subprocess.check_call(["psql", PG, "-qc", f"CREATE DATABASE {db}"])
    url = PG.rsplit("/", 1)[0] + "/" + db
    tmp = Path(tempfile.mkdtemp())
    smtp = Smtp(tmp / "maildir", free_port())
    smtp.start()
    env = dict(os.environ, DATABASE_URL=url, MOTCUA_SECRET_KEY=secrets.token_hex(32),
               MOTCUA_PKI_DIR=str(tmp / "pki"), MOTCUA_S3_URL=f"s3://{BUCKET}/nodes-{os.getpid()}",
               MOTCUA_S3_ENDPOINT=S3_ENDPOINT, MOTCUA_S3_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="ci", AWS_SECRET_ACCESS_KEY="ci",
               MOTCUA_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}", MOTCUA_PUBLIC_LIMIT_FACTOR="100")
    a, b = Node("A", tmp / "a", env), Node("B", tmp / "b", env)
    try:
        # 1. Started together on an empty database.
        a.start()
        b.start()
        wait_for("both nodes", lambda: a.ready() and b.ready(), 180)
        loaded = [n.name for n in (a, b) if "Demo data loaded" in n.log_path.read_text()]
        assert len(loaded) == 1, f"demo data loaded by {loaded or 'neither'}"
        print(f"1. started together: migrations and demo data once (by node {loaded[0]})")

        # 2. A citizen starts on A and finishes on B.
        cookie = sign_in(a)
        my_b = b.request("GET", "/my", cookie=cookie).decode()
        assert "Nguyễn Văn An" in my_b or CITIZEN_ID[-3:] in my_b, "the session of A is not valid on B"
        key = {"Idempotency-Key": f"two-nodes-{secrets.token_hex(8)}"}
        draft = a.request("POST", "/api/v1/dossiers", {"procedure": "1.001193"}, cookie=cookie, headers=key)["code"]
        again = b.request("POST", "/api/v1/dossiers", {"procedure": "1.001193"}, cookie=cookie, headers=key)["code"]
        assert again == draft, (draft, again)
        both_key = {"Idempotency-Key": f"two-nodes-{secrets.token_hex(8)}"}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            raced = list(pool.map(lambda n: n.request("POST", "/api/v1/dossiers", {"procedure": "1.001193"},
                                                      cookie=cookie, headers=both_key)["code"], (a, b)))
        assert raced[0] == raced[1], raced
        a.request("PUT", f"/api/v1/dossiers/{draft}/form", form(), cookie=cookie)
        uploaded = b.upload(draft, cookie=cookie)
        seen_on_a = a.request("GET", f"/api/v1/dossiers/{draft}", cookie=cookie)
        on_a = [x for x in seen_on_a["attachments"] if x["id"] == uploaded["id"]]
        assert on_a and on_a[0]["source"] == "upload", seen_on_a["attachments"]
        # The bytes B wrote are in the shared bucket: A serves them.
        sample = (EXAMPLES / "sample.pdf").read_bytes()
        assert a.request("GET", on_a[0]["url"], cookie=cookie) == sample
        code = b.request("POST", f"/api/v1/dossiers/{draft}/submit", cookie=cookie)["code"]
        assert code in b.request("GET", "/my", cookie=cookie).decode()
        print(f"2. signed in on A, draft {draft} filled on A, file uploaded on B, submitted on B as {code}; "
              "one Idempotency-Key through both nodes (in turn and at once): one draft each")

        # 3. Staff act on either node.
        staff = {r: a.cli("token", "create", "--user", f"{r}@H31.11341")
                 for r in ("officer", "leader", "specialist", "clerk")}

        def act(node, role, body):
            return node.request("POST", f"/api/v1/dossiers/{code}/actions", body, token=staff[role])

        act(a, "officer", {"action": "receive"})
        act(b, "leader", {"action": "assign", "assignee": "specialist@H31.11341"})
        act(a, "specialist", {"action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt"})
        act(b, "leader", {"action": "approve"})
        issued = act(a, "clerk", {"action": "issue_result", "decision": "Cấp bản chính Giấy khai sinh."})
        pdf = b.request("GET", issued["documents"][0]["url"], cookie=cookie)
        assert pdf[:5] == b"%PDF-", pdf[:20]
        act(b, "officer", {"action": "return_result"})
        assert a.request("GET", f"/api/v1/track/{code}")["status"] == 10
        print(f"3. staff on both nodes: received on A ... issued on A, the signed result ({len(pdf)} bytes) "
              "read from the bucket through B, returned on B")

        # 4. Official codes stay unique across nodes.
        citizen = a.cli("token", "create", "--citizen", CITIZEN_ID)

        def submit(node):
            d = node.request("POST", "/api/v1/dossiers", {"procedure": "1.001193"}, token=citizen)["code"]
            node.request("PUT", f"/api/v1/dossiers/{d}/form", form(), token=citizen)
            node.upload(d, token=citizen)
            return node.request("POST", f"/api/v1/dossiers/{d}/submit", token=citizen)["code"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(submit, [a, b] * 10))
        assert len(set(codes)) == 20, codes
        numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes + [code])
        assert numbers == list(range(numbers[0], numbers[0] + 21)), numbers
        print(f"4. 20 dossiers submitted at once through both nodes: 20 codes, numbered "
              f"{numbers[1]:04}..{numbers[-1]:04} without a gap after {code}")

        # 5. Background jobs once.
        for c in codes + [code]:
            wait_for(f"the email for {c}", lambda c=c: len(mails_for(smtp, c)) >= 1, 120)
        time.sleep(3)
        total = no_duplicates(smtp)
        for c in codes:
            assert len(mails_for(smtp, c)) == 1, (c, [str(m["subject"]) for m in mails_for(smtp, c)])
        subjects = [str(m["subject"]) for m in mails_for(smtp, code)]
        assert len(subjects) >= 3 and len(set(subjects)) == len(subjects), subjects
        print(f"5. both nodes run a worker: {total} emails, each exactly once")
        out = a.cli("audit", "verify")
        print(f"audit verify after both nodes: {out.splitlines()[-1] if out else 'ok'}")
    finally:
        for n in (a, b):
            if getattr(n, "proc", None) and n.proc.poll() is None:
                n.stop()
        smtp.stop()
        subprocess.call(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {db}"])
    print("two nodes: ok")


if __name__ == "__main__":
    main()
