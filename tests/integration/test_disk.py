# SPDX-License-Identifier: Apache-2.0
"""Disk trouble under a running vapushd: its database on a small tmpfs that fills up.
Publishes get a `wait` error (never `cancel`), what was acknowledged stays stored, and
vapushd recovers by itself, without a restart, when space returns; /healthz says the disk
is full (reason "disk: ...") and recovers too. (A read-only database is covered in
tests/unit/storage: a mount cannot be made read-only under files a running process holds
open for writing.)

The tmpfs is mounted in a private mount namespace (unshare -m as root, unshare -rm
otherwise), so the host's mounts are never touched: the launcher test re-runs this module
inside one. Where namespaces are not allowed the launcher skips saying why, except in CI
(CI=true), where it fails: a disk test that silently does not run is no test."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import rig
from fake_server import FakeServer, error_of, publish
from vapushd import Vapushd

MAX_PUBLISHES = 400  # bounded: 4 KB bodies fill the 3 MiB left on the disk well before this
INSIDE = 'VAPUSH_DISK_NAMESPACE'  # set by the launcher in the namespace it made


def unshare_command():
    return (['unshare', '-m', '--propagation', 'private'] if os.geteuid() == 0
            else ['unshare', '-r', '-m', '--propagation', 'private'])


class DiskInPrivateNamespace(unittest.TestCase):
    """Runs DiskTroubleTest in a private mount namespace and reports its result."""

    def test_disk_trouble_in_private_mount_namespace(self):
        probe = subprocess.run(unshare_command() + ['true'], capture_output=True, text=True,
                               timeout=30)
        if probe.returncode != 0:
            why = 'cannot make a private mount namespace (%s): %s' % (
                ' '.join(unshare_command()), probe.stderr.strip())
            if os.environ.get('CI', '').lower() == 'true':
                self.fail('CI=true: the disk test must run, but ' + why)
            self.skipTest(why)
        env = dict(os.environ, **{INSIDE: '1'})
        p = subprocess.run(unshare_command() + [sys.executable, '-m', 'unittest', '-v',
                                                'test_disk'],
                           cwd=os.path.dirname(os.path.abspath(__file__)), env=env,
                           capture_output=True, text=True, timeout=280)
        sys.stderr.write(p.stderr)
        self.assertEqual(p.returncode, 0, 'inside the namespace:\n' + p.stderr[-4000:])
        self.assertNotIn('skipped', p.stderr, 'nothing may be skipped inside the namespace')


class DiskRig(unittest.TestCase):
    """vapushd with its database on a fresh tmpfs of SIZE (no tests of its own)."""
    SIZE = '8m'

    def setUp(self):
        self.assertEqual(os.environ.get(INSIDE), '1', 'run through the launcher only')
        self.mnt = tempfile.mkdtemp(prefix='vapush-disk-')
        self.addCleanup(shutil.rmtree, self.mnt, True)
        # In our own mount namespace: this never fails for lack of rights; fail loudly if so.
        m = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s' % self.SIZE, 'tmpfs',
                            self.mnt], capture_output=True, text=True)
        self.assertEqual(m.returncode, 0, 'mount tmpfs: ' + m.stderr)
        self.addCleanup(subprocess.run, ['umount', '-l', self.mnt])
        self.server = FakeServer(secret='compsecret')
        self.addCleanup(self.server.close)
        self.http_port = rig.free_port()
        self.d = Vapushd('push.localhost', 'compsecret', self.server.port, base_dir=self.mnt,
                         log_level='info', http_listen='127.0.0.1:%d' % self.http_port)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()
        self.d.add_device('usera@localhost', node='node-a', secret='s3cr3t', resource='phone')
        self.acked = []
        self.n = 0

    def healthz(self):
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d/healthz' % self.http_port,
                                        timeout=5) as r:
                return r.status, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read().decode())

    def send(self, body_size=64):
        """One publish; returns ('result', None) or the error (type, condition)."""
        self.n += 1
        body = ('m%d ' % self.n) + 'x' * body_size
        reply = self.server.request(publish('p%d' % self.n, 'node-a', 's3cr3t', body=body),
                                    timeout=15)
        if reply.get('type') == 'result':
            self.acked.append(body)
            return 'result', None
        return error_of(reply)

    def fill_until_refused(self):
        errors = []
        for _ in range(MAX_PUBLISHES):
            kind = self.send(body_size=4096)
            if kind[0] != 'result':
                errors.append(kind)
                if len(errors) >= 3:
                    break
        return errors

    def assert_recovered(self):
        # No restart: the same process answers the next publish and has lost nothing.
        self.assertTrue(self.d.running())
        ok = rig.wait_until(lambda: self.send()[0] == 'result', 20, 'a publish accepted again',
                            interval=0.2)
        self.assertTrue(ok)
        stored = {r['body'] for r in self.d.query('SELECT body FROM unread_message')}
        missing = [b[:12] for b in self.acked if b not in stored]
        self.assertEqual(missing, [], 'every acknowledged publish is stored')
        self.assertEqual(self.d.query('PRAGMA integrity_check')[0]['integrity_check'], 'ok')



class DiskTroubleTest(DiskRig):
    def test_full_disk_answers_wait_and_recovers_when_space_returns(self):
        self.assertEqual(self.send(), ('result', None))
        filler = os.path.join(self.mnt, 'filler')
        with open(filler, 'wb') as f:  # leave about 3 MiB, then fill that with publishes
            f.write(b'\0' * (5 * 1024 * 1024))
        errors = self.fill_until_refused()
        self.assertTrue(errors, 'the disk never filled up')
        for e in errors:
            self.assertEqual(e[0], 'wait', 'disk full is transient: %s' % (e,))
        # /healthz knows without asking the database: the failed commit and the free space.
        status, body = self.healthz()
        self.assertEqual((status, body['status'], body['database']),
                         (503, 'unavailable', 'unavailable'), body)
        self.assertTrue(any(r.startswith('disk: ') for r in body['reasons']), body)
        self.assertFalse(body['commits']['intake']['ok'], body)
        os.unlink(filler)
        self.assert_recovered()
        status, body = self.healthz()
        self.assertTrue(body['commits']['intake']['ok'], body)
        self.assertFalse(any(r.startswith('database: the last intake') for r in body['reasons']),
                         body)


class FullDiskHealthTest(DiskRig):
    """A disk that is full for reasons of its own (another file): /healthz says so before
    any write of vapushd fails, and says ok again when space returns."""
    SIZE = '64m'

    def test_healthz_reports_a_full_disk(self):
        status, body = self.healthz()
        self.assertEqual((status, body['status']), (200, 'ok'), body)
        self.assertGreater(body['disk']['free_bytes'], 32 << 20)
        filler = os.path.join(self.mnt, 'filler')
        with open(filler, 'wb') as f:  # leaves about 2 MiB: below the 16 MiB threshold
            f.write(b'\0' * (62 * 1024 * 1024))
        started = time.monotonic()
        status, body = self.healthz()
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual((status, body['status'], body['database']),
                         (503, 'unavailable', 'unavailable'), body)
        [reason] = [r for r in body['reasons'] if r.startswith('disk: ')]
        self.assertIn('MiB free, below 16 MiB', reason)
        os.unlink(filler)
        status, body = self.healthz()
        self.assertEqual((status, body['status']), (200, 'ok'), body)


def load_tests(loader, tests, pattern):
    """Outside the namespace only the launcher runs; inside only the disk tests."""
    suite = unittest.TestSuite()
    if os.environ.get(INSIDE) == '1':
        suite.addTests(loader.loadTestsFromTestCase(DiskTroubleTest))
        suite.addTests(loader.loadTestsFromTestCase(FullDiskHealthTest))
    else:
        suite.addTests(loader.loadTestsFromTestCase(DiskInPrivateNamespace))
    return suite


if __name__ == '__main__':
    unittest.main()
