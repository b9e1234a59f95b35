# SPDX-License-Identifier: Apache-2.0
"""End to end with a real ejabberd: a hibernated client's device receives, at the local
APNs (or FCM) fake, one push for three messages after one tick. Also runs the README's
demo script non-interactively."""

import os
import subprocess
import tempfile
import unittest

import rig
from push_fake import PushFakes
from vapushd import Vapushd

APNS_TOKEN = 'cd' * 32
FCM_TOKEN = 'fcm:' + 'Z9y8X7w6V5' * 12


class EndToEndTest(unittest.TestCase):
    def setUp(self):
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.rig = rig.EjabberdRig()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'pa'), ('userb', 'pb')])
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='2s',
                         base_dir=base, apps_yaml=self.fakes.apps_yaml(base))
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.a = self.rig.client('usera', 'pa', resource='phone')
        self.b = self.rig.client('userb', 'pb', resource='laptop')

    def scene(self, command, token, pushes):
        reg = self.a.command(self.rig.component_jid, command, oneshot=True,
                             fields={'token': token, 'device-id': 'phone-1'})
        self.a.enable(self.rig.component_jid, reg.fields['node'], secret=reg.fields['secret'],
                      then='hibernate')
        self.b.send_messages([dict(to=self.rig.user_jid('usera'), body=b)
                              for b in ('first', 'second', 'third')])
        got = rig.wait_until(lambda: (lambda p: p if p else None)(pushes()), 30, 'a push')
        rig.wait_until(lambda: all(r['state'] == 'sent' for r in self.d.query(
            'SELECT state FROM sys_cs_message_notification')), 10, 'rows sent')
        self.assertEqual(len(pushes()), 1, 'one push for the three messages')
        self.assertEqual(len(self.d.query('SELECT * FROM sys_cs_message_notification')), 3)
        return got[0]

    def test_apns(self):
        p = self.scene('register-push-apns', APNS_TOKEN, self.fakes.apns_pushes)
        self.assertEqual(p['payload']['aps']['alert']['body'], 'third')
        self.assertEqual(p['payload']['unread'], 3)
        self.assertTrue(p['path'].endswith(APNS_TOKEN))

    def test_fcm(self):
        p = self.scene('register-push-fcm', FCM_TOKEN, self.fakes.fcm_pushes)
        self.assertEqual(p['payload']['notification']['body'], 'third')
        self.assertEqual(p['payload']['data']['unread'], '3')


class DemoTest(unittest.TestCase):
    def test_demo_runs_to_completion(self):
        env = dict(os.environ, DEMO_INTERVAL='2s')
        p = subprocess.run(['/usr/bin/python3', os.path.join(rig.SOURCE_DIR, 'tools', 'demo.py')],
                           capture_output=True, text=True, timeout=180, env=env,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn('Demo complete: one push per conversation', p.stdout)
        self.assertIn('Virtual Agent', p.stdout)


if __name__ == '__main__':
    unittest.main()
