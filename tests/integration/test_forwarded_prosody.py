# SPDX-License-Identifier: Apache-2.0
"""Forwarded-copy mode on Prosody (mod_firewall FORWARD rules from
packaging/prosody/vapush-forward.pfw): an incoming message is unread and counted once even
though it arrives both as a forwarded copy and as a XEP-0357 publish; the user's reply,
displayed marker or receipt marks the peer's messages read."""

import unittest

import rig
from vapushd import Vapushd


class ForwardedProsodyTest(unittest.TestCase):
    def setUp(self):
        self.rig = rig.ProsodyRig(forward=True)
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'pa'), ('userb', 'pb'), ('userc', 'pc')])
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain])
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.a = self.rig.client('usera', 'pa', resource='phone')
        self.b = self.rig.client('userb', 'pb', resource='laptop')
        self.c = self.rig.client('userc', 'pc', resource='desk')
        self.ja, self.jb, self.jc = (self.rig.user_jid(u) for u in ('usera', 'userb', 'userc'))

    def unread(self):
        return self.d.query('SELECT conversation, body, read, device_id FROM unread_message '
                            'WHERE user=? ORDER BY id', (self.ja,))

    def test_copy_and_publish_count_once_and_reply_marks_read(self):
        self.d.add_device(self.ja, node='node-a', secret='sa', resource='phone')
        self.a.enable(self.rig.component_jid, 'node-a', secret='sa', then='close')
        self.b.send_messages([dict(to=self.ja, body='one from B', id='b1'),
                              dict(to=self.ja, body='two from B', id='b2')])
        self.c.send(self.ja, body='from C', id='c1')
        rows = rig.wait_until(lambda: (lambda r: r if len(r) >= 3 else None)(self.unread()),
                              10, 'three unread rows')
        # The publish for each message comes too (A is offline); give it time to land.
        self.d.wait_log(r'event=publish\.stored', count=3)
        rows = self.unread()
        self.assertEqual(sorted(r['body'] for r in rows), ['from C', 'one from B', 'two from B'],
                         'each message counted once')
        self.assertTrue(all(r['read'] == 0 for r in rows))

        # A replies to B from a client that sends no presence (coming back online would
        # read everything, see test_unread_truth): B's messages are read, C's are not.
        self.a.send(self.jb, body='thanks B', id='a1', no_presence=True)
        rig.wait_until(lambda: all(r['read'] == 1 for r in self.unread()
                                   if r['conversation'] == self.jb), 10, 'B marked read')
        self.assertEqual([r['read'] for r in self.unread() if r['conversation'] == self.jc], [0])

        # A displayed marker for C's message marks that conversation read too.
        self.a.send_messages([dict(to=self.jc, displayed='c1', id='a2')], no_presence=True)
        rig.wait_until(lambda: all(r['read'] == 1 for r in self.unread()), 10, 'all read')


if __name__ == '__main__':
    unittest.main()
