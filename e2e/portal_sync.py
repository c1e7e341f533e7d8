#!/usr/bin/env python3
"""The national portal sync and the event bus, end to end, with the real binary (issue 19).

Usage: e2e/portal_sync.py <motcua binary> <NATS URL>
(a NATS server with JetStream must answer at the URL; PyPI nats-py reads what was published).

The demo serves its simulated National Public Service Portal at /sim/npsp and syncs to it from the
outbox; MOTCUA_NATS_URL makes the worker publish every dossier event to JetStream too. Checked:

1. The portal is down while a citizen submits and the officer receives and assigns: the sync
   waits, visible to the operator (`motcua sync npsp`, GET /api/v1/sync/npsp).
2. The server is killed with SIGKILL while the sync is pending, and started again: its simulated
   portal starts empty, asks for the dossier from update 1, and gets it.
3. Staff finish the journey: the portal holds every status, in order, once each
   (1, 2, 4, 4, 4, 9, 10), the result's link, and no duplicate.
4. JetStream holds each of the journey's events once (one message per event id), although the
   worker was killed and some events were published again.

Exits non-zero at the first broken promise.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mail_journey import free_port, wait_for  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
NATS_URL = sys.argv[2]
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
CITIZEN_ID = "031085012345"
AGENCY = "H31.11341"
JOURNEY = [1, 2, 4, 4, 4, 9, 10]


class Server:
    def __init__(self, data_dir, env):
        self.data_dir, self.env = Path(data_dir), env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.runs = 0

    def start(self):
        self.runs += 1
        self.log_path = self.data_dir / f"serve-{self.runs}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [BIN, "--data-dir", str(self.data_dir), "serve", "--listen", f"127.0.0.1:{self.port}"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("the server", self.ready, 180)

    def ready(self):
        if self.proc.poll() is not None:
            raise SystemExit(f"the server exited:\n{self.log_path.read_text()}")
        try:
            return urllib.request.urlopen(self.base + "/ready", timeout=1).status == 200
        except OSError:
            return False

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def cli(self, *args):
        return subprocess.check_output([BIN, "--data-dir", str(self.data_dir), *args],
                                       env=self.env, text=True).strip()

    def request(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def held(self, code):
        """What the simulated portal holds of a dossier, or None."""
        try:
            return self.request("GET", f"/sim/npsp/api/dossiers/{code}")
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise


def upload(server, draft, token):
    out = subprocess.check_output([
        "curl", "-sf", "-X", "POST", f"{server.base}/api/v1/dossiers/{draft}/attachments",
        "-H", f"Authorization: Bearer {token}",
        "-F", "component=giay_chung_sinh", "-F", f"file=@{EXAMPLES / 'sample.pdf'};type=application/pdf"])
    return json.loads(out)


async def published(code, since):
    """Every message of the stream about `code` since `since` (UTC, `YYYY-MM-DDTHH:MM:SS`), in
    stream order: the machine's stream keeps earlier runs, whose fresh databases reused the code."""
    import nats
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    subject = f"motcua.dossier.{AGENCY.replace('.', '-')}.>"
    sub = await js.pull_subscribe(subject, stream="MOTCUA", config=nats.js.api.ConsumerConfig(
        deliver_policy=nats.js.api.DeliverPolicy.ALL))
    out = []
    while True:
        try:
            msgs = await sub.fetch(200, timeout=2)
        except nats.errors.TimeoutError:
            break
        for m in msgs:
            e = json.loads(m.data)
            if e["code"] == code and e["at"][:19] >= since:
                assert m.headers and m.headers.get("Nats-Msg-Id") == e["id"], m.headers
                out.append(e)
            await m.ack()
    await nc.close()
    return out


def main():
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    tmp = Path(tempfile.mkdtemp())
    env = dict(os.environ, MOTCUA_NATS_URL=NATS_URL, MOTCUA_PUBLIC_LIMIT_FACTOR="100")
    server = Server(tmp, env)
    server.start()
    try:
        # 1. The portal is down while the dossier moves.
        server.request("POST", "/sim/npsp/control", {"mode": "down"})
        citizen = server.cli("token", "create", "--citizen", CITIZEN_ID)
        staff = {r: server.cli("token", "create", "--user", f"{r}@{AGENCY}")
                 for r in ("officer", "leader", "specialist", "clerk")}
        admin = server.cli("token", "create", "--user", "admin@H31")
        draft = server.request("POST", "/api/v1/dossiers", {"procedure": "1.001193"}, token=citizen)["code"]
        server.request("PUT", f"/api/v1/dossiers/{draft}/form",
                       json.loads((EXAMPLES / "birth-registration-form.json").read_text()), token=citizen)
        upload(server, draft, citizen)
        code = server.request("POST", f"/api/v1/dossiers/{draft}/submit", token=citizen)["code"]

        def act(role, body):
            return server.request("POST", f"/api/v1/dossiers/{code}/actions", body, token=staff[role])

        act("officer", {"action": "receive"})
        act("leader", {"action": "assign", "assignee": f"specialist@{AGENCY}"})
        # A job counts as retrying once claimed; its failure is noted when the attempt ends.
        status = wait_for("a failed sync attempt, noted",
                          lambda: (lambda s: s if s["retrying"] > 0 and s["failing"] else None)(
                              server.request("GET", "/api/v1/sync/npsp", token=admin)), 60)
        assert status["failing"] and status["failing"][0]["code"] == code, status
        assert server.held(code) is None
        print(f"1. portal down: {code} submitted, received, assigned; sync waiting "
              f"({status['pending']} jobs, lag {status['lag_seconds']} s, failing: {status['failing'][0]['error'][:60]})")

        # 2. kill -9 with the sync pending; the restarted server's portal is empty and up.
        server.kill9()
        server.start()
        wait_for("the first three updates at the portal",
                 lambda: (server.held(code) or {}).get("TienTrinh", []).__len__() >= 3, 90)
        print("2. killed with SIGKILL and restarted: the pending sync resumed from update 1")

        # 3. The rest of the journey.
        act("specialist", {"action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt"})
        act("leader", {"action": "approve"})
        act("clerk", {"action": "issue_result", "decision": "Cấp bản chính Giấy khai sinh."})
        act("officer", {"action": "return_result"})
        wait_for("every status at the portal",
                 lambda: len((server.held(code) or {}).get("TienTrinh", [])) == len(JOURNEY), 90)
        held = server.held(code)
        steps = held["TienTrinh"]
        assert [s["SoThuTu"] for s in steps] == list(range(1, len(JOURNEY) + 1)), steps
        assert [s["TrangThaiHoSo"] for s in steps] == JOURNEY, steps
        assert held["SoLanNhanTrung"] == 0, held
        assert held["TrangThaiHoSo"] == 10 and held["DuongDanTepTinKetQua"].startswith(server.base + "/verify/"), held
        cli = server.cli("sync", "npsp")
        assert "synced dossiers: 1" in cli, cli
        print(f"3. the portal holds statuses {[s['TrangThaiHoSo'] for s in steps]} in order, once each, "
              f"and the result at {held['DuongDanTepTinKetQua']}")

        # 4. The event bus: each event once.
        wait_for("the events on the bus",
                 lambda: len(asyncio.run(published(code, since))) >= len(JOURNEY), 90)
        events = asyncio.run(published(code, since))
        ids = [e["id"] for e in events]
        assert len(ids) == len(set(ids)), f"duplicates on the bus: {ids}"
        actions = [e["event"] for e in events]
        want = ["submit", "receive", "assign", "forward", "approve", "issue_result", "return_result"]
        assert sorted(actions) == sorted(want), actions
        print(f"4. JetStream holds the journey's {len(events)} events once each: {actions}")
    finally:
        if server.proc.poll() is None:
            server.proc.terminate()
            server.proc.wait()
    print("portal sync and event bus: ok")


if __name__ == "__main__":
    main()
