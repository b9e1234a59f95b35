# SPDX-License-Identifier: Apache-2.0
"""Shared fixture of the real-client replay tests (test_real_clients*.py): one server and
one APNs/FCM fake per test class, a vapushd per test with the apps that test needs, and
the stanzas exactly as the clients send them (../../shared/reference/clients.md,
docs/registration.md "What each client sends and gets")."""

import itertools
import os
import tempfile
import xml.etree.ElementTree as ET

import rig
from push_fake import KEY_ID, PROJECT, TEAM_ID, TOPIC, PushFakes
from vapushd import Vapushd

NS_CLIENT = '{jabber:client}'
NS_COMMANDS = '{http://jabber.org/protocol/commands}'
NS_DATA = '{jabber:x:data}'
_ids = itertools.count(1)


def apns_app(fakes, name, style=None, modules=(), sandbox=False):
    return ('  - { name: %s, platform: apns, topic: %s, team_id: %s, key_id: %s,\n'
            '      key_file: AuthKey.p8, endpoint: "%s", ca_file: ca.pem%s%s%s }\n'
            % (name, TOPIC, TEAM_ID, KEY_ID, fakes.endpoint,
               ', push_style: %s' % style if style else '',
               ', push_modules: [%s]' % ', '.join(modules) if modules else '',
               ', sandbox: true' if sandbox else ''))


def fcm_app(fakes, name, style=None):
    return ('  - { name: %s, platform: fcm, project_id: %s, service_account_file: '
            'service-account.json,\n      endpoint: "%s", ca_file: ca.pem%s }\n'
            % (name, PROJECT, fakes.endpoint, ', push_style: %s' % style if style else ''))


def field(var, *values):
    return '<field var="%s">%s</field>' % (var, ''.join('<value>%s</value>' % v for v in values))


def submit(*fields):
    return '<x xmlns="jabber:x:data" type="submit">%s</x>' % ''.join(fields)


def command_iq(to, node, form, action='execute', iq_id=None):
    """A XEP-0050 request as a client builds it; action=None leaves the attribute out."""
    act = ' action="%s"' % action if action else ''
    return ('<iq type="set" id="%s" to="%s"><command xmlns="http://jabber.org/protocol/commands"'
            ' node="%s"%s>%s</command></iq>' % (iq_id or 'rc%d' % next(_ids), to, node, act, form))


def enable_iq(push_jid, node, **options):
    form = ''
    if options:
        form = submit(field('FORM_TYPE', 'http://jabber.org/protocol/pubsub#publish-options'),
                      *[field(k, v) for k, v in options.items()])
    return ('<iq type="set" id="en%d"><enable xmlns="urn:xmpp:push:0" jid="%s" node="%s">%s'
            '</enable></iq>' % (next(_ids), push_jid, node, form))


def reply_of(result, iq_id):
    """The <iq/> answering `iq_id` in a client run's received stanzas."""
    for el in result.recv_elements():
        if el.tag in ('iq', NS_CLIENT + 'iq') and el.get('id') == iq_id:
            return el
    raise AssertionError('no reply to %s in:\n%s' % (iq_id, result.stdout))


def form_of(command):
    x = command.find(NS_DATA + 'x')
    if x is None:
        return None
    return {f.get('var'): f.findtext(NS_DATA + 'value') or '' for f in x.iter(NS_DATA + 'field')}


class RealClientsBase:
    """Mixin: RIG is the server class. Users get fresh names per test."""
    RIG = None

    @classmethod
    def setUpClass(cls):
        cls.fakes = PushFakes()
        cls.fakes.start()
        cls.rig = cls.RIG()
        try:
            cls.rig.start()
        except BaseException:
            cls.rig.cleanup()
            cls.fakes.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.rig.cleanup()
        cls.fakes.cleanup()

    def start_vapushd(self, apps):
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.fakes.apps_yaml(base)  # copies the fakes' credentials next to the config
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='1s',
                         base_dir=base, apps_yaml='apps:\n' + ''.join(apps))
        self.addCleanup(self.d.kill)
        self.fake_mark = len(self.fakes.requests())  # earlier tests' pushes are not ours
        self.d.start()
        self.d.wait_connected()
        self.comp = self.rig.component_jid
        n = next(_ids)
        self.rig.register_many([('ua%d' % n, 'pa'), ('ub%d' % n, 'pb')])
        self.a = self.rig.client('ua%d' % n, 'pa', resource='phone')
        self.b = self.rig.client('ub%d' % n, 'pb', resource='laptop')
        self.ja = self.rig.user_jid('ua%d' % n)
        self.jb, self.nb = self.rig.user_jid('ub%d' % n), 'ub%d' % n

    def run_command(self, xml, **kw):
        """Sends a raw command IQ; returns the <command/> of the reply (must be a result)."""
        iq_id = ET.fromstring(xml).get('id')
        r = self.a.iq(xml, check=False, **kw)
        reply = reply_of(r, iq_id)
        self.assertEqual(reply.get('type'), 'result', r.stdout)
        return reply.find(NS_COMMANDS + 'command')

    def away_and_message(self, enable_xml, body):
        """Enables push as the client does, goes away (hibernates), gets a message from B."""
        r = self.a.iq(enable_xml, then='hibernate', check=False)
        self.assertIn('RESULT ok', r.stdout, r.stdout)
        self.b.send(self.ja, body=body)

    def wait_push(self, kind, token, timeout=30):
        """The first accepted push at the fake for `token` (kind 'apns' or 'fcm')."""
        def found():
            for p in self.fakes.requests()[self.fake_mark:]:
                if p.get('kind') != kind or not p.get('accepted'):
                    continue
                if (p.get('token') or p.get('path', '').rsplit('/', 1)[-1]) == token:
                    return p
            return None
        return rig.wait_until(found, timeout, '%s push to %s...' % (kind, token[:12]))
