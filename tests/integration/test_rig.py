# SPDX-License-Identifier: Apache-2.0
"""Proof that the rig (private ejabberd/Prosody), vapush-testclient and MiniComponent work."""

import threading
import time
import unittest

import rig
from rig import EjabberdRig, ProsodyRig, wait_until

NS_COMMANDS = 'http://jabber.org/protocol/commands'


class _ServerCases:
    """Cases run against both servers (subclasses set RIG)."""

    RIG = None

    def setUp(self):
        self.t0 = time.monotonic()
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register('alice', 'pass-a')
        self.rig.register('bob', 'pass-b')
        self.alice_jid = self.rig.user_jid('alice')

    def tearDown(self):
        print('  [%s %s: %.2fs, server start %.2fs]' % (
            self.rig.kind, self._testMethodName, time.monotonic() - self.t0,
            self.rig.start_seconds or 0), flush=True)

    def assertHasSession(self, full_jid):
        wait_until(lambda: full_jid in self.rig.sessions(), 5, 'session %s' % full_jid)

    def test_hibernated_session_survives_message(self):
        a = self.rig.client('alice', 'pass-a', resource='phone')
        r = a.run('online', sm=True, stay_online=0, then='hibernate')
        self.assertIn('HIBERNATED', r.lines)
        self.assertTrue(r.sm_id, r.stdout)
        self.assertEqual(r.jid, self.alice_jid + '/phone')
        r = self.rig.client('bob', 'pass-b').send(self.alice_jid, 'hello while you sleep')
        self.assertEqual(r.result, 'ok sent=1')
        self.assertHasSession(self.alice_jid + '/phone')
        if isinstance(self.rig, ProsodyRig):
            row = [s for s in self.rig.session_table() if s['jid'] == self.alice_jid + '/phone']
            self.assertEqual(row[0]['sm'], 'hibernating')
            self.rig.wait_for_log(r'hibernating since .*stanza queued', 5)

    def test_push_reaches_component(self):
        comp = self.rig.component()
        self.addCleanup(comp.close)
        a = self.rig.client('alice', 'pass-a', resource='phone')
        r = a.enable(self.rig.component_jid, 'node-A', secret='s3cr3t',
                     options={'pushModule': 'org.example.app'}, then='hibernate')
        self.assertEqual(r.result, 'ok')
        self.rig.client('bob', 'pass-b').send(self.alice_jid, 'Hello A, from B <&>')
        push = comp.wait_push(node='node-A', body='Hello A, from B <&>', timeout=10)
        self.assertTrue(push.is_summary, push.xml)
        self.assertEqual(push.secret, 's3cr3t')
        self.assertEqual(push.options.get('pushModule'), 'org.example.app')
        self.assertTrue(push.last_sender.startswith('bob@%s/' % self.rig.domain), push.xml)
        self.assertEqual(push.sender, self.rig.domain)
        # no content-less push before it: the client acked everything before hibernating
        self.assertEqual(len(comp.pushes()), 1, comp.dump())
        # XEP-0356: the component learnt about alice's resource through presence
        self.assertTrue(any(p.get('from') == self.alice_jid + '/phone' for p in comp.presences()))

    def test_restart_keeps_accounts_and_ports(self):
        ports = (self.rig.c2s_port, self.rig.component_port)
        self.rig.restart()
        self.assertEqual(ports, (self.rig.c2s_port, self.rig.component_port))
        r = self.rig.client('alice', 'pass-a').run('online', stay_online=0)
        self.assertEqual(r.result, 'ok')
        bad = self.rig.client('alice', 'wrong').run('online', stay_online=0, check=False)
        self.assertEqual(bad.rc, 1, bad.stdout)

    def test_presence_sequence_is_forwarded(self):
        comp = self.rig.component()
        self.addCleanup(comp.close)
        c = self.rig.client('bob', 'pass-b', resource='tablet')
        r = c.presence(['available', 'away', 'xa', 'dnd', 'unavailable'])
        self.assertEqual(r.result, 'ok presences=5')
        full = self.rig.user_jid('bob') + '/tablet'

        def shows():
            return [(p.get('type'), p.findtext('{jabber:component:accept}show'))
                    for p in comp.presences() if p.get('from') == full]
        seq = wait_until(lambda: len(shows()) >= 5 and shows(), 5, 'forwarded presences')
        self.assertEqual(seq[:5], [(None, None), (None, 'away'), (None, 'xa'), (None, 'dnd'),
                                   ('unavailable', None)])


class EjabberdRigTest(_ServerCases, unittest.TestCase):
    RIG = EjabberdRig

    def test_ctl(self):
        users = self.rig.ctl('registered_users', self.rig.domain).stdout.split()
        self.assertEqual(sorted(users), ['alice', 'bob'])


class ProsodyRigTest(_ServerCases, unittest.TestCase):
    RIG = ProsodyRig

    def test_stay_online_receives_while_other_resource_hibernates(self):
        a = self.rig.client('alice', 'pass-a')
        desk = a.online(resource='desktop', stay_online=30)
        self.addCleanup(desk.stop)
        a.run('online', resource='phone', sm=True, stay_online=0, then='hibernate')
        self.rig.client('bob', 'pass-b').send(self.alice_jid, 'to the desktop', id='m1')
        line = desk.wait_line(r'^RECV <message.*to the desktop', timeout=5)
        self.assertIn('id="m1"', line)
        res = desk.stop()
        self.assertEqual(res.rc, 0, res.stdout)
        self.assertIn('CLOSED', res.lines)

    def test_adhoc_command_disco_and_raw_iq(self):
        comp = self.rig.component()
        self.addCleanup(comp.close)
        cj = self.rig.component_jid

        def handler(iq):
            cmd = iq.find('{%s}command' % NS_COMMANDS)
            attrs = "type='result' to='%s' from='%s' id='%s'" % (iq.get('from'), cj, iq.get('id'))
            if cmd is None:
                if iq.find('{http://jabber.org/protocol/disco#info}query') is not None:
                    return ("<iq %s><query xmlns='http://jabber.org/protocol/disco#info'>"
                            "<identity category='component' type='generic' name='vapush'/>"
                            "<feature var='%s'/></query></iq>" % (attrs, NS_COMMANDS))
                return None
            form = cmd.find('{jabber:x:data}x')
            if form is None:  # first stage: return the form
                return ("<iq %s><command xmlns='%s' node='%s' sessionid='S1' status='executing'>"
                        "<actions execute='complete'><complete/></actions>"
                        "<x xmlns='jabber:x:data' type='form'>"
                        "<field var='FORM_TYPE' type='hidden'><value>urn:example</value></field>"
                        "<field var='token' type='text-single'/>"
                        "<field var='device-id' type='text-single'/></x></command></iq>"
                        % (attrs, NS_COMMANDS, cmd.get('node')))
            got = rig.form_values(form)
            return ("<iq %s><command xmlns='%s' node='%s' sessionid='%s' status='completed'>"
                    "<x xmlns='jabber:x:data' type='result'>"
                    "<field var='jid'><value>%s</value></field>"
                    "<field var='node'><value>%s-%s</value></field>"
                    "<field var='secret'><value>%s|%s</value></field></x></command></iq>"
                    % (attrs, NS_COMMANDS, cmd.get('node'), cmd.get('sessionid'), cj,
                       got.get('token'), got.get('device-id'), got.get('FORM_TYPE'),
                       cmd.get('action')))
        comp.iq_handler = handler
        c = self.rig.client('alice', 'pass-a')
        r = c.command(cj, 'register-push-fcm', {'token': 'abc', 'device-id': 'xyz'})
        self.assertEqual(r.result, 'ok status=completed', r.stdout)
        self.assertEqual(r.fields, {'jid': cj, 'node': 'abc-xyz', 'secret': 'urn:example|complete'})
        r = c.disco_info(cj)
        self.assertIn('FEATURE %s' % NS_COMMANDS, r.lines)
        self.assertIn('IDENTITY category=component type=generic name=vapush', r.lines)
        # raw IQ; the component answers anything else with service-unavailable
        r = c.iq("<iq type='get' to='%s'><query xmlns='jabber:iq:version'/></iq>" % cj, check=False)
        self.assertEqual((r.rc, r.result), (3, 'error service-unavailable'), r.stdout)
        r = c.iq("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>")
        self.assertEqual(r.result, 'ok')

    def test_forward_rules(self):
        fw = ProsodyRig(forward=True)
        self.addCleanup(fw.cleanup)
        fw.start()
        fw.register('carol', 'pc')
        fw.register('dave', 'pd')
        comp = fw.component()
        self.addCleanup(comp.close)
        carol, dave = fw.user_jid('carol'), fw.user_jid('dave')
        fw.client('dave', 'pd').send_messages([
            dict(to=carol, body='hi carol', id='d1', markable=True, request_receipt=True)])
        fw.client('carol', 'pc').send_messages([
            dict(to=dave, received='d1', id='c1'),
            dict(to=dave, displayed='d1', id='c2'),
            dict(to=dave, body='hi dave', id='c3')])

        def ids():
            return sorted((m.get('id'), m.get('from', '').split('/')[0], m.get('to'))
                          for m in comp.forwarded())
        # one copy per message: local->local messages are forwarded by the sender-side
        # (preroute) rule only; the deliver rule is for messages from other servers
        expected = sorted([('d1', dave, carol), ('c1', carol, dave), ('c2', carol, dave),
                           ('c3', carol, dave)])
        got = wait_until(lambda: len(ids()) >= len(expected) and ids(), 5, 'forwarded copies')
        fw.client('dave', 'pd').run('online', stay_online=0)  # a round-trip: nothing else comes
        self.assertEqual(ids(), expected, comp.dump())
        inner = {m.get('id'): m for m in comp.forwarded()}
        self.assertEqual(inner['d1'].findtext('{jabber:client}body'), 'hi carol')
        self.assertIsNotNone(inner['c2'].find('{urn:xmpp:chat-markers:0}displayed'))
        self.assertIsNotNone(inner['c1'].find('{urn:xmpp:receipts}received'))
        self.assertNotIn('Traceback', fw.log_text())


class ParallelRigTest(unittest.TestCase):
    def test_servers_start_in_parallel(self):
        rigs = [EjabberdRig(), EjabberdRig(), ProsodyRig(), ProsodyRig()]
        for r in rigs:
            self.addCleanup(r.cleanup)
        errors = []

        def start(r):
            try:
                r.start()
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=start, args=(r,)) for r in rigs]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        print('  [4 servers started in parallel in %.2fs]' % (time.monotonic() - t0), flush=True)
        ports = [p for r in rigs for p in (r.c2s_port, r.component_port)]
        self.assertEqual(len(ports), len(set(ports)))
        self.assertTrue(all(r.running for r in rigs))


if __name__ == '__main__':
    unittest.main()
