# SPDX-License-Identifier: Apache-2.0
"""Disk trouble under a running vapushd: its database on a small tmpfs that fills up.
Publishes get a `wait` error (never `cancel`), what was acknowledged stays stored, and
vapushd recovers by itself, without a restart, when space returns. (A read-only database
is covered in tests/unit/storage: a mount cannot be made read-only under files a running
process holds open for writing.)

Needs root (mount). Skipped, saying so, where mounting a tmpfs is not allowed."""

import os
import shutil
import subprocess
import tempfile
import unittest

import rig
from fake_server import FakeServer, error_of, publish
from vapushd import Vapushd

MAX_PUBLISHES = 400  # bounded: 4 KB bodies fill the 3 MiB left on the disk well before this


def mount_tmpfs(path, size):
    return subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s' % size, 'tmpfs', path],
                          capture_output=True).returncode == 0


class DiskTroubleTest(unittest.TestCase):
    def setUp(self):
        self.mnt = tempfile.mkdtemp(prefix='vapush-disk-')
        self.addCleanup(shutil.rmtree, self.mnt, True)
        if os.geteuid() != 0 or not mount_tmpfs(self.mnt, '8m'):
            self.skipTest('mounting a small tmpfs needs root')
        self.addCleanup(subprocess.run, ['umount', '-l', self.mnt])
        self.server = FakeServer(secret='compsecret')
        self.addCleanup(self.server.close)
        self.d = Vapushd('push.localhost', 'compsecret', self.server.port, base_dir=self.mnt,
                         log_level='info')
        self.addCleanup(self.d.kill)
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()
        self.d.add_device('usera@localhost', node='node-a', secret='s3cr3t', resource='phone')
        self.acked = []
        self.n = 0

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

    def test_full_disk_answers_wait_and_recovers_when_space_returns(self):
        self.assertEqual(self.send(), ('result', None))
        filler = os.path.join(self.mnt, 'filler')
        with open(filler, 'wb') as f:  # leave about 3 MiB, then fill that with publishes
            f.write(b'\0' * (5 * 1024 * 1024))
        errors = self.fill_until_refused()
        self.assertTrue(errors, 'the disk never filled up')
        for e in errors:
            self.assertEqual(e[0], 'wait', 'disk full is transient: %s' % (e,))
        os.unlink(filler)
        self.assert_recovered()


if __name__ == '__main__':
    unittest.main()
