# SPDX-License-Identifier: Apache-2.0
"""Device registration and preferences over XEP-0050 with real servers and libstrophe
clients: the p2, Tigase, mod_push_appserver and fpush protocols, re-registration,
unregistration (then the server's publish gets item-not-found), isolation between users,
and the preference commands."""

import tempfile
import unittest

import rig
from push_fake import PushFakes
from vapushd import Vapushd

FCM_TOKEN = 'fcmtoken:' + 'A1b2C3d4_-' * 16            # FCM charset, 169 chars
FCM_TOKEN2 = 'fcmtoken2:' + 'Z9y8X7w6v5' * 16
APNS_TOKEN = 'ab' * 32                                   # 64 hex digits
APNS_TOKEN2 = 'cd' * 32


def first_form(result):
    """var -> value of the first data form the component sent back."""
    for el in result.recv_elements():
        for x in el.iter('{jabber:x:data}x'):
            return {f.get('var'): (f.findtext('{jabber:x:data}value') or '')
                    for f in x.iter('{jabber:x:data}field')}
    return {}


class RegistrationMixin:
    RIG = None

    def setUp(self):
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'passusera'), ('userb', 'passuserb')])
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain],
                         apps_yaml=self.fakes.apps_yaml(base), base_dir=base)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.a = self.rig.client('usera', 'passusera', resource='phone')
        self.b = self.rig.client('userb', 'passuserb', resource='laptop')
        self.user_a = self.rig.user_jid('usera')
        self.comp = self.rig.component_jid

    def devices(self, user):
        return self.d.query('SELECT * FROM device WHERE user=? ORDER BY id', (user,))

    def unread(self, user):
        return self.d.query('SELECT * FROM unread_message WHERE user=?', (user,))

    def deliver_and_expect_stored(self, node, secret, body, options=None):
        self.a.enable(self.comp, node, secret=secret, options=options, then='hibernate')
        self.b.send(self.user_a, body=body)
        rig.wait_until(lambda: any(r['body'] == body for r in self.d.query(
            'SELECT body FROM unread_message')), 15, 'unread row %r' % body)

    def test_p2_register_reregister_unregister(self):
        r = self.a.command(self.comp, 'register-push-fcm', oneshot=True, fields=
                           {'token': FCM_TOKEN, 'device-id': 'dev-1'})
        self.assertEqual(r.fields['jid'], self.comp)
        node, secret = r.fields['node'], r.fields['secret']
        self.assertTrue(node and secret)
        [dev] = self.devices(self.user_a)
        self.assertEqual(dev['token'], FCM_TOKEN)
        self.assertEqual(dev['resource'], 'phone')
        self.assertEqual(dev['protocol'], 'p2')
        self.assertNotIn(secret, str(dev), 'only a hash of the secret is stored')

        again = self.a.command(self.comp, 'register-push-fcm', oneshot=True, fields=
                               {'token': FCM_TOKEN2, 'device-id': 'dev-1'})
        self.assertEqual(again.fields['node'], node, 'node stable across re-registration')
        [dev] = self.devices(self.user_a)
        self.assertEqual(dev['token'], FCM_TOKEN2, 'token updated in place')
        self.deliver_and_expect_stored(node, again.fields['secret'], 'via p2')

        self.a.command(self.comp, 'unregister-push-fcm', oneshot=True, fields={'device-id': 'dev-1'})
        self.assertEqual(self.devices(self.user_a), [])
        # A's server still has the registration: its next publish for the node is refused.
        # (A goes offline so every message is published at once, not coalesced the way a
        # hibernated session's queue can be.)
        self.a.enable(self.comp, node, secret=again.fields['secret'], then='close')
        mark = self.d.log_mark()
        self.b.send(self.user_a, body='after unregister')
        self.d.wait_log(r'event=publish\.refused .*condition=item-not-found', since=mark,
                        timeout=20)

    def test_tigase_register_and_unregister(self):
        r = self.a.command(self.comp, 'register-device', oneshot=True, fields=
                           {'provider': 'fcm-http-v1', 'device-token': FCM_TOKEN})
        node = r.fields['node']
        [dev] = self.devices(self.user_a)
        self.assertEqual((dev['protocol'], dev['node'], dev['app']), ('tigase', node, 'android'))
        self.a.command(self.comp, 'unregister-device', oneshot=True, fields=
                       {'provider': 'fcm-http-v1', 'device-token': FCM_TOKEN})
        self.assertEqual(self.devices(self.user_a), [])

    def test_appserver_register_and_publish(self):
        r = self.a.command(self.comp, 'v1-register-push', oneshot=True, fields=
                           {'type': 'apns', 'node': 'client-chosen', 'token': APNS_TOKEN})
        node, secret = r.fields['node'], r.fields['secret']
        [dev] = self.devices(self.user_a)
        self.assertEqual((dev['protocol'], dev['platform']), ('appserver', 'apns'))
        self.deliver_and_expect_stored(node, secret, 'via appserver')
        self.a.command(self.comp, 'v1-unregister-push', oneshot=True, fields={'type': 'apns', 'node': node})
        self.assertEqual(self.devices(self.user_a), [])

    def test_fpush_publish_creates_device(self):
        self.deliver_and_expect_stored(APNS_TOKEN2, None, 'via fpush',
                                       options={'pushModule': 'exampleProdiOS'})
        # On Prosody the forwarded copy is stored before the publish (~1 s later) that
        # creates the device.
        [dev] = rig.wait_until(lambda: self.d.query("SELECT * FROM device WHERE protocol='fpush'"),
                               15, 'the fpush device')
        self.assertEqual((dev['node'], dev['token'], dev['app']), (APNS_TOKEN2, APNS_TOKEN2, 'ios'))

    def test_user_b_cannot_see_or_remove_a_devices(self):
        self.a.command(self.comp, 'register-push-apns', oneshot=True, fields={'token': APNS_TOKEN, 'device-id': 'a1'})
        [dev] = self.devices(self.user_a)
        listed = self.b.command(self.comp, 'list-devices', check=False)
        self.assertNotIn(dev['node'], listed.stdout)
        self.assertNotIn(APNS_TOKEN, listed.stdout)
        removed = self.b.command(self.comp, 'remove-device', {'device': dev['node']},
                                 check=False)
        self.assertNotIn(dev['node'], removed.stdout)
        b_unreg = self.b.command(self.comp, 'unregister-push-apns', oneshot=True, fields={'device-id': 'a1'},
                                 check=False)
        self.assertEqual(len(self.devices(self.user_a)), 1, b_unreg.stdout)
        mine = self.a.command(self.comp, 'list-devices', check=False)
        self.assertIn('phone', mine.stdout)

    def test_preferences_round_trip(self):
        shown = first_form(self.a.command(self.comp, 'preferences', submit_action='cancel'))
        self.assertEqual(shown.get('virtual-agent'), '1', shown)
        self.assertEqual(shown.get('chat'), '1', shown)
        self.a.command(self.comp, 'preferences',
                       {'virtual-agent': '1', 'live-agent': '1', 'chat': '0', 'preview': '0',
                        'quiet-hours': '1', 'quiet-start': '22:00', 'quiet-end': '07:00',
                        'time-zone': 'Europe/Paris'})
        [p] = self.d.query('SELECT * FROM preferences WHERE user=?', (self.user_a,))
        self.assertEqual((p['chat'], p['preview'], p['virtual_agent']), (0, 0, 1))
        self.assertEqual((p['quiet_start'], p['quiet_end'], p['quiet_tz']),
                         (22 * 60, 7 * 60, 'Europe/Paris'))
        again = first_form(self.a.command(self.comp, 'preferences', submit_action='cancel'))
        self.assertEqual((again.get('chat'), again.get('preview')), ('0', '0'))
        self.assertEqual(again.get('time-zone'), 'Europe/Paris')
        self.a.command(self.comp, 'mute-conversation',
                       {'jid': self.rig.user_jid('userb'), 'action': 'mute', 'until': 'forever'})
        self.assertEqual(len(self.d.query('SELECT * FROM mute WHERE user=?', (self.user_a,))), 1)
        other = first_form(self.b.command(self.comp, 'preferences', submit_action='cancel'))
        self.assertEqual(other.get('chat'), '1', "A's change does not touch B")

    def test_disco_lists_commands(self):
        items = self.a.disco_items(self.comp, node='http://jabber.org/protocol/commands')
        self.assertIn('preferences', items.stdout)
        info = self.a.disco_info(self.comp, node='preferences')
        self.assertIn('http://jabber.org/protocol/commands', info.stdout)


class EjabberdRegistrationTest(RegistrationMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyRegistrationTest(RegistrationMixin, unittest.TestCase):
    RIG = rig.ProsodyRig


if __name__ == '__main__':
    unittest.main()
