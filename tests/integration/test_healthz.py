# SPDX-License-Identifier: Apache-2.0
"""/healthz never waits for the database: while another connection holds the write lock
(as a long tick's commit does) it still answers at once, 200 "ok", with the last commit
results it knows. (A full disk: tests/integration/test_disk.py.)"""

import json
import sqlite3
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import rig
from fake_server import FakeServer, publish
from vapushd import Vapushd


class HealthzTest(unittest.TestCase):
    def setUp(self):
        self.server = FakeServer(secret='comp')
        self.addCleanup(self.server.close)
        self.port = rig.free_port()
        self.d = Vapushd('push.localhost', 'comp', self.server.port, interval='1s',
                         base_dir=tempfile.mkdtemp(prefix='vapushd-'),
                         http_listen='127.0.0.1:%d' % self.port)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()
        self.d.add_device('usera@localhost', node='na', secret='sa', resource='phone')

    def get(self):
        started = time.monotonic()
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d/healthz' % self.port,
                                        timeout=10) as r:
                status, body = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode()
        return status, json.loads(body), time.monotonic() - started

    def test_answers_fast_and_ok_while_the_write_lock_is_held(self):
        self.assertEqual(self.server.request(publish('m1', 'na', 'sa', body='hi')).get('type'),
                         'result')
        status, body, _ = self.get()
        self.assertEqual((status, body['status']), (200, 'ok'), body)
        self.assertTrue(body['commits']['intake']['ok'], body)
        self.assertGreater(body['disk']['free_bytes'], 0)
        locker = sqlite3.connect(self.d.db_path, timeout=1, isolation_level=None)
        self.addCleanup(locker.close)
        locker.execute('BEGIN IMMEDIATE')
        try:
            for _ in range(5):
                status, body, took = self.get()
                self.assertEqual((status, body['status'], body['database']), (200, 'ok', 'ok'),
                                 body)
                self.assertLess(took, 0.5, 'healthz waited for the database')
        finally:
            locker.execute('ROLLBACK')


if __name__ == '__main__':
    unittest.main()
