# SPDX-License-Identifier: Apache-2.0
"""POST /admin/test-push needs the admin token vapushd keeps in a file only its user can
read (mode 0600, next to the database); vapushctl test-push reads and sends it. No token
or a wrong one is 401, a burst is 429 with Retry-After, and no request holds an HTTP
worker for long."""

import json
import os
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import rig
from fake_server import FakeServer
from push_fake import PushFakes
from vapushd import VAPUSHCTL, Vapushd

APNS_TOKEN = 'ab' * 32


class AdminTest(unittest.TestCase):
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
        [self.device] = [r['id'] for r in self.d.query('SELECT id FROM device')]
        self.token_file = self.d.db_path + '.admin-token'

    def post(self, device, token=None):
        req = urllib.request.Request(
            'http://127.0.0.1:%d/admin/test-push?device=%s' % (self.port, device), data=b'',
            method='POST')
        if token is not None:
            req.add_header('Authorization', 'Bearer ' + token)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, headers, body = r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read().decode()
        self.assertLess(time.monotonic() - started, 10, 'an admin request held a worker')
        return status, headers, json.loads(body)

    def token(self):
        with open(self.token_file) as f:
            return f.read().strip()

    def test_token_file_is_private(self):
        st = os.stat(self.token_file)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_uid, os.geteuid())
        self.assertGreaterEqual(len(self.token()), 32)
        self.assertNotIn(self.token(), self.d.log(), 'the token is never logged')

    def test_no_token_and_wrong_token_are_401_right_token_pushes(self):
        status, headers, body = self.post(self.device)
        self.assertEqual(status, 401, body)
        self.assertEqual(headers.get('WWW-Authenticate'), 'Bearer')
        status, _, body = self.post(self.device, token='0' * 64)
        self.assertEqual(status, 401, body)
        status, _, body = self.post(self.device, token=self.token()[:-1])
        self.assertEqual(status, 401, body)
        self.assertEqual(self.fakes.apns_pushes(), [], 'nothing was pushed without the token')
        status, _, body = self.post(self.device, token=self.token())
        self.assertEqual((status, body['outcome']), (200, 'delivered'), body)
        [p] = self.fakes.apns_pushes()
        self.assertEqual(p['payload']['aps']['alert']['body'], 'Push notifications work on this device.')
        # vapushctl reads the token file itself.
        p = rig_ctl(self.d, '--json', 'test-push', str(self.device))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(json.loads(p.stdout)['outcome'], 'delivered')

    def test_slow_provider_is_answered_202_and_the_outcome_logged(self):
        self.fakes.set_fault(APNS_TOKEN, delay_ms=8000)
        started = time.monotonic()
        status, _, body = self.post(self.device, token=self.token())
        self.assertLess(time.monotonic() - started, 7, 'the worker is held at most ~5 s')
        self.assertEqual((status, body['outcome']), (202, 'pending'), body)
        self.d.wait_log(r'event=push\.test .*outcome=delivered', timeout=20)

    def test_burst_is_429_with_retry_after(self):
        answers = []
        for _ in range(12):  # the limit is 10 a minute, right token or not
            status, headers, _ = self.post(999999, token=self.token())
            answers.append(status)
            if status == 429:
                retry = int(headers.get('Retry-After'))
                self.assertTrue(1 <= retry <= 60, retry)
                break
        self.assertEqual(answers, [404] * 10 + [429])
        status, _, _ = self.post(999999)
        self.assertEqual(status, 429, 'a request without the token is limited too')


def rig_ctl(d, *args):
    return subprocess.run([VAPUSHCTL, '--config', d.config_path] + list(args),
                          capture_output=True, text=True, timeout=60)


if __name__ == '__main__':
    unittest.main()
