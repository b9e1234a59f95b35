# SPDX-License-Identifier: Apache-2.0
"""The .deb: build it with CPack, unpack it into a throwaway root, check its files,
control fields and systemd hardening, and that the shipped vapushd accepts the shipped
sample config."""

import os
import shutil
import subprocess
import tempfile
import unittest

import rig


class PackagingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix='vapush-deb-')
        subprocess.run(['cpack', '-G', 'DEB', '-B', cls.out], cwd=rig.BUILD_DIR, check=True,
                       capture_output=True, timeout=600)
        [deb] = [f for f in os.listdir(cls.out) if f.endswith('.deb')]
        cls.deb = os.path.join(cls.out, deb)
        cls.root = os.path.join(cls.out, 'root')
        subprocess.run(['dpkg', '-x', cls.deb, cls.root], check=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def info(self, field):
        return subprocess.run(['dpkg-deb', '-f', self.deb, field], capture_output=True,
                              text=True, check=True).stdout.strip()

    def test_contents(self):
        for path in ('usr/sbin/vapushd', 'usr/bin/vapushctl', 'etc/vapush/vapush.yml',
                     'lib/systemd/system/vapushd.service',
                     'usr/share/doc/vapush/examples/ejabberd/vapush.yml',
                     'usr/share/doc/vapush/examples/prosody/vapush.cfg.lua'):
            self.assertTrue(os.path.exists(os.path.join(self.root, path)), path)
        self.assertTrue(os.access(os.path.join(self.root, 'usr/sbin/vapushd'), os.X_OK))
        depends = self.info('Depends')
        for lib in ('libgloox', 'libsqlite3', 'libcurl', 'libyaml-cpp', 'libssl3', 'adduser'):
            self.assertIn(lib, depends)
        control = subprocess.run(['dpkg-deb', '-I', self.deb], capture_output=True, text=True,
                                 check=True).stdout
        self.assertIn('postinst', control)
        self.assertIn('conffiles', control)

    def test_unit_is_hardened(self):
        unit = open(os.path.join(self.root, 'lib/systemd/system/vapushd.service')).read()
        for line in ('User=vapush', 'NoNewPrivileges=yes', 'ProtectSystem=strict',
                     'StateDirectory=vapush', 'ReadWritePaths=/var/lib/vapush',
                     'ExecStart=/usr/sbin/vapushd --config /etc/vapush/vapush.yml'):
            self.assertIn(line, unit)

    def test_shipped_vapushd_accepts_shipped_sample(self):
        etc = os.path.join(self.root, 'etc/vapush')
        # What the operator adds next to the sample: the secret and the credentials.
        for name in ('secret', 'AuthKey.p8', 'service-account.json'):
            with open(os.path.join(etc, name), 'w') as f:
                f.write('placeholder\n')
        vapushd = os.path.join(self.root, 'usr/sbin/vapushd')
        p = subprocess.run([vapushd, '--check-config', '--config',
                            os.path.join(etc, 'vapush.yml')], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        ctl = subprocess.run([os.path.join(self.root, 'usr/bin/vapushctl'), '--config',
                              os.path.join(etc, 'vapush.yml'), 'check-config'],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(ctl.returncode, 0, ctl.stderr)


if __name__ == '__main__':
    unittest.main()
