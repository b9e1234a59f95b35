# SPDX-License-Identifier: Apache-2.0
"""End-to-end ingest through a real ejabberd (tests/integration rig): K users enable push
and hibernate, one sender sends M messages round-robin, ejabberd's mod_push publishes each
to the component. Rate = messages until all were stored by vapushd (unread_message rows),
vs the same rig with the gloox ack-only component (until all were acknowledged).

    python3 bench/e2e.py [--users 50] [--messages 5000]
Needs the rig's client (VAPUSH_TESTCLIENT or build/tests/tools/vapush-testclient).
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import time

import benchlib as bl

sys.path.insert(0, os.path.join(bl.SOURCE_DIR, 'tests', 'integration'))
os.environ.setdefault('VAPUSH_TESTCLIENT', os.path.join(bl.SOURCE_DIR, 'build', 'tests',
                                                        'tools', 'vapush-testclient'))
import rig  # noqa: E402
import vapushd as vapushd_harness  # noqa: E402


def pin_all_threads(pid, cpu):
    subprocess.run(['taskset', '-apc', str(cpu), str(pid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def wait_count(count_fn, target, timeout, interval=0.02):
    """count_fn() polled every `interval` s until it reaches `target` or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    n = count_fn()
    while n < target and time.monotonic() < deadline:
        time.sleep(interval)
        n = count_fn()
    return n


def send_all(r, users, messages, tag, senders=8):
    """M messages round-robin to the users, from `senders` parallel client processes
    (the rig's client sends at most 64 messages per login)."""
    import concurrent.futures
    chunks = [list(range(i, min(i + 64, messages))) for i in range(0, messages, 64)]

    def send(k, chunk):
        c = r.client('sender', 'ps', resource='bench%d' % (k % senders))
        c.send_messages([dict(to=r.user_jid('bu%d' % (i % users)), body='%s message %d' % (tag, i))
                         for i in chunk], timeout=120)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(senders) as pool:
        for f in [pool.submit(send, k, c) for k, c in enumerate(chunks)]:
            f.result()
    return t0, time.monotonic() - t0


def run(users=50, messages=5000, timeout=240):
    if not os.path.exists(os.environ['VAPUSH_TESTCLIENT']):
        return {'pending': 'rig client not built (%s)' % os.environ['VAPUSH_TESTCLIENT']}
    res = {}
    r = rig.EjabberdRig()
    try:
        r.start()
        r.register_many([('bu%d' % i, 'p%d' % i) for i in range(users)] + [('sender', 'ps')])
        # Reference first: ejabberd -> ack-only component.
        count_file = os.path.join(r.base_dir, 'acked')
        ack = bl.spawn([bl.binary('bench', 'bench_ackonly_component'), '--port',
                        str(r.component_port), '--secret', r.component_secret, '--jid',
                        r.component_jid, '--count-file', count_file, '--seconds', str(timeout * 3)],
                       cpu=0)
        time.sleep(1.0)
        for i in range(users):
            r.client('bu%d' % i, 'p%d' % i, resource='phone').enable(
                r.component_jid, 'bn%d' % i, secret='bs%d' % i, then='hibernate')

        def acked():
            try:
                with open(count_file) as f:
                    return int(f.read() or 0)
            except (OSError, ValueError):
                return 0
        base = acked()
        t0, send_s = send_all(r, users, messages, 'ref')
        got = wait_count(lambda: acked() - base, messages, timeout)
        res['ackonly'] = {'messages': messages, 'published': got, 'send_s': send_s,
                          'seconds': time.monotonic() - t0}
        bl.stop(ack)
        # vapushd on the same rig; the hibernated sessions stay.
        vapushd_harness.VAPUSHD = bl.binary('plugin', 'vapushd')
        d = vapushd_harness.Vapushd(r.component_jid, r.component_secret, r.component_port,
                                    domains=[r.domain], interval='3600s', log_level='info')
        try:
            d.start()
            d.wait_connected(timeout=30)
            pin_all_threads(d.proc.pid, 0)
            for i in range(users):
                d.add_device(r.user_jid('bu%d' % i), node='bn%d' % i, secret='bs%d' % i,
                             resource='phone')
            db = sqlite3.connect(d.db_path, timeout=5)

            def stored():
                return db.execute("SELECT count(*) FROM unread_message WHERE body LIKE 'vap %'"
                                  ).fetchone()[0]
            t0, send_s = send_all(r, users, messages, 'vap')
            got = wait_count(stored, messages, timeout)
            res['vapushd'] = {'messages': messages, 'published': got, 'send_s': send_s,
                              'seconds': time.monotonic() - t0}
            db.close()
        finally:
            d.kill()
    finally:
        r.cleanup()
    for k in ('ackonly', 'vapushd'):
        if k in res:
            res[k]['rate'] = res[k]['published'] / res[k]['seconds']
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--users', type=int, default=50)
    ap.add_argument('--messages', type=int, default=5000)
    a = ap.parse_args()
    print(run(a.users, a.messages))
    return 0


if __name__ == '__main__':
    sys.exit(main())
