# SPDX-License-Identifier: Apache-2.0
"""The real clients' own stanzas, replayed on ejabberd and Prosody, each ending with a
message to the away user and the push that client needs at the APNs/FCM fake:
Siskin's discovery (server disco#items, then the component's disco#info), Conversations
2023 (action="execute", android-id) and current (action="complete", no session: the reply
must be status="completed" with a form), Siskin's register-device (no action, upper-case
token, device-second-token), enable without secret and unregister-device, and the
2021-22 Monal mod_push_appserver v1 flow (status="complete"). Monal's fpush modules are
in test_real_clients_monal.py."""

import hashlib
import unittest

import rig
from real_clients import (NS_COMMANDS, RealClientsBase, apns_app, command_iq, enable_iq,
                          fcm_app, field, form_of, submit)

FCM_TOKEN = 'eeDXSJjASJY:APA91bEKxhXK54-vHhY9O55JmU2R0nDJL2rRENm-W9uPY6x3jHi0i0OyvPu6js9jVPZ' \
            'qDeX9ZQydZCBZE19o7a0kK4_n88fCgufXjaOlvalh9VibB2zOI7dQRTaDNB3H5s4dicpWD0m4'
ANDROID_ID = '92afd7a91cdba9a0'
SISKIN_TOKEN = 'A1B2C3D4E5F60718293A4B5C6D7E8F90' * 2       # upper-case hex, as Siskin sends
SISKIN_VOIP = '0F1E2D3C4B5A69788796A5B4C3D2E1F0' * 2
MONAL_V1_TOKEN = '5e' * 32
MONAL_V1_NODE = '8E1C7F2A-4D3B-4C55-9A0E-6F1B2D3C4E5F'       # identifierForVendor


class RealClientsMixin(RealClientsBase):

    def wake_apps(self):
        return [apns_app(self.fakes, 'ios', style='wake'),
                fcm_app(self.fakes, 'android', style='wake')]

    def test_siskin_discovery_finds_the_component(self):
        self.start_vapushd(self.wake_apps())
        items = self.a.disco_items(self.rig.domain)
        self.assertIn('ITEM jid=%s ' % self.comp, items.stdout,
                      "the server's disco#items lists the component")
        info = self.a.disco_info(self.comp)
        self.assertIn('IDENTITY category=pubsub type=push', info.stdout)
        for feature in ('urn:xmpp:push:0', 'tigase:messenger:apns:1', 'fcm-xmpp-api',
                        'fcm-http-v1'):
            self.assertIn('FEATURE %s\n' % feature, info.stdout)

    def conversations_register(self, action):
        cmd = self.run_command(command_iq(self.comp, 'register-push-fcm', submit(
            field('token', FCM_TOKEN), field('android-id', ANDROID_ID)), action=action))
        self.assertEqual(cmd.get('status'), 'completed')
        form = form_of(cmd)
        self.assertIsNotNone(form, 'Conversations throws without a form')
        self.assertEqual(form['jid'], self.comp)
        return form

    def test_conversations_2023_gets_a_p2_wake_up(self):
        self.start_vapushd(self.wake_apps())
        form = self.conversations_register('execute')
        self.away_and_message(enable_iq(self.comp, form['node'], secret=form['secret']),
                              'private words')
        push = self.wait_push('fcm', FCM_TOKEN)
        msg = push['payload']
        self.assertTrue(push['data_only'], msg)
        self.assertNotIn('notification', msg)
        account = hashlib.sha1((self.ja + '\0' + ANDROID_ID).encode()).hexdigest()
        self.assertEqual(msg['data'], {'account': account}, 'p2: sha1(bare JID NUL android-id)')
        self.assertEqual(msg['android']['priority'], 'high')
        self.assertNotIn('private words', str(msg), 'a wake-up carries no content')

    def test_conversations_current_complete_without_session_on_an_alert_app(self):
        self.start_vapushd([fcm_app(self.fakes, 'android')])  # push_style: alert (default)
        info = self.a.disco_info(self.comp)
        self.assertIn('FEATURE fcm-xmpp-api\n', info.stdout)
        self.assertNotIn('tigase:messenger:apns:1', info.stdout, 'no APNs app configured')
        form = self.conversations_register('complete')
        self.away_and_message(enable_iq(self.comp, form['node'], secret=form['secret']), 'hey')
        msg = self.wait_push('fcm', FCM_TOKEN)['payload']
        self.assertEqual(msg['notification'], {'title': self.nb, 'body': 'hey'})
        self.assertEqual(msg['data']['body'], 'hey')
        self.assertNotIn('account', msg['data'])

    def test_siskin_register_enable_unregister(self):
        self.start_vapushd(self.wake_apps())
        cmd = self.run_command(command_iq(self.comp, 'register-device', submit(
            '<field type="text-single" var="provider"><value>tigase:messenger:apns:1</value>'
            '</field>', field('device-token', SISKIN_TOKEN),
            field('device-second-token', SISKIN_VOIP)), action=None))
        self.assertEqual(cmd.get('status'), 'completed')
        node = form_of(cmd)['node']
        [dev] = self.d.query('SELECT * FROM device WHERE user=?', (self.ja,))
        self.assertEqual((dev['protocol'], dev['app'], dev['token'], dev['secret_hash']),
                         ('tigase', 'ios', SISKIN_TOKEN.lower(), ''))
        self.away_and_message(enable_iq(self.comp, node), 'see you')
        push = self.wait_push('apns', SISKIN_TOKEN.lower())
        p = push['payload']
        self.assertEqual((p['account'], p['sender'], p['body']),
                         (self.ja, self.jb, 'see you'))
        self.assertEqual(p['aps']['mutable-content'], 1, 'the extension runs only with it')
        self.assertEqual(p['aps']['alert']['body'], 'see you')
        self.assertEqual(push['headers']['apns-push-type'], 'alert')

        gone = self.run_command(command_iq(self.comp, 'unregister-device', submit(
            field('provider', 'tigase:messenger:apns:1'), field('device-token', SISKIN_TOKEN)),
            action=None))
        self.assertEqual(gone.get('status'), 'completed')
        self.assertEqual(self.d.query('SELECT id FROM device WHERE user=?', (self.ja,)), [])

    def test_monal_v1_register_gets_complete_and_an_alert(self):
        self.start_vapushd(self.wake_apps())
        form_type = 'https://github.com/tmolitor-stud-tu/mod_push_appserver/#v1-register-push'
        cmd = self.run_command(command_iq(self.comp, 'v1-register-push', submit(
            field('FORM_TYPE', form_type), field('type', 'apns'), field('node', MONAL_V1_NODE),
            field('token', MONAL_V1_TOKEN))))
        self.assertEqual(cmd.get('status'), 'complete', "those builds accept nothing else")
        form = form_of(cmd)
        self.assertEqual(form['jid'], self.comp)
        self.away_and_message(enable_iq(self.comp, form['node'], secret=form['secret']), 'yo')
        aps = self.wait_push('apns', MONAL_V1_TOKEN)['payload']['aps']
        self.assertEqual(aps['alert'], {'title': 'New Message', 'body': 'New Message?'})
        self.assertEqual(aps['mutable-content'], 1)
        self.assertEqual(aps['badge'], 1)
        # Every other command keeps XEP-0050's value.
        lst = self.run_command(command_iq(self.comp, 'list-devices', ''))
        self.assertEqual(lst.get('status'), 'completed')
        self.assertEqual(lst.tag, NS_COMMANDS + 'command')


class EjabberdRealClientsTest(RealClientsMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyRealClientsTest(RealClientsMixin, unittest.TestCase):
    RIG = rig.ProsodyRig


if __name__ == '__main__':
    unittest.main()
