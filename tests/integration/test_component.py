# SPDX-License-Identifier: Apache-2.0
"""vapushd against a scripted server peer: handshake, disco, ping, XEP-0357 publish
answers (result / forbidden / item-not-found / bad-request / wait; lenient optional parts), reconnect, shutdown."""

import os
import sqlite3
import subprocess
import unittest

import rig
from fake_server import FakeServer, error_of, publish
from vapushd import VAPUSHD, Vapushd

NS = '{jabber:component:accept}'


class ComponentTest(unittest.TestCase):
    def setUp(self):
        self.server = FakeServer(secret='compsecret')
        self.addCleanup(self.server.close)
        # A short busy timeout, so that the locked-database test answers quickly.
        self.d = Vapushd('push.localhost', 'compsecret', self.server.port, busy_timeout='1s')
        self.addCleanup(self.d.kill)
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()
        self.d.add_device('usera@localhost', node='node-a', secret='s3cr3t', resource='phone')

    def test_disco_info_and_ping(self):
        reply = self.server.request("<iq type='get' from='usera@localhost/x' to='push.localhost' "
                                    "id='d1'><query xmlns='http://jabber.org/protocol/disco#info'"
                                    "/></iq>")
        self.assertEqual(reply.get('type'), 'result')
        q = reply.find('{http://jabber.org/protocol/disco#info}query')
        ids = [(i.get('category'), i.get('type')) for i in q.findall(
            '{http://jabber.org/protocol/disco#info}identity')]
        self.assertIn(('pubsub', 'push'), ids)
        features = {f.get('var') for f in q.findall(
            '{http://jabber.org/protocol/disco#info}feature')}
        for f in ('urn:xmpp:push:0', 'http://jabber.org/protocol/commands',
                  'http://jabber.org/protocol/disco#info', 'urn:xmpp:ping'):
            self.assertIn(f, features)
        ping = self.server.request("<iq type='get' from='localhost' to='push.localhost' id='p1'>"
                                   "<ping xmlns='urn:xmpp:ping'/></iq>")
        self.assertEqual(ping.get('type'), 'result')
        unknown = self.server.request("<iq type='get' from='localhost' to='push.localhost' "
                                      "id='u1'><query xmlns='jabber:iq:version'/></iq>")
        self.assertEqual(error_of(unknown), ('cancel', 'service-unavailable'))

    def test_publish_is_stored_then_acknowledged(self):
        reply = self.server.request(publish('pub1', 'node-a', 's3cr3t',
                                            sender='userb@localhost/laptop', body='Hello A'))
        self.assertEqual(reply.get('type'), 'result', rig.to_xml(reply))
        rows = self.d.query('SELECT * FROM unread_message')
        self.assertEqual(len(rows), 1, 'the row exists by the time the result is sent')
        self.assertEqual(rows[0]['user'], 'usera@localhost')
        self.assertEqual(rows[0]['conversation'], 'userb@localhost')
        self.assertEqual(rows[0]['sender'], 'userb@localhost/laptop')
        self.assertEqual(rows[0]['body'], 'Hello A')
        self.assertEqual(rows[0]['category'], 'chat')

    def test_publish_errors(self):
        wrong = self.server.request(publish('e1', 'node-a', 'not-the-secret'))
        self.assertEqual(error_of(wrong), ('auth', 'forbidden'))
        unknown = self.server.request(publish('e2', 'no-such-node', 's3cr3t'))
        self.assertEqual(error_of(unknown), ('cancel', 'item-not-found'))
        foreign = self.server.request(publish('e3', 'node-a', 's3cr3t', frm='evil.example'))
        self.assertEqual(error_of(foreign), ('cancel', 'item-not-found'))
        malformed = self.server.request(
            "<iq type='set' from='localhost' to='push.localhost' id='e4'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish>"
            "<item><wrong xmlns='urn:example'/></item></publish></pubsub></iq>")
        self.assertEqual(error_of(malformed), ('modify', 'bad-request'), 'no node at all')
        # Without a readable notification the publish is still the node's: a wake-up, kept.
        lenient = self.server.request(publish('e6', 'node-a', 's3cr3t').replace(
            "<notification xmlns='urn:xmpp:push:0'>", "<wrong xmlns='urn:example'>").replace(
            '</notification>', '</wrong>'))
        self.assertEqual(lenient.get('type'), 'result')
        self.assertEqual(self.d.query('SELECT count(*) AS n FROM unread_message')[0]['n'], 0)
        # The process is still serving.
        ok = self.server.request(publish('e5', 'node-a', 's3cr3t'))
        self.assertEqual(ok.get('type'), 'result')

    def test_storage_busy_answers_wait_and_recovers(self):
        blocker = sqlite3.connect(self.d.db_path, timeout=5, isolation_level=None)
        blocker.execute('BEGIN EXCLUSIVE')
        try:
            busy = self.server.request(publish('b1', 'node-a', 's3cr3t', body='during lock'),
                                       timeout=15)
            self.assertEqual(error_of(busy)[0], 'wait', rig.to_xml(busy))
        finally:
            blocker.execute('ROLLBACK')
            blocker.close()
        ok = self.server.request(publish('b2', 'node-a', 's3cr3t', body='after lock'))
        self.assertEqual(ok.get('type'), 'result')
        bodies = [r['body'] for r in self.d.query('SELECT body FROM unread_message')]
        self.assertEqual(bodies, ['after lock'])

    def test_reconnects_after_server_drop_and_sigterm_exits_zero(self):
        mark = self.d.log_mark()
        self.server.drop()
        self.assertTrue(self.server.accept(timeout=10))
        self.d.wait_connected(since=mark)
        reply = self.server.request(publish('r1', 'node-a', 's3cr3t'))
        self.assertEqual(reply.get('type'), 'result')
        self.assertEqual(self.d.stop(), 0)

    def test_refused_handshake_is_retried(self):
        mark = self.d.log_mark()
        self.server.drop()
        self.assertFalse(self.server.accept(accept_handshake=False))
        self.d.wait_log('handshake refused|stream error|connection lost', since=mark)
        self.assertTrue(self.server.accept(timeout=10))
        self.d.wait_connected(since=mark)

    def test_second_daemon_on_the_same_database_is_refused(self):
        second = subprocess.run([VAPUSHD, '--config', self.d.config_path], capture_output=True,
                                text=True, timeout=30)
        self.assertEqual(second.returncode, 1)
        self.assertIn('another vapushd is running on this database', self.d.log())
        self.assertTrue(self.d.running())
        reply = self.server.request(publish('l1', 'node-a', 's3cr3t'))
        self.assertEqual(reply.get('type'), 'result', 'the first one carries on')


class CheckConfigTest(unittest.TestCase):
    def run_check(self, text, secret=True):
        d = Vapushd('push.localhost', 'x', 1)
        if text is not None:
            with open(d.config_path, 'w') as f:
                f.write(text)
        else:
            os.unlink(d.config_path)
        return subprocess.run([VAPUSHD, '--check-config', '--config', d.config_path],
                              capture_output=True, text=True, timeout=10), d.config_path

    def test_valid(self):
        d = Vapushd('push.localhost', 'x', 1)
        p = subprocess.run([VAPUSHD, '--check-config', '--config', d.config_path],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_errors_exit_2_with_file_line_reason(self):
        cases = {
            'missing': (None, None, 'cannot open'),
            'bad yaml': ('component:\n  jid: [x\nlog: {}\n', 3, 'invalid YAML'),
            'unknown key': ('component:\n  jid: push.localhost\n  secret: s\n  colour: red\n', 4,
                            'unknown key'),
            'wrong type': ('component:\n  jid: push.localhost\n  secret: s\n  port: high\n', 4,
                           'component.port'),
        }
        for name, (text, line, reason) in cases.items():
            with self.subTest(name):
                p, path = self.run_check(text)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(path if line is None else '%s:%d:' % (path, line), p.stderr)
                self.assertIn(reason, p.stderr)


if __name__ == '__main__':
    unittest.main()
