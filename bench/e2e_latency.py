# SPDX-License-Identifier: Apache-2.0
"""End-to-end latency through a real ejabberd (tests/integration rig): U users enable push and
hibernate (as many as log in within the enable budget), then for `rounds` rounds of interval/2
seconds, rate*interval/2 users drawn at random get one chat message each (16 per sending
client, 8 clients, evenly paced). ejabberd publishes every message to vapushd, which batches
them every `interval` and pushes to the local APNs fake (tests/fakes/push_fake.js).

Latency of a message = receive time at the fake (its `t`, wall clock ms) of the first push to
that user's device whose body is this message or a later one of the same conversation (a push
carries the batch's last message and covers the earlier ones), minus the wall-clock time its
sending client printed SENT for it (read live; the client's login before that is not counted).
Target: p99 <= interval + 2 s.

    python3 bench/e2e_latency.py [--users 10000] [--interval 5] [--rate 100] [--enable-budget 100]
Accounts are bulk-imported (XEP-0227) with one precomputed SCRAM-SHA-1 credential at iteration
count 1: that only makes the simulated clients' logins cheaper, not the measured path.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import os
import random
import re
import shutil
import sys
import threading
import time

import benchlib as bl
import e2e  # pin_all_threads, wait_count; also puts tests/integration on sys.path
import rig  # noqa: E402
import vapushd as vapushd_harness  # noqa: E402
from push_fake import PushFakes  # noqa: E402

CHUNK = 16  # messages per sending client login (finer send times than the client's 64)
SENDERS = 8  # parallel sending clients (sessions of one sender account)


def client_path():
    for path in (os.environ.get('VAPUSH_TESTCLIENT', ''),
                 os.path.join(bl.BUILD_DIR, 'tests', 'tools', 'vapush-testclient')):
        if path and os.access(path, os.X_OK):
            return path
    return None


def import_users(r, users, password='pw'):
    """All accounts in one ejabberdctl import_piefxis (per-user `register` costs ~1 s each)."""
    sp = hashlib.pbkdf2_hmac('sha1', password.encode(), b'vapush-bench-salt', 1)
    key = lambda name: hmac.new(sp, name, 'sha1').digest()  # noqa: E731
    b64 = lambda raw: base64.b64encode(base64.b64encode(raw)).decode()  # ejabberd's export form
    cred = ("<scram-credentials xmlns='urn:xmpp:pie:0#scram' mechanism='SCRAM-SHA-1'>"
            "<iter-count>1</iter-count><salt>%s</salt><server-key>%s</server-key>"
            "<stored-key>%s</stored-key></scram-credentials>"
            % (b64(b'vapush-bench-salt'), b64(key(b'Server Key')),
               b64(hashlib.sha1(key(b'Client Key')).digest())))
    path = os.path.join(r.base_dir, 'users.xml')
    with open(path, 'w') as f:
        f.write("<?xml version='1.0' encoding='UTF-8'?>\n<server-data xmlns='urn:xmpp:pie:0'>"
                "<host jid='%s'>\n" % r.domain)
        for name in users:
            f.write("<user name='%s'>%s</user>\n" % (name, cred))
        f.write('</host></server-data>\n')
    r.ctl('import_piefxis', path, timeout=600)


def seed_devices(d, r, n):
    """Vapushd.add_device for every user over one connection without an fsync per row."""
    db = d.connect_db()
    db.execute('PRAGMA synchronous=OFF')
    d.connect_db = lambda: db
    try:
        for i in range(n):
            d.add_device(r.user_jid('lu%d' % i), node='ln%d' % i, secret='ls%d' % i,
                         resource='phone')
    finally:
        del d.connect_db
        db.close()


def enable_all(r, n, budget, threads=6):
    """Log every user in, enable push, hibernate; stop starting new ones after `budget` s."""
    deadline = time.monotonic() + budget

    def enable(i):
        if time.monotonic() > deadline:
            return None
        res = r.client('lu%d' % i, 'pw', resource='phone').enable(
            r.component_jid, 'ln%d' % i, secret='ls%d' % i, then='hibernate', check=False)
        return i if res.ok else -1
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        done = list(pool.map(enable, range(n)))
    return [i for i in done if i is not None and i >= 0], done.count(-1)


def send_round(r, users, rnd, seconds):
    """One message to each of `users`, CHUNK per sending client, chunk k started at
    k*seconds/chunks. Returns {user: send time} (wall clock when the client printed SENT)."""
    chunks = [users[i:i + CHUNK] for i in range(0, len(users), CHUNK)]
    t0 = time.monotonic()
    sent = {}

    def send(k, chunk):
        time.sleep(max(0.0, t0 + k * seconds / len(chunks) - time.monotonic()))  # pacing
        args = []
        for u in chunk:
            args += ['--to', r.user_jid('lu%d' % u), '--body', 'latency round %d' % rnd]
        p = r.client('sender', 'pw', resource=threading.current_thread().name).spawn(
            'send', *args, timeout=60)
        try:
            p.wait_line(r'^SENT ', timeout=60)
            at = time.time()
        finally:
            res = p.wait(timeout=60)
        res.check()
        for u in chunk:
            sent[u] = at
    with concurrent.futures.ThreadPoolExecutor(SENDERS, thread_name_prefix='lat') as pool:
        for f in [pool.submit(send, k, c) for k, c in enumerate(chunks)]:
            f.result()
    return sent


def latencies(sent, pushes, token_user):
    """sent: one {user: time} per round. A push covers its body's round and every earlier
    round of that user not yet covered by an earlier push."""
    by_user = {}
    for p in sorted(pushes, key=lambda p: p['t']):
        body = p.get('payload', {}).get('aps', {}).get('alert', {}).get('body', '')
        if p.get('token') in token_user and body.startswith('latency round '):
            by_user.setdefault(token_user[p['token']], []).append(
                (p['t'] / 1000.0, int(body.split()[-1])))
    out, missing = [], 0
    for rnd, times in enumerate(sent, 1):
        for u, at in times.items():
            got = next((t for t, last in by_user.get(u, []) if last >= rnd), None)
            if got is None:
                missing += 1
            else:
                out.append(got - at)
    return sorted(out), missing


def tick_to_fake(d, pushes):
    """Per batch (tick): pushes and seconds from the tick's end to its last push at the fake."""
    batch_of = {r['id']: r['batch'] for r in d.query('SELECT id, batch FROM push')}
    done = {r['id']: r['finished'] / 1000.0 for r in d.query('SELECT id, finished FROM batch')}
    out = {}
    for p in pushes:
        b = batch_of.get(str(p.get('payload', {}).get('notification_id', '')).replace('-', ''))
        if b in done:
            n, last = out.get(b, (0, 0.0))
            out[b] = (n + 1, max(last, p['t'] / 1000.0 - done[b]))
    return [(n, round(s, 2)) for _, (n, s) in sorted(out.items())]


def pct(xs, q):
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None


def wait_rows(d, messages, timeout):
    """Notification rows no longer pending (one per message; bounded, polled every 0.25 s)."""
    return e2e.wait_count(lambda: d.query("SELECT count(*) AS n FROM sys_cs_message_notification "
                                          "WHERE state != 'pending'")[0]['n'],
                          messages, timeout, interval=0.25)


def store_failures(d):
    return sum(int(m) for m in re.findall(r'event=publish\.store_failed count=(\d+)', d.log()))


def run(users=10000, interval=5.0, rate=100, rounds=4, enable_budget=100):
    """rounds of interval/2 s each; in every round `rate`*interval/2 users drawn at random
    (from those logged in) get one message."""
    client = client_path()
    if not client:
        return {'pending': 'rig client not built (VAPUSH_TESTCLIENT or build-bench/tests/tools)'}
    os.environ['VAPUSH_TESTCLIENT'] = client
    vapushd_harness.VAPUSHD = bl.binary('plugin', 'vapushd')
    res = {'users_target': users, 'interval_s': interval, 'rate': rate, 'rounds': rounds,
           'loadavg_before': os.getloadavg()[0]}
    t_start = time.monotonic()
    fakes = PushFakes()
    # ejabberd's cache_size (default 1000) raised above the user count, as an admin would; the
    # rig puts extra_yaml at the end of `modules:`, so a key in column 0 is top level.
    r = rig.EjabberdRig(loglevel='warning', extra_yaml='cache_size: %d\n' % (2 * users + 1000))
    base = bl.tempdir('vapushd-latency-')
    d = None
    try:
        fakes.start()
        r.start()
        import_users(r, ['lu%d' % i for i in range(users)] + ['sender'])
        d = vapushd_harness.Vapushd(r.component_jid, r.component_secret, r.component_port,
                                    domains=[r.domain], interval='%gs' % interval,
                                    log_level='info', base_dir=base,
                                    apps_yaml=fakes.apps_yaml(base))
        d.start()
        d.wait_connected(timeout=30)
        e2e.pin_all_threads(d.proc.pid, 0)
        seed_devices(d, r, users)
        t0 = time.monotonic()
        enabled, failed = enable_all(r, users, enable_budget)
        res.update(users=len(enabled), enable_failed=failed, enable_s=time.monotonic() - t0)
        per_round = min(len(enabled), max(1, int(rate * interval / 2)))
        t0 = time.monotonic()
        sent = [send_round(r, random.sample(enabled, per_round), k + 1, interval / 2)
                for k in range(rounds)]
        res['send_s'] = time.monotonic() - t0
        messages = sum(len(s) for s in sent)
        res['rows_done'] = wait_rows(d, messages, 2 * interval + 10)
        pushes = fakes.apns_pushes()
        token_user = {hashlib.sha256(('ln%d' % i).encode()).hexdigest(): i for i in enabled}
        lat, missing = latencies(sent, pushes, token_user)
        res.update(messages=messages, pushes=len(pushes), missing=missing,
                   store_failed=store_failures(d), p50_s=pct(lat, 0.50), p99_s=pct(lat, 0.99),
                   max_s=lat[-1] if lat else None, min_s=lat[0] if lat else None,
                   ticks=tick_to_fake(d, pushes))
        res['met'] = bool(missing == 0 and lat and res['p99_s'] <= interval + 2)
    finally:
        if d is not None:
            d.kill()
        r.cleanup()
        fakes.cleanup()
        if os.environ.get('VAPUSH_KEEP_RIG') == '1':
            res['vapushd_dir'] = base
        else:
            shutil.rmtree(base, ignore_errors=True)
    res['total_s'] = time.monotonic() - t_start
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--users', type=int, default=10000)
    ap.add_argument('--interval', type=float, default=5.0, help='batching interval, s')
    ap.add_argument('--rate', type=float, default=100, help='messages/s')
    ap.add_argument('--rounds', type=int, default=4, help='rounds of interval/2 s')
    ap.add_argument('--enable-budget', type=float, default=100, help='s for all logins')
    a = ap.parse_args()
    print(run(a.users, a.interval, a.rate, a.rounds, a.enable_budget))
    return 0


if __name__ == '__main__':
    sys.exit(main())
