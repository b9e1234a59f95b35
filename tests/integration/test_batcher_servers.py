# SPDX-License-Identifier: Apache-2.0
"""The batch tick with real servers (interval shortened to 2 s): a user's device goes
away, three messages arrive, exactly one push per conversation is planned with one
notification row per message; a device that comes back before the tick gets no push and
its rows are suppressed."""

import unittest

import rig
from vapushd import Vapushd


class BatcherMixin:
    RIG = None
    # How the device steps away. Prosody's mod_cloud_notify publishes only once for a
    # hibernated session until it resumes (later messages need forwarded-copy mode), so
    # its test takes the device offline, where every message is published.
    AWAY = 'hibernate'

    def setUp(self):
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'pa'), ('userb', 'pb'), ('va', 'pv')])
        self.ja, self.jb, self.jva = (self.rig.user_jid(u) for u in ('usera', 'userb', 'va'))
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='2s',
                         extra_yaml='agents: { virtual: [%s] }\n' % self.jva)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.d.add_device(self.ja, node='node-a', secret='sa', resource='phone')
        self.a = self.rig.client('usera', 'pa', resource='phone')
        self.b = self.rig.client('userb', 'pb', resource='laptop')
        self.va = self.rig.client('va', 'pv', resource='bot')

    def rows(self):
        return self.d.query('SELECT * FROM sys_cs_message_notification ORDER BY message_time')

    def test_away_device_gets_one_batch_per_conversation(self):
        self.a.enable(self.rig.component_jid, 'node-a', secret='sa', then=self.AWAY)
        self.b.send_messages([dict(to=self.ja, body='one'), dict(to=self.ja, body='two'),
                              dict(to=self.ja, body='three')])
        self.va.send(self.ja, body='Your ticket was updated')
        rows = rig.wait_until(lambda: (lambda r: r if len(r) >= 4 else None)(self.rows()),
                              20, 'four notification rows')
        self.assertEqual(len({r['batch'] for r in rows}), 1, 'one tick took them all')
        by_conv = {}
        for r in rows:
            by_conv.setdefault(r['conversation'], []).append(r)
        self.assertEqual(sorted(len(v) for v in by_conv.values()), [1, 3])
        self.assertEqual([r['body'] for r in by_conv[self.jb]], ['one', 'two', 'three'])
        self.assertEqual(by_conv[self.jva][0]['category'], 'virtual_agent')
        for r in rows:
            self.assertEqual(len(r['sys_id']), 32)
            # No app is configured here, so the push then fails; delivery itself is
            # tested against the APNs/FCM fakes.
            self.assertIn(r['state'], ('pending', 'failed'))
        pushes = self.d.query('SELECT * FROM push ORDER BY conversation')
        self.assertEqual(len(pushes), 2, 'one push per device and conversation')
        push_b = [p for p in pushes if p['conversation'] == self.jb][0]
        self.assertEqual((push_b['unread'], push_b['badge'], push_b['body']), (3, 4, 'three'))
        self.assertEqual([p['title'] for p in pushes if p['conversation'] == self.jva],
                         ['Virtual Agent'])
        self.assertEqual({r['push_id'] for r in by_conv[self.jb]}, {push_b['id']})

    def test_device_back_before_tick_is_suppressed(self):
        self.a.enable(self.rig.component_jid, 'node-a', secret='sa', then='close')
        self.b.send(self.ja, body='while offline')
        rig.wait_until(lambda: self.d.query('SELECT id FROM unread_message'), 10, 'unread')
        # A comes back on the same device before the tick.
        online = self.a.spawn('online', stay_online=30)
        self.addCleanup(online.stop)
        online.wait_ready()
        rows = rig.wait_until(self.rows, 20, 'the tick')
        self.assertEqual([(r['state'], r['last_error']) for r in rows],
                         [('suppressed', 'came_back')])
        self.assertEqual(self.d.query('SELECT * FROM push'), [])


class EjabberdBatcherTest(BatcherMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyBatcherTest(BatcherMixin, unittest.TestCase):
    RIG = rig.ProsodyRig
    AWAY = 'close'


if __name__ == '__main__':
    unittest.main()
