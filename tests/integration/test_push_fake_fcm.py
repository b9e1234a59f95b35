# SPDX-License-Identifier: Apache-2.0
"""The FCM fake refuses what FCM v1 refuses, so a push it accepts (the p2 wake-up, a
badge update) is a legal message: data values must be strings, reserved data keys and
unknown android priorities are INVALID_ARGUMENT, and a message without a notification
block is recorded as data-only."""

import unittest

from push_fake import PushFakes

TOKEN = 'fcm:' + 'A1b2C3d4_-' * 12


class FcmFakeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fakes = PushFakes()
        cls.fakes.start()

    @classmethod
    def tearDownClass(cls):
        cls.fakes.cleanup()

    def refused(self, message):
        status, answer = self.fakes.send_fcm(dict({'token': TOKEN}, **message))
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer['error']['status'], 'INVALID_ARGUMENT')
        return answer['error']['message']

    def test_a_p2_wake_up_is_legal_and_data_only(self):
        status, answer = self.fakes.send_fcm({
            'token': TOKEN, 'data': {'account': '25befed02d51b3eb457d9c91ca98edaa12674df4'},
            'android': {'priority': 'high', 'collapse_key': '25befe', 'ttl': '86400s'}})
        self.assertEqual(status, 200, answer)
        [record] = [r for r in self.fakes.fcm_pushes() if r['payload'].get('data', {}).get(
            'account')]
        self.assertTrue(record['data_only'])

    def test_illegal_messages_are_refused(self):
        self.assertIn('message.data', self.refused({'data': {'badge': 3}}))
        self.assertIn('from', self.refused({'data': {'from': 'x'}}))
        self.assertIn('google.x', self.refused({'data': {'google.x': 'y'}}))
        self.assertIn('priority', self.refused({'android': {'priority': 'urgent'}}))
        self.assertIn('ttl', self.refused({'android': {'ttl': '10 minutes'}}))
        self.assertIn('too large', self.refused({'data': {'k': 'x' * 5000}}))

    def test_a_notification_message_is_not_data_only(self):
        status, _ = self.fakes.send_fcm({'token': TOKEN, 'notification': {'title': 't'},
                                         'data': {'kind': 'alert-probe'}})
        self.assertEqual(status, 200)
        [record] = [r for r in self.fakes.fcm_pushes()
                    if r['payload'].get('data', {}).get('kind') == 'alert-probe']
        self.assertFalse(record['data_only'])


if __name__ == '__main__':
    unittest.main()
