# SPDX-License-Identifier: Apache-2.0
"""Lenient intake over XEP-0114, with a scripted server peer and the local APNs fake: a
publish with garbage optional fields is accepted, counted and pushed; the answers of
docs/registration.md ("Every answer to a publish") that a server can provoke, row by row."""

import re
import tempfile
import unittest
import urllib.request

import rig
from fake_server import FakeServer, error_of, publish
from push_fake import PushFakes
from vapushd import Vapushd

APNS_TOKEN = 'ab' * 32
FPUSH_TOKEN = 'cd' * 32

GARBAGE = ("<iq type='set' from='localhost' to='push.localhost' id='{id}'>"
           "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='na'><item>"
           "<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='bogus'>"
           "<field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>"
           "<field var='message-count'><value>99999999999999999999</value></field>"
           "<field><value>a field without var</value></field>"
           "<field var='last-message-sender'><value>userb@localhost/laptop</value></field>"
           "<field var='last-message-body'><value>{body}</value></field>"
           "</x></notification></item></publish>"
           "<publish-options><x xmlns='jabber:x:data' type='submit'>"
           "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options"
           "</value></field>{options}<field><value>option without var</value></field>"
           "<field var='secret'><value>sa</value></field></x></publish-options></pubsub></iq>")

FPUSH = ("<iq type='set' from='{frm}' to='push.localhost' id='{id}'>"
         "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='{node}'><item>"
         "<notification xmlns='urn:xmpp:push:0'/></item></publish>"
         "<publish-options><x xmlns='jabber:x:data' type='submit'>"
         "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options"
         "</value></field><field var='pushModule'><value>{module}</value></field>"
         "</x></publish-options></pubsub></iq>")


def fpush(id, node, frm='localhost', module='exampleProdiOS'):
    return FPUSH.format(id=id, node=node, frm=frm, module=module)


class LenientPublishTest(unittest.TestCase):
    def setUp(self):
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.server = FakeServer(secret='comp')
        self.addCleanup(self.server.close)
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.http_port = rig.free_port()
        self.d = Vapushd('push.localhost', 'comp', self.server.port, interval='1s',
                         domains=('localhost', 'example.net'), base_dir=base,
                         apps_yaml=self.fakes.apps_yaml(base), http_listen='127.0.0.1:%d' % self.http_port)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()
        self.d.add_device('usera@localhost', node='na', secret='sa', token=APNS_TOKEN)

    def metric(self, name, labels):
        with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % self.http_port,
                                    timeout=5) as r:
            text = r.read().decode()
        m = re.search(r'^%s\{%s\} (\S+)$' % (re.escape(name), re.escape(labels)), text, re.M)
        return float(m.group(1)) if m else 0.0

    def test_publish_with_garbage_optional_fields_is_accepted_and_pushed(self):
        mark = self.d.log_mark()
        options = ''.join("<field var='o%d'><value>v</value></field>" % i for i in range(40))
        reply = self.server.request(GARBAGE.format(id='g1', body='garbage around me',
                                                   options=options))
        self.assertEqual(reply.get('type'), 'result', reply)
        push = rig.wait_until(lambda: self.fakes.apns_pushes(), 20, 'a push at the APNs fake')[0]
        self.assertTrue(push['path'].endswith(APNS_TOKEN))
        self.assertEqual(push['payload']['aps']['alert']['body'], 'garbage around me')
        self.d.wait_log(r'event=publish\.parts_dropped ', since=mark)
        for part, n in (('summary-field', 1), ('message-count', 1), ('options-field', 1),
                        ('options-excess', 8)):
            self.assertEqual(self.metric('vapush_publish_parts_dropped_total',
                                         'part="%s"' % part), n, part)
        with open(self.d.log_path, errors='replace') as f:
            f.seek(mark)
            log = f.read()
        self.assertNotIn('publish.refused', log)
        line = re.search(r'.*event=publish\.parts_dropped .*', log).group(0)
        for part in ('summary-field', 'message-count', 'options-field', 'options-excess'):
            self.assertIn(part, line)
        self.assertNotIn('without var', line, 'names of parts only, never contents')

    def test_every_answer_a_server_can_provoke(self):
        self.d.add_device('usera@localhost', node='ndead', secret='', token='ef' * 32)
        self.d.query('UPDATE device SET enabled=0 WHERE node=?', ('ndead',))
        self.d.add_device('userz@other.example', node='nz', secret='sz', token='12' * 32)
        no_node = publish('x', '', 'sa').replace(" node=''", '')
        rows = [
            ('accepted', publish('r1', 'na', 'sa'), None),
            ('no node', no_node.replace("id='x'", "id='r2'"), ('modify', 'bad-request')),
            ('node too long', publish('r3', 'n' * 1025, 'sa'), ('cancel', 'item-not-found')),
            ('from a user', publish('r4', 'na', 'sa', frm='usera@localhost'),
             ('cancel', 'item-not-found')),
            ('unknown node', publish('r5', 'nobody', 'sa'), ('cancel', 'item-not-found')),
            ("another server's node", publish('r6', 'nz', 'sz'), ('cancel', 'item-not-found')),
            ('disabled device', publish('r7', 'ndead', ''), ('cancel', 'item-not-found')),
            ('wrong secret', publish('r8', 'na', 'guess'), ('auth', 'forbidden')),
            ('unknown pushModule', fpush('r9', FPUSH_TOKEN, module='nope'),
             ('cancel', 'item-not-found')),
            ('fpush from a domain not served', fpush('r10', FPUSH_TOKEN, frm='other.example'),
             ('cancel', 'item-not-found')),
            ('fpush node not a token', fpush('r11', 'not-a-token'), ('cancel', 'item-not-found')),
            ('fpush new token', fpush('r12', FPUSH_TOKEN), None),
            ('fpush token of another served domain', fpush('r14', FPUSH_TOKEN, frm='example.net'),
             ('wait', 'conflict')),
            ('two payloads', publish('r13', 'na', 'sa').replace(
                '</pubsub>', "</pubsub><ping xmlns='urn:xmpp:ping'/>"), ('modify', 'bad-request')),
        ]
        for name, xml, expected in rows:
            with self.subTest(name):
                self.assertEqual(error_of(self.server.request(xml)), expected)
        owners = self.d.query('SELECT user, enabled FROM device WHERE node=?', (FPUSH_TOKEN,))
        self.assertEqual(len(owners), 1)
        self.assertTrue(owners[0]['user'].endswith('@localhost'), 'not taken over')
        self.assertEqual(owners[0]['enabled'], 1)


if __name__ == '__main__':
    unittest.main()
