# SPDX-License-Identifier: Apache-2.0
"""Monal's fpush enable, replayed on ejabberd and Prosody for every module name Monal
builds send, with and without "-sandbox": no registration, node = the lower-case hex
token, publish-option pushModule. Each module is routed by `push_modules` to the
production or the sandbox app, and the away user's message gets fpush's alert ("New
Message" with mutable-content, which Monal's notification extension rewrites)."""

import unittest

import rig
from real_clients import RealClientsBase, apns_app, enable_iq

MODULES = ['monalProdiOS', 'monalProdCatalyst', 'quicksyProdiOS', 'quicksyProdCatalyst',
           'monalAlpha']


class MonalMixin(RealClientsBase):

    def test_every_module_name_gets_the_fpush_alert_from_its_app(self):
        self.start_vapushd([
            apns_app(self.fakes, 'ios', style='wake', modules=MODULES),
            apns_app(self.fakes, 'ios-sandbox', style='wake', sandbox=True,
                     modules=[m + '-sandbox' for m in MODULES])])
        for i, module in enumerate(MODULES + [m + '-sandbox' for m in MODULES]):
            with self.subTest(module=module):
                token = '%02x' % i * 32
                self.a.resource = 'phone%d' % i
                # As Monal sends it, with our JID in place of eu.prod.push.monal-im.org.
                self.away_and_message(enable_iq(self.comp, token, pushModule=module),
                                      'message %d' % i)
                push = self.wait_push('apns', token)
                aps = push['payload']['aps']
                self.assertEqual(aps['alert'], {'title': 'New Message', 'body': 'New Message?'})
                self.assertEqual(aps['mutable-content'], 1)
                self.assertEqual(push['headers']['apns-push-type'], 'alert')
                [dev] = self.d.query('SELECT app, protocol FROM device WHERE token=?', (token,))
                self.assertEqual(
                    (dev['app'], dev['protocol']),
                    ('ios-sandbox' if module.endswith('-sandbox') else 'ios', 'fpush'))


class EjabberdMonalTest(MonalMixin, unittest.TestCase):
    RIG = rig.EjabberdRig


class ProsodyMonalTest(MonalMixin, unittest.TestCase):
    RIG = rig.ProsodyRig


if __name__ == '__main__':
    unittest.main()
