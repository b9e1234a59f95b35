# SPDX-License-Identifier: Apache-2.0
"""Unread truth on both real servers, pushes at the local APNs fake: the badge and
`unread` count what the user has not read. A user away gets 2 messages (badge 2), comes
back (a new session receives them), steps away, gets 1 more (badge 1, not 3); a second
session of the same user comes online and the away phone gets one silent badge update
(badge 0). On Prosody, a displayed marker sent from a client with no presence does the
same through the forwarded copies, and a hibernated user's 3 messages (one publish, two
copies) give badge 3. One phone registered for the account and for a room gets one push."""

import json
import re
import tempfile
import unittest
import urllib.request

import rig
from push_fake import PushFakes
from vapushd import Vapushd

TOKEN = 'ab' * 32


class UnreadTruthMixin:
    RIG = None

    def setUp(self):
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'pa'), ('userb', 'pb')])
        self.ja, self.jb = self.rig.user_jid('usera'), self.rig.user_jid('userb')
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='1s',
                         base_dir=base, apps_yaml=self.fakes.apps_yaml(base))
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.a = self.rig.client('usera', 'pa', resource='phone')
        self.b = self.rig.client('userb', 'pb', resource='laptop')

    def register(self, then='close', **fields):
        reg = self.a.command(self.rig.component_jid, 'register-push-apns', oneshot=True,
                             fields=dict({'token': TOKEN, 'device-id': 'phone-1'}, **fields))
        if then:
            self.a.enable(self.rig.component_jid, reg.fields['node'],
                          secret=reg.fields['secret'], then=then)
        return reg

    def pushes(self, kind=None):
        out = []
        for p in self.fakes.apns_pushes():
            background = p['headers'].get('apns-push-type') == 'background'
            if kind is None or (kind == 'badge') == background:
                out.append(p)
        return out

    def wait_pushes(self, count, kind='alert', timeout=30):
        return rig.wait_until(lambda: (lambda p: p if len(p) >= count else None)(
            self.pushes(kind)), timeout, '%d %s push(es)' % (count, kind))

    def wait_read(self, count):
        rig.wait_until(lambda: len(self.d.query(
            'SELECT id FROM unread_message WHERE user=? AND read<>0', (self.ja,))) >= count,
            15, '%d messages read' % count)

    def test_badge_counts_only_what_was_not_read(self):
        self.register()
        self.b.send_messages([dict(to=self.ja, body='one'), dict(to=self.ja, body='two')])
        first = self.wait_pushes(1)[0]['payload']
        self.assertEqual((first['aps']['badge'], first['unread']), (2, 2))

        # A opens the app: a new session gets the two queued messages.
        back = self.a.online()
        self.wait_read(2)
        back.stop()
        # Away again; one more message.
        self.b.send(self.ja, body='three')
        second = self.wait_pushes(2)[1]['payload']
        self.assertEqual((second['aps']['badge'], second['unread']), (1, 1),
                         'the two messages delivered on return are read')
        rows = {r['body']: r for r in self.d.query(
            'SELECT body, state FROM sys_cs_message_notification')}
        self.assertEqual(rows['three']['state'], 'sent')

        # A second session (the laptop) comes online: the away phone still shows 1.
        laptop = self.rig.client('usera', 'pa', resource='laptop').online()
        self.addCleanup(laptop.stop)
        update = self.wait_pushes(1, kind='badge')[0]
        self.assertEqual(update['payload'], {'aps': {'content-available': 1, 'badge': 0},
                                             'kind': 'badge'})
        self.assertEqual(update['headers']['apns-priority'], '5')
        self.assertTrue(update['path'].endswith(TOKEN))
        rig.wait_until(lambda: self.d.query(
            "SELECT id FROM push WHERE kind='badge' AND state='sent'"), 10, 'update recorded')
        self.assertEqual(len(self.pushes('badge')), 1, 'one update')
        self.assertEqual(self.d.query('SELECT badge FROM device'), [{'badge': 0}])

    def test_account_and_room_registration_give_one_push(self):
        # p2 `muc` is ignored (docs/registration.md): the room registration is the
        # account's, same node and secret.
        room = self.register(then=None, muc='room@conference.' + self.rig.domain)
        account = self.register()
        self.assertEqual(room.fields['node'], account.fields['node'])
        self.assertEqual(len(self.d.query('SELECT id FROM device WHERE token=?', (TOKEN,))), 1)
        self.b.send(self.ja, body='hello')
        self.wait_pushes(1)
        rig.wait_until(lambda: all(r['state'] == 'sent' for r in self.d.query(
            'SELECT state FROM sys_cs_message_notification')), 10, 'rows sent')
        self.assertEqual(len(self.d.query('SELECT * FROM sys_cs_message_notification')), 1)
        self.assertEqual(len(self.pushes()), 1, 'one push per phone')


class EjabberdUnreadTruthTest(UnreadTruthMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyUnreadTruthTest(UnreadTruthMixin, unittest.TestCase):
    RIG = rig.ProsodyRig

    def test_displayed_marker_elsewhere_sends_a_badge_update(self):
        self.register()
        self.b.send_messages([dict(to=self.ja, body='one', id='m1', markable=True),
                              dict(to=self.ja, body='two', id='m2', markable=True)])
        first = self.wait_pushes(1)[0]['payload']
        self.assertEqual(first['aps']['badge'], 2)
        # Another client of A reads the conversation without becoming available.
        self.rig.client('usera', 'pa', resource='tablet').send_messages(
            [dict(to=self.jb, displayed='m2', id='d1')], no_presence=True)
        update = self.wait_pushes(1, kind='badge')[0]
        self.assertEqual(update['payload']['aps']['badge'], 0)
        self.assertEqual(len(self.pushes('alert')), 1)

    def test_receipt_from_a_backgrounded_client_is_not_reading(self):
        self.register()
        self.b.send(self.ja, body='one', id='m1')
        self.wait_pushes(1)
        # A client in the background (away) acknowledges automatically: still unread.
        mark = self.d.log_mark()
        self.rig.client('usera', 'pa', resource='tablet').send_messages(
            [dict(to=self.jb, received='m1', id='r1')], show='away')
        self.d.wait_log(r'event=forwarded\.read_ignored', since=mark)
        self.assertEqual(self.d.query('SELECT read FROM unread_message'), [{'read': 0}])

    def test_hibernated_user_gets_one_push_for_three(self):
        self.register(then='hibernate')
        self.b.send_messages([dict(to=self.ja, body=b) for b in ('one', 'two', 'three')])
        rig.wait_until(lambda: len(self.d.query('SELECT id FROM unread_message')) >= 3, 15,
                       'three unread messages (one publish, copies for the rest)')
        p = self.wait_pushes(1)[0]['payload']
        self.assertEqual((p['aps']['badge'], p['unread'], p['aps']['alert']['body']),
                         (3, 3, 'three'))
        self.assertEqual(len(self.pushes()), 1)


class ProsodyWithoutForwardingTest(unittest.TestCase):
    """A Prosody set up without vapush-forward.pfw: vapush says so, once, in its log and
    in /healthz."""

    def test_missing_forwarding_is_reported(self):
        server = rig.ProsodyRig(forward=False)
        self.addCleanup(server.cleanup)
        server.start()
        server.register_many([('usera', 'pa'), ('userb', 'pb')])
        port = rig.free_port()
        d = Vapushd(server.component_jid, server.component_secret, server.component_port,
                    domains=[server.domain], http_listen='127.0.0.1:%d' % port)
        self.addCleanup(d.kill)
        d.start()
        d.wait_connected()
        d.add_device(server.user_jid('usera'), node='na', secret='sa')
        server.client('usera', 'pa').enable(server.component_jid, 'na', secret='sa',
                                            then='close')
        server.client('userb', 'pb').send_messages(
            [dict(to=server.user_jid('usera'), body='m%d' % i) for i in range(6)])
        d.wait_log(r'event=prosody\.no_forwarded_copies', timeout=15)
        with urllib.request.urlopen('http://127.0.0.1:%d/healthz' % port, timeout=5) as r:
            health = json.loads(r.read())
        self.assertEqual(len(health['warnings']), 1)
        self.assertIn('vapush-forward.pfw', health['warnings'][0])
        self.assertEqual(len(re.findall(r'event=prosody\.no_forwarded_copies', d.log())), 1)


if __name__ == '__main__':
    unittest.main()
