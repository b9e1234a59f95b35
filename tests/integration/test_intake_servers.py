# SPDX-License-Identifier: Apache-2.0
"""XEP-0357 intake with real servers: a private ejabberd and a private Prosody, vapushd
connected over XEP-0114, libstrophe clients. For each server: A enables push and
hibernates (or closes), B sends, the unread message is stored and the publish answered
with a result; vapushd and the server can each restart and the link comes back."""

import time
import unittest

import rig
from vapushd import Vapushd


class IntakeMixin:
    RIG = None

    def setUp(self):
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        for u in ('usera', 'userb', 'userc'):
            self.rig.register(u, 'pass' + u)
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain])
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.a = self.rig.client('usera', 'passusera', resource='phone')
        self.b = self.rig.client('userb', 'passuserb', resource='laptop')
        self.c = self.rig.client('userc', 'passuserc', resource='tablet')

    def unread(self, user):
        return self.d.query('SELECT * FROM unread_message WHERE user=? ORDER BY id', (user,))

    def wait_unread(self, user, count, timeout=15.0):
        return rig.wait_until(lambda: (lambda r: r if len(r) >= count else None)(
            self.unread(user)), timeout, '%d unread row(s) for %s' % (count, user))

    def test_hibernated_client_message_is_stored_and_acknowledged(self):
        user_a = self.rig.user_jid('usera')
        self.d.add_device(user_a, node='node-a', secret='s3cr3t', resource='phone')
        self.a.enable(self.rig.component_jid, 'node-a', secret='s3cr3t', then='hibernate')
        self.b.send(user_a, body='Hello A, from B')
        rows = self.wait_unread(user_a, 1)
        self.assertEqual(rows[0]['conversation'], self.rig.user_jid('userb'))
        self.assertTrue(rows[0]['sender'].startswith(self.rig.user_jid('userb')))
        self.assertEqual(rows[0]['body'], 'Hello A, from B')
        self.d.wait_log(r'event=publish\.stored user=%s' % user_a)
        self.assertNotIn('publish.refused', self.d.log())
        # A result keeps the registration: a second message is published and stored too.
        self.b.send(user_a, body='second')
        self.wait_unread(user_a, 2)
        device = self.d.query('SELECT last_publish FROM device WHERE node=?', ('node-a',))[0]
        self.assertGreater(device['last_publish'], 0)

    def test_offline_client_message_is_stored(self):
        user_c = self.rig.user_jid('userc')
        self.d.add_device(user_c, node='node-c', secret='secretC', resource='tablet')
        self.c.enable(self.rig.component_jid, 'node-c', secret='secretC', then='close')
        self.b.send(user_c, body='offline msg for C')
        rows = self.wait_unread(user_c, 1)
        self.assertEqual(rows[0]['body'], 'offline msg for C')

    def test_vapushd_restart_then_next_publish_is_accepted(self):
        user_a = self.rig.user_jid('usera')
        self.d.add_device(user_a, node='node-a', secret='s3cr3t', resource='phone')
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.d.wait_connected()
        self.a.enable(self.rig.component_jid, 'node-a', secret='s3cr3t', then='hibernate')
        self.b.send(user_a, body='after vapushd restart')
        self.assertEqual(self.wait_unread(user_a, 1)[0]['body'], 'after vapushd restart')

    def test_server_restart_vapushd_reconnects_by_itself(self):
        user_a = self.rig.user_jid('usera')
        self.d.add_device(user_a, node='node-a', secret='s3cr3t', resource='phone')
        mark = self.d.log_mark()
        self.rig.stop()
        self.d.wait_log(r'event=xmpp\.disconnected', since=mark)
        self.rig.start()
        back = time.monotonic()
        self.d.wait_connected(since=mark)
        print('\n%s: vapushd reconnected %.2fs after the server was ready'
              % (self.rig.kind, time.monotonic() - back))
        self.a.enable(self.rig.component_jid, 'node-a', secret='s3cr3t', then='hibernate')
        self.b.send(user_a, body='after server restart')
        self.assertEqual(self.wait_unread(user_a, 1)[0]['body'], 'after server restart')


class EjabberdIntakeTest(IntakeMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyIntakeTest(IntakeMixin, unittest.TestCase):
    RIG = rig.ProsodyRig


if __name__ == '__main__':
    unittest.main()
