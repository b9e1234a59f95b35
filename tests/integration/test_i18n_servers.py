# SPDX-License-Identifier: Apache-2.0
"""Localized pushes with real servers (issue 18): devices register over XEP-0050 with the
IQ's xml:lang ('de', 'pl', and an unknown 'xx'), previews are off, and the Virtual Agent
sends 1, then 2, then 5 messages. Each push captured at the FCM fake carries the Virtual
Agent title and the "N new messages" body in the device's language with the plural form
ICU picks for N; the unknown language gets the configured default (defaults.language:
nl, so the fallback is not just built-in English). A user without xml:lang who sets the
`language` field of the preferences form gets that language on a device registered
without one. Apps with `localize: device` get the catalog keys and arguments instead of
text (FCM and APNs, the APNs app also with mutable_content). The self-service `test-push`
command reaches the caller's own device, answers another user's device as not found,
and is rate-limited."""

import tempfile
import unittest
from xml.sax.saxutils import quoteattr

import rig
from push_fake import KEY_ID, PROJECT, TEAM_ID, TOPIC, PushFakes
from vapushd import Vapushd

NS_COMMANDS = 'http://jabber.org/protocol/commands'

EXPECTED = {
    # language: (title, {count: body})
    'de': ('Virtueller Agent', {1: '1 neue Nachricht', 2: '2 neue Nachrichten',
                                5: '5 neue Nachrichten'}),
    'pl': ('Wirtualny agent', {1: '1 nowa wiadomość', 2: '2 nowe wiadomości',
                               5: '5 nowych wiadomości'}),
    'xx': ('Virtuele agent', {1: '1 nieuw bericht', 2: '2 nieuwe berichten',
                              5: '5 nieuwe berichten'}),
}


def register_iq(comp, token, device_id, lang, app=None, node='register-push-fcm'):
    """A p2 registration in one go, with xml:lang on the IQ (no `language` field)."""
    pairs = [('token', token), ('device-id', device_id)] + ([('app', app)] if app else [])
    fields = ''.join("<field var=%s><value>%s</value></field>" % (quoteattr(k), v)
                     for k, v in pairs)
    lang_attr = " xml:lang='%s'" % lang if lang else ''
    return ("<iq type='set' to='%s'%s><command xmlns='%s' node='%s' "
            "action='execute'><x xmlns='jabber:x:data' type='submit'>%s</x></command></iq>"
            % (comp, lang_attr, NS_COMMANDS, node, fields))


def device_side_apps(endpoint):
    """Two more apps on the same fakes that localize on the device."""
    return ('  - { name: android-loc, platform: fcm, project_id: %s,\n'
            '      service_account_file: service-account.json, endpoint: "%s",\n'
            '      ca_file: ca.pem, localize: device }\n'
            '  - { name: ios-loc, platform: apns, topic: %s, team_id: %s, key_id: %s,\n'
            '      key_file: AuthKey.p8, endpoint: "%s", ca_file: ca.pem,\n'
            '      localize: device, mutable_content: true }\n'
            % (PROJECT, endpoint, TOPIC, TEAM_ID, KEY_ID, endpoint))


class I18nMixin:
    RIG = None
    AWAY = 'hibernate'

    def setUp(self):
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.users = {'de': 'userde', 'pl': 'userpl', 'xx': 'userxx', 'pref': 'userpref',
                      'loc': 'userloc', 'iosloc': 'useriosloc', 'other': 'userother'}
        self.rig.register_many([(u, 'pw' + u) for u in self.users.values()] + [('va', 'pv')])
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.jva = self.rig.user_jid('va')
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='2s',
                         apps_yaml=self.fakes.apps_yaml(base) +
                         device_side_apps(self.fakes.endpoint), base_dir=base,
                         extra_yaml='agents: { virtual: [%s] }\ndefaults: { language: nl }\n'
                         % self.jva)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.va = self.rig.client('va', 'pv', resource='bot')
        self.comp = self.rig.component_jid

    def client(self, key):
        u = self.users[key]
        return self.rig.client(u, 'pw' + u, resource='phone')

    def register(self, key, lang, app='android'):
        c = self.client(key)
        r = c.iq(register_iq(self.comp, 'fcm-token-' + key + '-' + 'x' * 120, 'dev-' + key, lang,
                             app=app))
        node, secret = r.fields['node'], r.fields['secret']
        self.assertTrue(node and secret, r)
        [dev] = self.d.query('SELECT * FROM device WHERE user=?', (self.rig.user_jid(self.users[key]),))
        self.assertEqual(dev['language'], lang or '', 'the IQ xml:lang is the device language')
        c.command(self.comp, 'preferences', {'preview': '0'})
        return c, node, secret

    def pushes_for(self, key):
        token = 'fcm-token-' + key + '-' + 'x' * 120
        return [p['payload'] for p in self.fakes.fcm_pushes() if p['payload']['token'] == token]

    def wait_pushes(self, keys, count):
        return rig.wait_until(lambda: all(len(self.pushes_for(k)) >= count for k in keys), 30,
                              '%d push(es) each for %s' % (count, keys))

    def test_texts_follow_each_device_language_and_plural_rules(self):
        keys = ['de', 'pl', 'xx']
        for key in keys:
            c, node, secret = self.register(key, key)
            c.enable(self.comp, node, secret=secret, then=self.AWAY)
        for i, n in enumerate((1, 2, 5), 1):
            for key in keys:
                self.va.send_messages([dict(to=self.rig.user_jid(self.users[key]),
                                            body='secret text %d' % j) for j in range(n)])
            self.wait_pushes(keys, i)
        for key in keys:
            title, bodies = EXPECTED[key]
            got = [(m['notification']['title'], m['notification']['body'])
                   for m in self.pushes_for(key)]
            self.assertEqual(got, [(title, bodies[n]) for n in (1, 2, 5)], key)
            for m in self.pushes_for(key):
                self.assertEqual(m['data']['body'], m['notification']['body'])
                self.assertNotIn('secret text', str(m), 'previews are off')

    def test_preferences_language_for_a_device_without_one(self):
        # Both servers stamp their stream language (xml:lang='en') on every IQ they
        # route, so a registration command always names a language; a device created
        # without a command (an fpush node, here inserted directly) has none and follows
        # the `language` field of the user's preferences form.
        c = self.client('pref')
        c.command(self.comp, 'preferences', {'language': 'pl', 'preview': '0'})
        [p] = self.d.query('SELECT language FROM preferences WHERE user=?',
                           (self.rig.user_jid('userpref'),))
        self.assertEqual(p['language'], 'pl')
        self.d.add_device(self.rig.user_jid('userpref'), node='node-pref', secret='sp',
                          resource='phone', app='android', platform='fcm',
                          token='fcm-token-pref-' + 'x' * 120)
        c.enable(self.comp, 'node-pref', secret='sp', then=self.AWAY)
        self.va.send_messages([dict(to=self.rig.user_jid('userpref'), body='a'),
                               dict(to=self.rig.user_jid('userpref'), body='b')])
        self.wait_pushes(['pref'], 1)
        [m] = self.pushes_for('pref')
        self.assertEqual(m['notification'], {'title': 'Wirtualny agent',
                                             'body': '2 nowe wiadomości'})


    def test_device_side_mode_sends_keys_and_args(self):
        c, node, secret = self.register('loc', 'de', app='android-loc')
        c.enable(self.comp, node, secret=secret, then=self.AWAY)
        ios = self.client('iosloc')
        apns_token = 'ab' * 32
        r = ios.iq(register_iq(self.comp, apns_token, 'dev-iosloc', 'de', app='ios-loc',
                               node='register-push-apns'))
        ios.command(self.comp, 'preferences', {'preview': '0'})
        ios.enable(self.comp, r.fields['node'], secret=r.fields['secret'], then=self.AWAY)
        for key in ('loc', 'iosloc'):
            self.va.send_messages([dict(to=self.rig.user_jid(self.users[key]), body='x'),
                                   dict(to=self.rig.user_jid(self.users[key]), body='y')])
        self.wait_pushes(['loc'], 1)
        [m] = self.pushes_for('loc')
        self.assertNotIn('notification', m, 'keys instead of text')
        an = m['android']['notification']
        self.assertEqual((an['title_loc_key'], an['body_loc_key'], an['body_loc_args']),
                         ('virtual_agent_title', 'new_messages_body', ['2']))
        self.assertEqual(m['data']['body_loc_args'], '["2"]')
        [a] = rig.wait_until(lambda: [p['payload'] for p in self.fakes.apns_pushes()
                                      if p['payload'].get('conversation') == self.jva], 30,
                             'the APNs push')
        self.assertEqual(a['aps']['alert'], {'title-loc-key': 'virtual_agent_title',
                                             'loc-key': 'new_messages_body', 'loc-args': ['2']})
        self.assertEqual(a['aps']['mutable-content'], 1)

    def test_test_push_reaches_own_device_only_and_is_rate_limited(self):
        c, node, _ = self.register('de', 'de')
        _, other_node, _ = self.register('other', 'pl')
        r = c.command(self.comp, 'test-push', {'device': other_node}, check=False)
        self.assertIn('item-not-found', r.result or '', r.stdout)
        r = c.command(self.comp, 'test-push', {'device': 'no-such-node'}, check=False)
        self.assertIn('item-not-found', r.result or '', r.stdout)
        for _ in range(3):
            c.command(self.comp, 'test-push', {'device': node})
        self.wait_pushes(['de'], 3)
        r = c.command(self.comp, 'test-push', {'device': node}, check=False)
        self.assertIn('resource-constraint', r.result or '', r.stdout)
        pushes = self.pushes_for('de')
        self.assertEqual(len(pushes), 3)
        self.assertEqual(pushes[0]['notification']['title'], 'Testbenachrichtigung')
        self.assertEqual(self.pushes_for('other'), [], "another user's device got nothing")


class EjabberdI18nTest(I18nMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyI18nTest(I18nMixin, unittest.TestCase):
    RIG = rig.ProsodyRig
    AWAY = 'close'  # every message to an offline session is published


if __name__ == '__main__':
    unittest.main()
