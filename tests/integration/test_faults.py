# SPDX-License-Identifier: Apache-2.0
"""Faults: kill -9 of vapushd at random points while publishes arrive, ticks run and
pushes are in flight (VAPUSH_CRASH_ROUNDS, default 3; e.g. 100 for a long run); a provider
outage (refused connections, then 503s) with other apps flowing, low CPU, and delivery
after recovery; a slow provider does not stall the XMPP side."""

import os
import random
import sqlite3
import tempfile
import time
import unittest

import rig
from fake_server import FakeServer, publish
from push_fake import PushFakes
from vapushd import Vapushd

APNS_TOKEN = '7a' * 32
FCM_TOKEN = 'fcm:' + 'K8j7H6g5F4' * 12
PING = "<iq type='get' from='localhost' to='push.localhost' id='%s'><ping xmlns='urn:xmpp:ping'/></iq>"


def cpu_seconds(pid):
    fields = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


class FaultBase(unittest.TestCase):
    def setUp(self):
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.server = FakeServer(secret='comp')
        self.addCleanup(self.server.close)
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.d = Vapushd('push.localhost', 'comp', self.server.port, interval='1s',
                         base_dir=base, apps_yaml=self.fakes.apps_yaml(base), log_level='info')
        self.addCleanup(self.d.kill)
        self.up()
        self.d.add_device('usera@localhost', node='na', secret='sa', app='ios',
                          platform='apns', token=APNS_TOKEN)
        self.d.add_device('userb@localhost', node='nf', secret='sf', app='android',
                          platform='fcm', token=FCM_TOKEN)

    def up(self):
        mark = self.d.log_mark()
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected(since=mark)


class CrashTest(FaultBase):
    def test_kill_9_at_random_points_loses_nothing(self):
        rounds = int(os.environ.get('VAPUSH_CRASH_ROUNDS', '3'))
        rnd = random.Random(int(os.environ.get('VAPUSH_CRASH_SEED', '1')))
        acked = []
        phases = (None, r'event=tick\.done', r'event=push\.result')
        for r in range(rounds):
            mark = self.d.log_mark()
            for i in range(rnd.randint(1, 6)):
                body = 'r%d-m%d' % (r, i)
                reply = self.server.request(publish('%d-%d' % (r, i), 'na', 'sa', body=body,
                                                    sender='peer%d@localhost/x' % (i % 2)))
                if reply.get('type') == 'result':
                    acked.append(body)
            # Die right after the acknowledgements, after a tick, or after a delivery.
            phase = phases[rnd.randrange(len(phases))]
            if phase:
                self.d.wait_log(phase, since=mark, timeout=20)
            self.d.kill()
            self.server.drop()
            self.up()
        want = len(acked)
        rig.wait_until(lambda: self.d.query(
            "SELECT count(*) AS n FROM sys_cs_message_notification WHERE state='sent'")[0]['n']
            >= want, 60, '%d rows sent' % want)
        rows = self.d.query('SELECT body, state FROM sys_cs_message_notification')
        self.assertEqual(sorted(r['body'] for r in rows), sorted(acked),
                         'every acknowledged message notified exactly once')
        self.assertEqual(self.d.query("SELECT count(*) AS n FROM push WHERE state='pending'")[0]
                         ['n'], 0, 'nothing stays pending')
        ids = [p['apns_id'] for p in self.fakes.apns_pushes()]
        dups = len(ids) - len(set(ids))
        print('\n%d kill -9 rounds, %d messages, %d pushes, %d duplicate pushes'
              % (rounds, want, len(ids), dups))
        self.assertLessEqual(dups, rounds, 'at most one duplicate per crash')
        with sqlite3.connect(self.d.db_path) as db:
            self.assertEqual(db.execute('PRAGMA integrity_check').fetchone()[0], 'ok')


class OutageTest(FaultBase):
    def test_outage_then_recovery_with_other_app_flowing(self):
        # First the providers refuse service (connections reset), then APNs answers 503.
        self.fakes.set_fault(APNS_TOKEN, status=503, count=-1, reason='ServiceUnavailable')
        self.fakes.refuse(2000)
        self.server.request(publish('o1', 'na', 'sa', body='during outage'))
        self.server.request(publish('o2', 'nf', 'sf', body='android keeps flowing',
                                    frm='localhost'))
        rig.wait_until(lambda: self.fakes.fcm_pushes(), 20, 'FCM delivered during APNs outage')
        pid = self.d.proc.pid
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        # Measure over a few failed attempts (the backoff spaces them out).
        rig.wait_until(lambda: len([q for q in self.fakes.requests() if q.get('kind') == 'apns'])
                       >= 3, 30, 'three failed APNs attempts')
        cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
        print('\nvapushd CPU during the outage: %.1f%%' % (cpu * 100))
        self.assertLess(cpu, 0.25, 'no busy loop while the provider fails')
        # XMPP side unaffected.
        self.assertEqual(self.server.request(PING % 'p').get('type'), 'result')
        self.fakes.set_fault(APNS_TOKEN, count=0)
        rows = rig.wait_until(lambda: (lambda r: r if r and r[0]['state'] == 'sent' else None)(
            self.d.query("SELECT state, attempts FROM sys_cs_message_notification n JOIN device "
                         "d ON d.id=n.device WHERE d.node='na'")), 60, 'delivered after recovery')
        self.assertGreater(rows[0]['attempts'], 1)
        self.assertEqual(len(self.fakes.apns_pushes()), 1)

    def test_slow_provider_does_not_stall_xmpp(self):
        self.fakes.set_fault(APNS_TOKEN, delay_ms=8000)
        self.server.request(publish('s1', 'na', 'sa', body='slow'))
        rig.wait_until(lambda: [q for q in self.fakes.requests() if q.get('kind') == 'apns'],
                       20, 'the push reaching the slow provider')
        for i in range(20):
            self.assertEqual(self.server.request(publish('s%d' % (i + 2), 'na', 'sa')).get('type'),
                             'result')
        self.assertEqual(self.fakes.apns_pushes(), [], 'answered while the push still hangs')
        rig.wait_until(lambda: self.fakes.apns_pushes(), 30, 'the slow push')


if __name__ == '__main__':
    unittest.main()
