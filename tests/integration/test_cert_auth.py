# SPDX-License-Identifier: Apache-2.0
"""APNs certificate auth against the local fake, which asks for a TLS client certificate
and checks it against its CA and the topic in the certificate's UID: a PEM certificate
with its key file, and a PKCS#12 file with a password file, deliver; a certificate from an
unknown issuer gets 403 BadCertificate, a configuration error: that app is held (the row
stays pending with that reason, the device stays enabled). Config errors for
certificate auth are reported by --check-config."""

import subprocess
import tempfile
import unittest

import rig
from fake_server import FakeServer, publish
from push_fake import TOPIC, PushFakes
from vapushd import VAPUSHD, Vapushd

TOKENS = {'pem': 'a1' * 32, 'p12': 'b2' * 32, 'rogue': 'c3' * 32}


def cert_app(name, endpoint, cert_file, extra):
    return ('  - { name: %s, platform: apns, topic: %s, cert_file: %s, %s\n'
            '      endpoint: "%s", ca_file: ca.pem }\n' % (name, TOPIC, cert_file, extra, endpoint))


class CertificateAuthTest(unittest.TestCase):
    def setUp(self):
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.base = tempfile.mkdtemp(prefix='vapushd-cert-')
        self.fakes.apps_yaml(self.base)  # copies ca.pem next to the config
        f = self.fakes
        f.client_certificate(self.base, 'pem')
        f.client_certificate(self.base, 'p12', p12_password='s3cret p12')
        f.client_certificate(self.base, 'rogue', trusted=False)
        apps = ('apps:\n'
                + cert_app('ios-pem', f.endpoint, 'pem.pem', 'cert_key_file: pem.key,')
                + cert_app('ios-p12', f.endpoint, 'p12.p12', 'cert_password_file: p12.pass,')
                + cert_app('ios-rogue', f.endpoint, 'rogue.pem', 'cert_key_file: rogue.key,'))
        self.server = FakeServer(secret='comp')
        self.addCleanup(self.server.close)
        self.d = Vapushd('push.localhost', 'comp', self.server.port, interval='1s',
                         base_dir=self.base, apps_yaml=apps, log_level='info')
        self.addCleanup(self.d.kill)
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()
        for kind, token in TOKENS.items():
            self.d.add_device('user-%s@localhost' % kind, node='n-' + kind, secret='s',
                              app='ios-' + kind, platform='apns', token=token)

    def row(self, kind):
        rows = self.d.query("SELECT n.state, n.last_error FROM sys_cs_message_notification n "
                            "JOIN device d ON d.id = n.device WHERE d.node = ?", ('n-' + kind,))
        # Settled: sent or failed, or held by a configuration error.
        return rows[0] if rows and (rows[0]['state'] != 'pending' or
                                    rows[0]['last_error'].startswith('held')) else None

    def test_pem_and_pkcs12_deliver_and_an_unknown_issuer_is_refused(self):
        for i, kind in enumerate(TOKENS):
            reply = self.server.request(publish('p%d' % i, 'n-' + kind, 's', body='hello'))
            self.assertEqual(reply.get('type'), 'result', rig.to_xml(reply))
        rows = {k: rig.wait_until(lambda k=k: self.row(k), 30, 'outcome for ' + k)
                for k in TOKENS}
        self.assertEqual(rows['pem']['state'], 'sent')
        self.assertEqual(rows['p12']['state'], 'sent')
        self.assertEqual(rows['rogue']['state'], 'pending')
        self.assertEqual(rows['rogue']['last_error'], 'held: BadCertificate')
        self.assertEqual(self.d.query("SELECT enabled FROM device WHERE node='n-rogue'"),
                         [{'enabled': 1}])
        pushes = {p['token']: p for p in self.fakes.apns_pushes()}
        self.assertEqual(set(pushes), {TOKENS['pem'], TOKENS['p12']})
        for kind in ('pem', 'p12'):
            p = pushes[TOKENS[kind]]
            self.assertEqual(p['certificate']['topic'], TOPIC, 'the connection carried the cert')
            self.assertNotIn('jwt', p, 'no provider token on a certificate connection')
            self.assertEqual(p['payload']['aps']['alert']['body'], 'hello')
        self.assertEqual(self.d.stop(), 0)
        with open(self.d.log_path, errors='replace') as f:
            log = f.read()
        self.assertNotIn('s3cret p12', log, 'the PKCS#12 password is never logged')


class CertificateConfigTest(unittest.TestCase):
    def check(self, app_yaml):
        base = tempfile.mkdtemp(prefix='vapushd-certcfg-')
        d = Vapushd('push.localhost', 'comp', 1, base_dir=base, apps_yaml='apps:\n' + app_yaml)
        return subprocess.run([VAPUSHD, '--check-config', '--config', d.config_path],
                              capture_output=True, text=True, timeout=20)

    def test_pkcs12_with_a_key_file_and_bad_type_are_errors(self):
        p = self.check(cert_app('a', 'https://127.0.0.1:1', 'x.p12', 'cert_key_file: x.key,'))
        self.assertEqual(p.returncode, 2)
        self.assertIn('PKCS#12 file holds its own key', p.stderr + p.stdout)
        p = self.check(cert_app('a', 'https://127.0.0.1:1', 'x.crt', 'cert_type: der,'))
        self.assertEqual(p.returncode, 2)
        self.assertIn('cert_type: expected pem or p12', p.stderr + p.stdout)


if __name__ == '__main__':
    unittest.main()
