# SPDX-License-Identifier: Apache-2.0
"""Operations: /metrics (Prometheus text; counters move), /healthz (200 connected, 503 when
the chat server is gone), and every vapushctl subcommand, with and without --json."""

import json
import os
import re
import signal
import subprocess
import sqlite3
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import rig
from fake_server import FakeServer, publish
from push_fake import PushFakes
from vapushd import VAPUSHCTL, Vapushd

APNS_TOKEN = 'ef' * 32
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|\+Inf|-Inf|NaN)$')


def parse_prometheus(text):
    """Strict parser for the text format: returns {(name, labels): value}."""
    out, types = {}, {}
    for line in text.splitlines():
        if line.startswith('# HELP '):
            continue
        if line.startswith('# TYPE '):
            _, _, name, kind = line.split(' ', 3)
            assert kind in ('counter', 'gauge', 'histogram'), line
            types[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, 'not Prometheus text: %r' % line
        base = re.sub(r'_(bucket|sum|count)$', '', m.group(1))
        assert base in types or m.group(1) in types, 'sample before its TYPE: %r' % line
        out[(m.group(1), m.group(2) or '')] = float(m.group(3))
    return out


class OpsTest(unittest.TestCase):
    def setUp(self):
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.server = FakeServer(secret='comp')
        self.addCleanup(self.server.close)
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.port = rig.free_port()
        self.d = Vapushd('push.localhost', 'comp', self.server.port, interval='1s',
                         base_dir=base, apps_yaml=self.fakes.apps_yaml(base),
                         http_listen='127.0.0.1:%d' % self.port)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()
        self.d.add_device('usera@localhost', node='na', secret='sa', app='ios',
                          platform='apns', token=APNS_TOKEN, resource='phone')

    def get(self, path):
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d%s' % (self.port, path),
                                        timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def ctl(self, *args, check_rc=0):
        p = subprocess.run([VAPUSHCTL, '--config', self.d.config_path] + list(args),
                           capture_output=True, text=True, timeout=60)
        if check_rc is not None:
            self.assertEqual(p.returncode, check_rc, p.stdout + p.stderr)
        return p

    def test_metrics_parse_and_move(self):
        status, text = self.get('/metrics')
        self.assertEqual(status, 200)
        before = parse_prometheus(text)
        self.assertEqual(before[('vapush_xmpp_connected', '')], 1)
        self.server.request(publish('m1', 'na', 'sa', body='hi'))
        self.server.request(publish('m2', 'na', 'wrong', body='hi'))
        rig.wait_until(lambda: self.fakes.apns_pushes(), 20, 'a push')
        after = rig.wait_until(lambda: (lambda m: m if m.get(
            ('vapush_pushes_total', '{provider="apns",app="ios",result="delivered"}')) else None)(
            parse_prometheus(self.get('/metrics')[1])), 10, 'push counter')
        self.assertEqual(after[('vapush_publishes_total', '{result="accepted"}')], 1)
        self.assertEqual(after[('vapush_publishes_total', '{result="forbidden"}')], 1)
        self.assertGreaterEqual(after[('vapush_tick_duration_seconds_count', '')], 1)
        self.assertGreaterEqual(after[('vapush_provider_latency_seconds_count',
                                       '{provider="apns"}')], 1)

    def test_healthz_follows_the_link(self):
        status, body = self.get('/healthz')
        self.assertEqual((status, json.loads(body)['status']), (200, 'ok'))
        mark = self.d.log_mark()
        self.server.drop()
        self.server.sock.close()          # the server stays away
        self.d.wait_log(r'event=xmpp\.disconnected', since=mark)
        status, body = self.get('/healthz')
        self.assertEqual(status, 503)
        health = json.loads(body)
        self.assertEqual({k: health[k] for k in ('status', 'xmpp', 'database', 'delivery',
                                                 'held_apps', 'warnings', 'reasons')},
                         {'status': 'unavailable', 'xmpp': 'disconnected',
                          'database': 'ok', 'delivery': 'ok', 'held_apps': [],
                          'warnings': [], 'reasons': ['xmpp: not connected to the chat server']})

    def test_sighup_reopens_the_log_file(self):
        # logrotate: move the file away, SIGHUP; vapushd keeps running and writes anew.
        rotated = self.d.log_path + '.1'
        os.rename(self.d.log_path, rotated)
        self.d.proc.send_signal(signal.SIGHUP)
        rig.wait_until(lambda: os.path.exists(self.d.log_path) and 'event=log.reopened' in
                       open(self.d.log_path, errors='replace').read(), 10, 'the reopened log')
        self.assertIsNone(self.d.proc.poll(), 'still running')
        self.assertEqual(self.server.request(publish('after-hup', 'na', 'sa')).get('type'),
                         'result')
        self.assertIn('event=vapushd.started', open(rotated, errors='replace').read())

    def test_vapushctl_subcommands(self):
        self.assertIn('OK', self.ctl('check-config').stdout)
        self.assertTrue(json.loads(self.ctl('--json', 'check-config').stdout)['ok'])
        listed = self.ctl('devices', 'usera@localhost').stdout
        self.assertIn('phone', listed)
        self.assertNotIn(APNS_TOKEN, listed, 'tokens are shortened unless --show-tokens')
        [dev] = json.loads(self.ctl('--json', 'devices', 'usera@localhost').stdout)
        self.ctl('devices', 'nobody@localhost', check_rc=1)
        self.assertIn('enabled: true', self.ctl('device', 'show', str(dev['id'])).stdout)
        self.ctl('device', 'show', '999', check_rc=1)

        out = json.loads(self.ctl('--json', 'test-push', str(dev['id'])).stdout)
        self.assertEqual(out['outcome'], 'delivered')
        [p] = self.fakes.apns_pushes()
        self.assertEqual(p['payload']['aps']['alert'], {'title': 'Test notification',
                                                        'body': 'Push notifications work on this device.'})

        self.server.request(publish('n1', 'na', 'sa', body='for the table'))
        rig.wait_until(lambda: self.d.query(
            "SELECT 1 FROM sys_cs_message_notification WHERE state='sent'"), 20, 'a sent row')
        rows = json.loads(self.ctl('--json', 'notifications', '--last', '5').stdout)
        self.assertEqual([r['state'] for r in rows], ['sent'])
        self.assertIn('sent', self.ctl('notifications', '--state', 'sent').stdout)
        stats = json.loads(self.ctl('--json', 'stats').stdout)
        self.assertEqual(stats['rows'], {'sent': 1})
        self.assertEqual(stats['daemon']['status'], 'ok')
        self.assertIn('devices: 1', self.ctl('stats').stdout)

        before_ms = int(time.time() * 1000)
        self.ctl('device', 'disable', str(dev['id']))
        [row] = self.d.query('SELECT enabled, updated FROM device')
        self.assertEqual(row['enabled'], 0)
        self.assertGreaterEqual(row['updated'], before_ms, 'disable records when it happened')
        self.ctl('device', 'enable', str(dev['id']))
        self.assertEqual(self.d.query('SELECT enabled FROM device')[0]['enabled'], 1)
        self.ctl('frobnicate', check_rc=2)

    def test_vapushctl_never_creates_or_upgrades_a_database(self):
        # A mistyped storage.sqlite: an error naming the path, and no empty database made.
        base = tempfile.mkdtemp(prefix='vapushctl-')
        wrong = os.path.join(base, 'vapush-typo.db')
        with open(self.d.config_path, encoding='utf-8') as f:
            text = f.read()
        self.assertIn('vapush.db', text)
        config = os.path.join(os.path.dirname(self.d.config_path), 'typo.yml')  # same relative paths
        with open(config, 'w', encoding='utf-8') as f:
            f.write(re.sub(r'sqlite: [^ ,}]+', 'sqlite: ' + wrong, text))
        for args in (['devices', 'usera@localhost'], ['stats'], ['device', 'disable', '1']):
            p = subprocess.run([VAPUSHCTL, '--config', config] + args, capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn(wrong + ': no database here', p.stderr)
            self.assertFalse(os.path.exists(wrong), 'vapushctl %s created a database' % args)
        # An older schema is not upgraded behind the daemon's back.
        self.assertEqual(self.d.stop(), 0)
        with sqlite3.connect(self.d.db_path) as db:
            db.execute('PRAGMA user_version = 3')
        p = self.ctl('devices', 'usera@localhost', check_rc=1)
        self.assertIn('schema version 3', p.stderr)
        with sqlite3.connect(self.d.db_path) as db:
            self.assertEqual(db.execute('PRAGMA user_version').fetchone()[0], 3)

    def test_vapushctl_reads_a_stopped_daemons_database(self):
        self.assertEqual(self.d.stop(), 0)
        listed = self.ctl('devices', 'usera@localhost').stdout
        self.assertIn('phone', listed)


if __name__ == '__main__':
    unittest.main()
