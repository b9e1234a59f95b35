# SPDX-License-Identifier: Apache-2.0
"""Localized pushes with real servers (issue 18): devices register over XEP-0050 with the
IQ's xml:lang ('de', 'pl', and an unknown 'xx'), previews are off, and the Virtual Agent
sends 1, then 2, then 5 messages. Each push captured at the FCM fake carries the Virtual
Agent title and the "N new messages" body in the device's language with the plural form
ICU picks for N; the unknown language gets the configured default (defaults.language:
nl, so the fallback is not just built-in English). A user without xml:lang who sets the
`language` field of the preferences form gets that language on a device registered
without one."""

import tempfile
import unittest
from xml.sax.saxutils import quoteattr

import rig
from push_fake import PushFakes
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


def register_iq(comp, token, device_id, lang):
    """A p2 register-push-fcm in one go, with xml:lang on the IQ (no `language` field)."""
    fields = ''.join("<field var=%s><value>%s</value></field>" % (quoteattr(k), v)
                     for k, v in (('token', token), ('device-id', device_id)))
    lang_attr = " xml:lang='%s'" % lang if lang else ''
    return ("<iq type='set' to='%s'%s><command xmlns='%s' node='register-push-fcm' "
            "action='execute'><x xmlns='jabber:x:data' type='submit'>%s</x></command></iq>"
            % (comp, lang_attr, NS_COMMANDS, fields))


class I18nMixin:
    RIG = None
    AWAY = 'hibernate'

    def setUp(self):
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.users = {'de': 'userde', 'pl': 'userpl', 'xx': 'userxx', 'pref': 'userpref'}
        self.rig.register_many([(u, 'pw' + u) for u in self.users.values()] + [('va', 'pv')])
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.jva = self.rig.user_jid('va')
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='2s',
                         apps_yaml=self.fakes.apps_yaml(base), base_dir=base,
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

    def register(self, key, lang):
        c = self.client(key)
        r = c.iq(register_iq(self.comp, 'fcm-token-' + key + '-' + 'x' * 120, 'dev-' + key, lang))
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


class EjabberdI18nTest(I18nMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyI18nTest(I18nMixin, unittest.TestCase):
    RIG = rig.ProsodyRig
    AWAY = 'close'  # every message to an offline session is published


if __name__ == '__main__':
    unittest.main()
