# SPDX-License-Identifier: Apache-2.0
"""The .deb: build it with CPack, unpack it into a throwaway root, check its files,
control fields and systemd hardening, and that the shipped vapushd accepts the shipped
sample config with real keys and refuses it with keys that do not parse."""

import json
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

    def _operator_files(self, etc, garbage):
        """What the operator adds next to the sample: the secret and the credentials,
        real keys or placeholders."""
        with open(os.path.join(etc, 'secret'), 'w') as f:
            f.write('placeholder\n')
        for name in ('AuthKey.p8', 'service-account.json'):
            path = os.path.join(etc, name)
            if os.path.exists(path):
                os.unlink(path)
        if garbage:
            for name in ('AuthKey.p8', 'service-account.json'):
                with open(os.path.join(etc, name), 'w') as f:
                    f.write('placeholder\n')
            return
        subprocess.run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
                        'ec_paramgen_curve:P-256', '-out', os.path.join(etc, 'AuthKey.p8')],
                       check=True, capture_output=True, timeout=60)
        rsa = subprocess.run(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt',
                              'rsa_keygen_bits:2048'], check=True, capture_output=True,
                             text=True, timeout=60).stdout
        with open(os.path.join(etc, 'service-account.json'), 'w') as f:
            json.dump({'type': 'service_account', 'project_id': 'example-project',
                       'private_key': rsa, 'client_email': 'vapush@example.iam.gserviceaccount.com',
                       'token_uri': 'https://oauth2.googleapis.com/token'}, f)

    def _check(self, etc):
        vapushd = os.path.join(self.root, 'usr/sbin/vapushd')
        d = subprocess.run([vapushd, '--check-config', '--config',
                            os.path.join(etc, 'vapush.yml')], capture_output=True, text=True,
                           timeout=30)
        ctl = subprocess.run([os.path.join(self.root, 'usr/bin/vapushctl'), '--config',
                              os.path.join(etc, 'vapush.yml'), 'check-config'],
                             capture_output=True, text=True, timeout=30)
        return d, ctl

    def test_shipped_vapushd_accepts_shipped_sample_with_real_keys(self):
        etc = os.path.join(self.root, 'etc/vapush')
        self._operator_files(etc, garbage=False)
        d, ctl = self._check(etc)
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual(ctl.returncode, 0, ctl.stderr)

    def test_check_config_refuses_keys_that_do_not_parse(self):
        """--check-config loads the key files: placeholders fail, naming file and reason."""
        etc = os.path.join(self.root, 'etc/vapush')
        self._operator_files(etc, garbage=True)
        d, ctl = self._check(etc)
        for p in (d, ctl):
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertIn('AuthKey.p8', p.stderr)
            self.assertIn('does not parse', p.stderr)
        # With a good APNs key, the FCM service account is the next one reported.
        self._operator_files(etc, garbage=False)
        with open(os.path.join(etc, 'service-account.json'), 'w') as f:
            f.write('{"private_key": "x"}\n')
        d, ctl = self._check(etc)
        for p in (d, ctl):
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertIn('service-account.json', p.stderr)


if __name__ == '__main__':
    unittest.main()
