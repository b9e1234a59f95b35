#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The vapush demo scene (run through tools/demo.sh).

A private ejabberd, vapushd and local APNs/FCM fakes on loopback. Alice registers her
iPhone with vapush (the p2 protocol Conversations uses), enables push on her server and
steps away. The Virtual Agent and her colleague Bob write to her. After one (shortened)
batch interval her phone gets one push per conversation. Everything is stopped on exit or
Ctrl-C.
"""

import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests', 'integration'))

import rig  # noqa: E402
from vapushd import Vapushd  # noqa: E402

try:
    import push_fake  # noqa: E402  (local APNs/FCM fakes)
except ImportError:
    push_fake = None

INTERVAL = os.environ.get('DEMO_INTERVAL', '3s')
APNS_TOKEN = 'a1' * 32


def say(text=''):
    print(text, flush=True)


def step(text):
    say('\n== ' + text)


def apps_yaml(base, fakes):
    if fakes is None:
        raise SystemExit('demo: the push fakes are not available (tests/integration/push_fake.py)')
    return fakes.apps_yaml(base)


def main():
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    keep = []
    try:
        run(keep)
    finally:
        for stop in reversed(keep):
            try:
                stop()
            except Exception as e:  # keep stopping the rest
                say('  (cleanup: %s)' % e)


def run(keep):
    step('Starting a private ejabberd on loopback')
    server = rig.EjabberdRig(keep=True)  # keep its logs for the reader
    keep.append(server.cleanup)
    server.start()
    for user, pw in (('alice', 'alice-pw'), ('bob', 'bob-pw'), ('va', 'va-pw')):
        server.register(user, pw)
    alice, bob, va = (server.user_jid(u) for u in ('alice', 'bob', 'va'))
    say('  ejabberd %s ready in %.1fs: c2s 127.0.0.1:%d, component port %d'
        % (server.domain, server.start_seconds or 0, server.c2s_port, server.component_port))

    step('Starting the local APNs and FCM fakes (HTTP/2 + TLS, test CA)')
    fakes = push_fake.PushFakes() if push_fake else None
    if fakes:
        keep.append(fakes.cleanup)
        fakes.start()
        say('  APNs + FCM + OAuth fake at %s (checks JWTs, topics, tokens, payloads)'
            % fakes.endpoint)

    step('Starting vapushd (SQLite, batch interval %s)' % INTERVAL)
    import tempfile
    base = tempfile.mkdtemp(prefix='vapush-demo-')
    d = Vapushd(server.component_jid, server.component_secret, server.component_port,
                domains=[server.domain], interval=INTERVAL, log_level='info', base_dir=base,
                apps_yaml=apps_yaml(base, fakes),
                extra_yaml='agents: { virtual: [%s] }\n' % va)
    keep.append(d.kill)
    keep.append(lambda: d.running() and d.stop())
    d.start()
    d.wait_connected()
    say('  connected as %s; config %s' % (server.component_jid, d.config_path))

    step('Alice registers her iPhone with vapush and enables push on her server')
    a = server.client('alice', 'alice-pw', resource='iphone')
    reg = a.command(server.component_jid, 'register-push-apns', oneshot=True,
                    fields={'token': APNS_TOKEN, 'device-id': 'alice-iphone'})
    node, secret = reg.fields['node'], reg.fields['secret']
    say('  register-push-apns -> node %s (secret returned once, stored hashed)' % node)
    a.enable(server.component_jid, node, secret=secret, then='hibernate')
    say('  alice enabled XEP-0357 push and stepped away (app in background: session hibernated)')

    step('The Virtual Agent and Bob write to Alice')
    server.client('va', 'va-pw', resource='bot').send_messages([
        dict(to=alice, body='Your ticket INC0012 has been updated.'),
        dict(to=alice, body='A technician will call you at 3 pm.')])
    server.client('bob', 'bob-pw', resource='laptop').send_messages([
        dict(to=alice, body='Lunch at noon?'),
        dict(to=alice, body='I booked the usual place.'),
        dict(to=alice, body='See you there!')])
    say('  5 messages sent; vapush stores them and waits for the next tick')

    step('One tick later: the pushes as the phone shows them')
    pushes = rig.wait_until(lambda: (lambda p: p if len(p) >= 2 else None)(
        fakes.apns_pushes()), 30, 'two pushes at the APNs fake')
    for p in pushes:
        aps = p['payload']['aps']
        say('  [%s] %s — %s   (badge %s, %s unread here, thread %s)'
            % (p['payload'].get('category'), aps['alert']['title'], aps['alert']['body'],
               aps.get('badge'), p['payload'].get('unread'), aps.get('thread-id')))

    step('sys_cs_message_notification')
    # The fake records a push as it answers; vapushd records the 200 a moment later.
    rig.wait_until(lambda: (lambda rs: rs and all(r['state'] != 'pending' for r in rs))(
        d.query('SELECT state FROM sys_cs_message_notification')), 15, 'outcomes recorded')
    rows = d.query('SELECT sys_id, conversation, category, body, batch, state, attempts, '
                   'provider_id FROM sys_cs_message_notification ORDER BY conversation, '
                   'message_time')
    for r in rows:
        say('  %s  %-18s %-13s %-8s batch %s  %-40s' % (
            r['sys_id'][:8], r['conversation'], r['category'], r['state'], r['batch'],
            r['body'][:40]))

    step('Where things are')
    say('  vapushd log:   %s' % d.log_path)
    say('  database:      %s' % d.db_path)
    say('  ejabberd log:  %s' % server.log_path)
    ok = len(pushes) == 2 and len(rows) == 5 and all(r['state'] == 'sent' for r in rows)
    say('\nDemo %s.' % ('complete: one push per conversation after one tick' if ok
                        else 'finished with unexpected results'))
    if not ok:
        raise SystemExit(1)


if __name__ == '__main__':
    main()
