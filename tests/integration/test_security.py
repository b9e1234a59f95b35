# SPDX-License-Identifier: Apache-2.0
"""Security: no token, publish secret or message body in logs at info level; secrets are
stored only hashed; key files readable by others are reported (or refused); a wrong
secret is forbidden. Uses a real ejabberd, the libstrophe client and the push fake."""

import os
import tempfile
import unittest

import rig
from push_fake import PushFakes
from vapushd import Vapushd

TOKEN = '5e' * 32
BODIES = ('the launch code is 0000', 'secret plans for friday')


class SecurityTest(unittest.TestCase):
    def setUp(self):
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.rig = rig.EjabberdRig()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'pa'), ('userb', 'pb')])
        self.base = tempfile.mkdtemp(prefix='vapushd-')
        self.apps = self.fakes.apps_yaml(self.base)

    def start(self, extra=''):
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='1s',
                         base_dir=self.base, apps_yaml=self.apps, log_level='info',
                         extra_yaml=extra)
        self.addCleanup(self.d.kill)
        self.d.start()

    def test_logs_and_database_hold_no_secrets(self):
        self.start()
        self.d.wait_connected()
        a = self.rig.client('usera', 'pa', resource='phone')
        reg = a.command(self.rig.component_jid, 'register-push-apns', oneshot=True,
                        fields={'token': TOKEN, 'device-id': 'd1'})
        secret = reg.fields['secret']
        a.enable(self.rig.component_jid, reg.fields['node'], secret=secret, then='hibernate')
        self.rig.client('userb', 'pb').send_messages(
            [dict(to=self.rig.user_jid('usera'), body=b) for b in BODIES])
        rig.wait_until(lambda: self.fakes.apns_pushes(), 30, 'the push')
        rig.wait_until(lambda: self.d.query(
            "SELECT 1 FROM sys_cs_message_notification WHERE state='sent'"), 10, 'sent')
        self.assertEqual(self.d.stop(), 0)
        log = open(self.d.log_path, errors='replace').read()
        self.assertIn('event=push.result', log, 'the log is not empty')
        for needle in (TOKEN, secret) + BODIES:
            self.assertNotIn(needle, log)
        raw = b''.join(open(os.path.join(self.base, f), 'rb').read()
                       for f in os.listdir(self.base) if f.startswith('vapush.db'))
        self.assertNotIn(secret.encode(), raw, 'only the hash of the secret is stored')

    def test_world_readable_key_is_reported_or_refused(self):
        os.chmod(os.path.join(self.base, 'AuthKey.p8'), 0o644)
        self.start()
        self.d.wait_connected()
        self.d.wait_log(r'event=config\.key_file_permissions .*AuthKey\.p8')
        self.assertEqual(self.d.stop(), 0)
        d = Vapushd(self.rig.component_jid, self.rig.component_secret, self.rig.component_port,
                    domains=[self.rig.domain], base_dir=self.base, apps_yaml=self.apps,
                    extra_yaml='')
        with open(d.config_path) as f:
            text = f.read().replace('log: { level: debug, file: vapushd.log }',
                                    'log: { level: info, file: vapushd.log, '
                                    'refuse_open_key_files: true }')
        with open(d.config_path, 'w') as f:
            f.write(text)
        d.start()
        self.assertEqual(d.proc.wait(20), 1, 'refused to start')
        # ... for that reason, not another one.
        self.assertRegex(d.log(), r'level=error event=config\.key_file_permissions .*'
                                  r'readable by others')
        self.assertNotIn('event=vapushd.started', d.log())


if __name__ == '__main__':
    unittest.main()
