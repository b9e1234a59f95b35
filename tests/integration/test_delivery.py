# SPDX-License-Identifier: Apache-2.0
"""Delivery through the local APNs/FCM fake, driven by vapushd with a scripted server peer:
exact headers and payload, badge and thread-id, JWT reuse, 410 -> device disabled and the
next publish item-not-found, 429 + Retry-After, 503 then success, GOAWAY, FCM OAuth token
cache and refresh, FCM UNREGISTERED, a refused OAuth2 assertion (the app is held), a
restart during backoff, TLS that fails closed."""

import json
import os
import subprocess
import tempfile
import time
import unittest

import rig
from fake_server import FakeServer, error_of, publish
from push_fake import KEY_ID, TEAM_ID, TOPIC, PushFakes
from vapushd import Vapushd

APNS_TOKEN = 'ab' * 32
FCM_TOKEN = 'fcm:' + 'Q1w2E3r4T5' * 12


class DeliveryBase(unittest.TestCase):
    FAKE_KW = {}

    def setUp(self):
        self.fakes = PushFakes(**self.FAKE_KW)
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.server = FakeServer(secret='comp')
        self.addCleanup(self.server.close)
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.d = Vapushd('push.localhost', 'comp', self.server.port, interval='1s',
                         base_dir=base, apps_yaml=self.fakes.apps_yaml(base),
                         extra_yaml='agents: { virtual: [va@localhost] }\n')
        self.addCleanup(self.d.kill)
        self.start_vapushd()
        self.d.add_device('usera@localhost', node='na', secret='sa', app='ios',
                          platform='apns', token=APNS_TOKEN)
        self.d.add_device('usera@localhost', node='nf', secret='sf', app='android',
                          platform='fcm', token=FCM_TOKEN)
        self.n = 0

    def start_vapushd(self):
        self.d.start()
        self.assertTrue(self.server.accept())
        self.d.wait_connected()

    def publish(self, node, secret, body, sender='userb@localhost/laptop'):
        self.n += 1
        return self.server.request(publish('p%d' % self.n, node, secret, sender=sender,
                                           body=body))

    def rows(self, device_node):
        return self.d.query('SELECT n.* FROM sys_cs_message_notification n JOIN device d '
                            'ON d.id = n.device WHERE d.node = ? ORDER BY message_time',
                            (device_node,))

    def wait_states(self, node, states, timeout=20):
        return rig.wait_until(lambda: (lambda r: r if [x['state'] for x in r] == states
                                       else None)(self.rows(node)), timeout,
                              'rows of %s in states %s' % (node, states))


class ApnsDeliveryTest(DeliveryBase):
    def test_alert_push_has_exact_headers_and_payload(self):
        for body in ('one', 'two', 'three'):
            self.assertEqual(self.publish('na', 'sa', body).get('type'), 'result')
        self.publish('na', 'sa', 'from the agent', sender='va@localhost/bot')
        self.wait_states('na', ['sent'] * 4)
        pushes = self.fakes.apns_pushes()
        self.assertEqual(len(pushes), 2, 'one push per conversation')
        chat = [p for p in pushes if p['payload']['conversation'] == 'userb@localhost'][0]
        h = chat['headers']
        self.assertEqual(h['apns-topic'], TOPIC)
        self.assertEqual(h['apns-push-type'], 'alert')
        self.assertEqual(h['apns-priority'], '10')
        self.assertEqual(h['apns-collapse-id'], 'userb@localhost')
        self.assertGreater(int(h['apns-expiration']), time.time())
        self.assertEqual(chat['jwt']['iss'], TEAM_ID)
        aps = chat['payload']['aps']
        self.assertEqual(aps['alert'], {'title': 'userb', 'body': 'three'})
        self.assertEqual(aps['badge'], 4)
        self.assertEqual(aps['thread-id'], 'userb@localhost')
        self.assertEqual(chat['payload']['unread'], 3)
        self.assertEqual(chat['payload']['category'], 'chat')
        rows = self.rows('na')
        push_id = [r for r in rows if r['conversation'] == 'userb@localhost'][0]['push_id']
        self.assertEqual(chat['payload']['notification_id'], push_id)
        self.assertEqual(h['apns-id'].replace('-', ''), push_id, 'apns-id derived from the push')
        self.assertTrue(all(r['provider_id'] for r in rows))
        va = [p for p in pushes if p['payload']['category'] == 'virtual_agent'][0]
        self.assertEqual(va['payload']['aps']['alert']['title'], 'Virtual Agent')
        # The provider token is reused (one JWT for both pushes).
        self.assertEqual(len({p['jwt']['iat'] for p in pushes}), 1)

    def test_long_body_is_truncated_on_utf8_boundary(self):
        self.publish('na', 'sa', '\u00e9\u20ac\U0001F600' * 600)  # ~5400 bytes of UTF-8
        self.wait_states('na', ['sent'])
        [p] = self.fakes.apns_pushes()
        body = p['payload']['aps']['alert']['body']
        self.assertTrue(body.endswith('\u2026'))
        self.assertLess(len(body.encode()), 4096)

    def test_410_disables_device_and_next_publish_is_item_not_found(self):
        self.fakes.set_fault(APNS_TOKEN, status=410, reason='Unregistered')
        self.publish('na', 'sa', 'to a dead phone')
        self.wait_states('na', ['failed'])
        self.assertEqual(self.rows('na')[0]['last_error'], 'Unregistered')
        dev = self.d.query("SELECT enabled FROM device WHERE node='na'")[0]
        self.assertEqual(dev['enabled'], 0)
        self.assertEqual(error_of(self.publish('na', 'sa', 'again')), ('cancel', 'item-not-found'))

    def test_429_retry_after_is_honoured(self):
        self.fakes.set_fault(APNS_TOKEN, status=429, retry_after=3, count=1)
        self.publish('na', 'sa', 'busy')
        rows = self.wait_states('na', ['sent'], timeout=30)
        reqs = [r for r in self.fakes.requests() if r.get('kind') == 'apns']
        self.assertEqual(len(reqs), 2)
        self.assertGreaterEqual(reqs[1]['t'] - reqs[0]['t'], 3000, 'not before Retry-After')
        self.assertEqual(rows[0]['attempts'], 2)

    def test_503_for_a_while_then_delivered_once(self):
        self.fakes.set_fault(APNS_TOKEN, status=503, count=2)
        self.publish('na', 'sa', 'outage')
        self.wait_states('na', ['sent'], timeout=30)
        self.assertEqual(len(self.fakes.apns_pushes()), 1, 'delivered once')
        self.assertEqual(self.rows('na')[0]['attempts'], 3)

    def test_goaway_is_retried_on_a_new_connection(self):
        self.fakes.set_fault(APNS_TOKEN, goaway=True, count=1)
        self.publish('na', 'sa', 'goaway')
        self.wait_states('na', ['sent'])
        self.assertEqual(self.rows('na')[0]['attempts'], 1, 'retried inside one attempt')

    def test_restart_during_backoff_still_delivers(self):
        self.fakes.set_fault(APNS_TOKEN, status=503, count=1, retry_after=2)
        self.publish('na', 'sa', 'survive a restart')
        rig.wait_until(lambda: self.rows('na') and self.rows('na')[0]['attempts'] == 1, 20,
                       'first attempt failed')
        self.assertEqual(self.d.stop(), 0)
        self.start_vapushd()
        self.wait_states('na', ['sent'], timeout=30)
        self.assertEqual(len(self.fakes.apns_pushes()), 1)


class FcmDeliveryTest(DeliveryBase):
    FAKE_KW = {'token_expires_in': 70}   # vapush refreshes a minute early -> every ~10 s

    def test_fcm_message_and_oauth_token_cached(self):
        self.publish('nf', 'sf', 'hello android')
        self.publish('nf', 'sf', 'from agent', sender='va@localhost/bot')
        self.wait_states('nf', ['sent', 'sent'])
        pushes = self.fakes.fcm_pushes()
        self.assertEqual(len(pushes), 2)
        msg = [p['payload'] for p in pushes if p['payload']['data']['category'] == 'chat'][0]
        self.assertEqual(msg['token'], FCM_TOKEN)
        self.assertEqual(msg['notification'], {'title': 'userb', 'body': 'hello android'})
        self.assertEqual(msg['data']['conversation'], 'userb@localhost')
        self.assertEqual(msg['data']['badge'], '2')
        self.assertEqual(msg['android']['priority'], 'high')
        self.assertEqual(msg['android']['collapse_key'], 'userb@localhost')
        self.assertEqual(self.fakes.token_requests(), 1, 'one OAuth token for both pushes')

    def test_expired_token_is_refreshed(self):
        self.publish('nf', 'sf', 'first')
        self.wait_states('nf', ['sent'])
        self.fakes.expire_tokens()           # Google forgot our token: 401 -> refresh once
        self.publish('nf', 'sf', 'second')
        self.wait_states('nf', ['sent', 'sent'])
        self.assertEqual(self.fakes.token_requests(), 2)

    def test_unregistered_disables_device(self):
        self.fakes.set_fault(FCM_TOKEN, status=404, reason='UNREGISTERED')
        self.publish('nf', 'sf', 'gone')
        self.wait_states('nf', ['failed'])
        self.assertEqual(self.d.query("SELECT enabled FROM device WHERE node='nf'")[0]['enabled'],
                         0)
        self.assertEqual(error_of(self.publish('nf', 'sf', 'x')), ('cancel', 'item-not-found'))


class FcmConfigErrorTest(DeliveryBase):
    def test_refused_oauth_assertion_holds_the_app_and_disables_nothing(self):
        # The service account's key is not the one Google knows: invalid_grant.
        self.assertEqual(self.d.stop(), 0)
        path = os.path.join(self.d.base_dir, 'service-account.json')
        with open(path) as f:
            sa = json.load(f)
        sa['private_key'] = subprocess.run(
            ['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
            capture_output=True, text=True, check=True, timeout=60).stdout
        with open(path, 'w') as f:
            json.dump(sa, f)
        self.start_vapushd()
        self.publish('nf', 'sf', 'held')
        self.d.wait_log(r'event=app\.held .*app=android .*cause=config_error', timeout=30)
        rig.wait_until(lambda: self.rows('nf') and self.rows('nf')[0]['last_error']
                       == 'held: oauth token refused (HTTP 400)', 10, 'row held')
        self.assertEqual(self.rows('nf')[0]['state'], 'pending')
        self.assertEqual(self.d.query("SELECT enabled FROM device WHERE node='nf'")[0]['enabled'],
                         1)
        self.assertEqual(self.publish('nf', 'sf', 'still accepted').get('type'), 'result')


class WrongHostTest(DeliveryBase):
    FAKE_KW = {'wrong_host': True}

    def test_tls_with_wrong_host_certificate_fails_closed(self):
        self.publish('na', 'sa', 'must not leak')
        rig.wait_until(lambda: self.rows('na') and self.rows('na')[0]['attempts'] >= 1, 20,
                       'an attempt')
        row = self.rows('na')[0]
        self.assertIn(row['state'], ('pending', 'failed'))
        self.assertEqual(self.fakes.apns_pushes(), [], 'nothing reached the impostor')


if __name__ == '__main__':
    unittest.main()
