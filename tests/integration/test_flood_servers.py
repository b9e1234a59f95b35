# SPDX-License-Identifier: Apache-2.0
"""One user floods the component's JID with oversized messages, through a private ejabberd
and a private Prosody: each message is over vapushd's limits.max_stanza_bytes by more than
100 KB (and under the servers' own 256 KiB client limit). vapushd skips them one by one,
counts them, keeps the component link up, and another user's push still arrives."""

import re
import unittest
import urllib.request

import rig
from vapushd import Vapushd

LIMIT = 16384
BODY = 'x' * (LIMIT + 110_000)  # one command-line argument must stay under 128 KiB
FLOOD = 5


class FloodMixin:
    RIG = None

    def setUp(self):
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'pa'), ('userb', 'pb'), ('userm', 'pm')])
        self.http_port = rig.free_port()
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain],
                         http_listen='127.0.0.1:%d' % self.http_port, log_level='info',
                         extra_yaml='limits: { max_stanza_bytes: %d }\n' % LIMIT)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()

    def dropped(self):
        with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % self.http_port,
                                    timeout=5) as r:
            m = re.search(r'^vapush_stanzas_dropped_total\{reason="too_large"\} (\S+)$',
                          r.read().decode(), re.M)
        return float(m.group(1)) if m else 0.0

    def test_flood_of_oversized_messages_keeps_the_link_and_pushes_arrive(self):
        user_a = self.rig.user_jid('usera')
        self.d.add_device(user_a, node='node-a', secret='s3cr3t', resource='phone')
        a = self.rig.client('usera', 'pa', resource='phone')
        a.enable(self.rig.component_jid, 'node-a', secret='s3cr3t', then='hibernate')
        mark = self.d.log_mark()
        flooder = self.rig.client('userm', 'pm', resource='flood')
        flooder.send_messages([dict(to=self.rig.component_jid, body=BODY, id='big%d' % i)
                               for i in range(FLOOD)], timeout=60)
        self.d.wait_log(r'event=xmpp\.stanza_too_large', since=mark, timeout=30)
        # The server forwards in order: once B's publish is stored, the flood has been read.
        self.rig.client('userb', 'pb', resource='laptop').send(user_a, body='still pushed')
        rows = self.d.wait_rows('SELECT body FROM unread_message WHERE user=?', (user_a,),
                                timeout=20)
        self.assertEqual(rows[0]['body'], 'still pushed')
        with open(self.d.log_path, errors='replace') as f:
            f.seek(mark)
            log = f.read()
        self.assertNotIn('xmpp.disconnected', log)
        self.assertNotIn('xmpp.connected', log, 'the link never went down')
        self.assertNotIn('publish.refused', log)
        self.assertNotIn('xxxxxxxxxx', log, 'no body content in the log')
        self.assertEqual(len(re.findall(r'event=xmpp\.stanza_too_large element=message', log)),
                         FLOOD)
        self.assertEqual(self.dropped(), FLOOD)
        print('\n%s: %d messages of %d bytes skipped, link up, push stored'
              % (self.rig.kind, FLOOD, len(BODY)))


class EjabberdFloodTest(FloodMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyFloodTest(FloodMixin, unittest.TestCase):
    RIG = rig.ProsodyRig


if __name__ == '__main__':
    unittest.main()
