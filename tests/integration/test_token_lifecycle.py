# SPDX-License-Identifier: Apache-2.0
"""The token lifecycle with real servers (ejabberd and Prosody), libstrophe clients,
vapushd and the APNs fake (issue 12 items 3-6):

- a device that re-registers with a new token while a push to its old token waits for a
  retry (or is in flight) stays enabled, and the push goes to the new token, although the
  fake answers 410 Unregistered for the old one;
- a wrong `topic` in vapushd's configuration (APNs answers DeviceTokenNotForTopic) holds
  the app: nothing is disabled, the rows stay pending, /healthz and /metrics say why;
- rotating the component secret (server and vapushd) keeps existing registrations: the
  client re-registering gets the same publish secret and the server's publishes with the
  secret it has are accepted and pushed;
- remove-device cancels the device's queued pushes.
"""

import json
import os
import tempfile
import unittest
import urllib.request

import rig
from push_fake import TOPIC, PushFakes
from vapushd import Vapushd

OLD_TOKEN = 'a1' * 32
NEW_TOKEN = 'b2' * 32


class Base:
    RIG = None
    TOPIC = TOPIC

    def setUp(self):
        self.rig = self.RIG()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.rig.register_many([('usera', 'pa'), ('userb', 'pb')])
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        self.base = tempfile.mkdtemp(prefix='vapushd-')
        self.http_port = rig.free_port()
        apps = self.fakes.apps_yaml(self.base).replace('topic: %s' % TOPIC,
                                                       'topic: %s' % self.TOPIC)
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='1s',
                         base_dir=self.base, apps_yaml=apps,
                         http_listen='127.0.0.1:%d' % self.http_port)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()
        self.a = self.rig.client('usera', 'pa', resource='phone')
        self.b = self.rig.client('userb', 'pb', resource='laptop')
        self.user_a = self.rig.user_jid('usera')
        self.comp = self.rig.component_jid

    # -- helpers -----------------------------------------------------------------------------
    def register(self, token, background=False):
        # background: the app renews its token without the user opening it (FCM onNewToken,
        # a background refresh): a session without presence, so not the user coming back,
        # who would read the queued message (and the outbox would not send it: read_meanwhile).
        r = self.a.command(self.comp, 'register-push-apns', oneshot=True,
                           fields={'token': token, 'device-id': 'phone-1'},
                           no_presence=background)
        return r.fields['node'], r.fields['secret']

    def device(self):
        [d] = self.d.query('SELECT * FROM device WHERE user=?', (self.user_a,))
        return d

    def rows(self):
        return self.d.query('SELECT * FROM sys_cs_message_notification WHERE user=? '
                            'ORDER BY message_time', (self.user_a,))

    def pushes_to(self, token):
        # Alerts only: a command session is the user coming back (the queued message is
        # then read), and on Prosody, where that session's end is seen, the away phone may
        # also get a silent badge update (apns-push-type background; test_unread_truth).
        return [p for p in self.fakes.apns_pushes() if p['path'].endswith(token)
                and p['headers'].get('apns-push-type') != 'background']

    def apns_requests_to(self, token):
        return [r for r in self.fakes.requests()
                if r.get('kind') == 'apns' and r['path'].endswith(token)]

    def get(self, path):
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d%s' % (self.http_port, path),
                                        timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def message_for_a(self, body):
        self.b.send(self.user_a, body=body)


class LifecycleMixin(Base):

    # -- item 3 ------------------------------------------------------------------------------
    def test_queued_retry_after_token_rotation_goes_to_the_new_token(self):
        self.fakes.set_fault(OLD_TOKEN, status=503, retry_after=3, count=1)
        node, secret = self.register(OLD_TOKEN)
        self.a.enable(self.comp, node, secret=secret, then='close')
        self.message_for_a('queued')
        rig.wait_until(lambda: self.rows() and self.rows()[0]['attempts'] == 1, 30,
                       'first attempt to the old token failed (503), retry queued')
        # From now on APNs says the old token is gone; the phone re-registers meanwhile.
        self.fakes.set_fault(OLD_TOKEN, status=410, reason='Unregistered')
        self.assertEqual(self.register(NEW_TOKEN, background=True), (node, secret))
        rig.wait_until(lambda: [r['state'] for r in self.rows()] == ['sent'], 30,
                       'the retry delivered')
        dev = self.device()
        self.assertEqual((dev['enabled'], dev['token']), (1, NEW_TOKEN))
        self.assertEqual(len(self.pushes_to(NEW_TOKEN)), 1, 'the retry went to the new token')
        self.assertEqual(self.pushes_to(OLD_TOKEN), [])

    def test_queued_retry_is_not_sent_once_the_user_came_back(self):
        # The user opens the app while the push waits for its retry: the server delivers the
        # message to the open app, so the retry would only repeat it.
        self.fakes.set_fault(OLD_TOKEN, status=503, retry_after=10, count=1)
        node, secret = self.register(OLD_TOKEN)
        self.a.enable(self.comp, node, secret=secret, then='close')
        self.message_for_a('seen in the app')
        rig.wait_until(lambda: self.rows() and self.rows()[0]['attempts'] == 1, 30,
                       'first attempt failed (503), retry queued in 10 s')
        self.register(OLD_TOKEN)  # a session with presence: the user is back
        rows = rig.wait_until(lambda: (lambda r: r if r and r[0]['state'] != 'pending'
                                       else None)(self.rows()), 30, 'the retry decided')
        self.assertEqual((rows[0]['state'], rows[0]['last_error']),
                         ('suppressed', 'read_meanwhile'))
        alerts = [r for r in self.apns_requests_to(OLD_TOKEN)
                  if r['headers'].get('apns-push-type') != 'background']
        self.assertEqual(len(alerts), 1, 'only the failed first attempt')

    def test_410_for_the_old_token_in_flight_does_not_disable_the_new_one(self):
        # The old token's answer (410) comes late: the phone re-registers meanwhile.
        self.fakes.set_fault(OLD_TOKEN, status=410, reason='Unregistered', delay_ms=4000)
        node, secret = self.register(OLD_TOKEN)
        self.a.enable(self.comp, node, secret=secret, then='close')
        self.message_for_a('in flight')
        rig.wait_until(lambda: self.apns_requests_to(OLD_TOKEN), 30, 'push to the old token')
        self.register(NEW_TOKEN, background=True)
        rig.wait_until(lambda: [r['state'] for r in self.rows()] == ['sent'], 30,
                       'sent again, to the new token')
        dev = self.device()
        self.assertEqual((dev['enabled'], dev['token']), (1, NEW_TOKEN))
        self.assertEqual(len(self.pushes_to(NEW_TOKEN)), 1)
        self.d.wait_log(r'event=push\.stale_token', timeout=5)

    # -- item 6 ------------------------------------------------------------------------------
    def test_remove_device_cancels_its_queued_pushes(self):
        self.fakes.set_fault(OLD_TOKEN, status=503, retry_after=30, count=1)
        node, secret = self.register(OLD_TOKEN)
        self.a.enable(self.comp, node, secret=secret, then='close')
        self.message_for_a('for a phone about to be sold')
        rig.wait_until(lambda: self.rows() and self.rows()[0]['attempts'] == 1, 30,
                       'a retry queued')
        self.a.command(self.comp, 'remove-device', {'device': node})
        self.assertEqual(self.d.query('SELECT * FROM device WHERE user=?', (self.user_a,)), [])
        [row] = self.rows()
        self.assertEqual((row['state'], row['last_error']), ('suppressed', 'device_removed'))
        [push] = self.d.query('SELECT state, last_error FROM push')
        self.assertEqual((push['state'], push['last_error']), ('suppressed', 'device_removed'))

    # -- item 5 ------------------------------------------------------------------------------
    def test_component_secret_rotation_keeps_registrations(self):
        node, secret = self.register(OLD_TOKEN)
        self.a.enable(self.comp, node, secret=secret, then='close')
        key_file = self.d.db_path + '.publish-key'
        self.assertEqual(os.stat(key_file).st_mode & 0o777, 0o600)
        # The operator rotates the component secret on the server and in vapushd.
        self.assertEqual(self.d.stop(), 0)
        self.rig.component_secret = 'rotated-' + self.rig.component_secret
        self.rig._configured = False   # rewrite the server's config with the new secret
        self.rig.restart()
        with open(os.path.join(self.base, 'secret'), 'w') as f:
            f.write(self.rig.component_secret + '\n')
        mark = self.d.log_mark()
        self.d.start()
        self.d.wait_connected(since=mark)
        # The client re-registers on its next session, as Conversations does: same secret.
        self.assertEqual(self.register(OLD_TOKEN), (node, secret))
        # The server still publishes with the secret it has: accepted and pushed.
        self.message_for_a('after the rotation')
        rig.wait_until(lambda: self.pushes_to(OLD_TOKEN), 30, 'a push after the rotation')
        self.assertEqual(self.d.query("SELECT count(*) AS n FROM device WHERE enabled=1")[0]['n'],
                         1)


class WrongTopicMixin(Base):
    TOPIC = 'com.example.wrong'

    # -- item 4 ------------------------------------------------------------------------------
    def test_wrong_topic_holds_the_app_and_disables_nothing(self):
        self.fakes.set_device_topic(OLD_TOKEN, TOPIC)  # the phone's token is for the real app
        node, secret = self.register(OLD_TOKEN)
        self.a.enable(self.comp, node, secret=secret, then='close')
        self.message_for_a('one')
        self.d.wait_log(r'event=app\.held .*app=ios .*reason=DeviceTokenNotForTopic',
                        timeout=30)
        rig.wait_until(lambda: self.rows() and self.rows()[0]['last_error'].startswith('held'),
                       10, 'row held')
        [row] = self.rows()
        self.assertEqual(row['state'], 'pending')
        self.assertEqual(row['last_error'], 'held: DeviceTokenNotForTopic')
        self.assertEqual(self.device()['enabled'], 1)
        status, body = self.get('/healthz')
        health = json.loads(body)
        self.assertEqual(status, 200, body)
        self.assertEqual((health['status'], health['delivery']), ('degraded', 'held'), body)
        [held] = health['held_apps']
        self.assertEqual((held['app'], held['cause'], held['reason']),
                         ('ios', 'config_error', 'DeviceTokenNotForTopic'))
        _, metrics = self.get('/metrics')
        self.assertIn('vapush_app_held{app="ios"} 1', metrics)
        # The user's server keeps publishing, and is answered result, not item-not-found.
        self.message_for_a('two')
        rig.wait_until(lambda: len(self.d.query(
            'SELECT * FROM unread_message WHERE user=?', (self.user_a,))) == 2, 30,
            'second publish accepted')
        self.assertEqual(self.fakes.apns_pushes(), [])
        self.assertEqual(self.d.query('SELECT count(*) AS n FROM device WHERE enabled=0')[0]['n'],
                         0)


class EjabberdLifecycleTest(LifecycleMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyLifecycleTest(LifecycleMixin, unittest.TestCase):
    RIG = rig.ProsodyRig


class EjabberdWrongTopicTest(WrongTopicMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyWrongTopicTest(WrongTopicMixin, unittest.TestCase):
    RIG = rig.ProsodyRig


if __name__ == '__main__':
    unittest.main()
