# SPDX-License-Identifier: Apache-2.0
"""docs/app-developers.md against real pushes: every payload key the guide's tables name
(APNs and FCM columns) and every key its Swift and Kotlin snippets read occurs in a push
captured at the APNs/FCM fake, sent through a real ejabberd by four devices: APNs and
FCM apps with vapush's texts (the APNs one with mutable_content) and with
`localize: device`."""

import json
import os
import re
import tempfile
import unittest

import rig
from push_fake import KEY_ID, PROJECT, TEAM_ID, TOPIC, PushFakes
from vapushd import Vapushd

GUIDE = os.path.join(rig.SOURCE_DIR, 'docs', 'app-developers.md')


def apps_yaml(endpoint):
    apns = ('platform: apns, topic: %s, team_id: %s, key_id: %s, key_file: AuthKey.p8, '
            'endpoint: "%s", ca_file: ca.pem' % (TOPIC, TEAM_ID, KEY_ID, endpoint))
    fcm = ('platform: fcm, project_id: %s, service_account_file: service-account.json, '
           'endpoint: "%s", ca_file: ca.pem' % (PROJECT, endpoint))
    return ('apps:\n'
            '  - { name: ios, %s, mutable_content: true }\n'
            '  - { name: android, %s }\n'
            '  - { name: ios-loc, %s, localize: device }\n'
            '  - { name: android-loc, %s, localize: device }\n' % (apns, fcm, apns, fcm))


def paths(obj, prefix=''):
    """Every dotted key path of a JSON object: {'aps': {'badge': 1}} -> aps, aps.badge."""
    out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = prefix + k
            out.add(p)
            out |= paths(v, p + '.')
    return out


def guide_table_keys(text):
    """(APNs keys, FCM keys) in backticks in the payload tables' APNs and FCM columns."""
    section = text.split('## The payload', 1)[1].split('**Silent badge update.**', 1)[0]
    apns, fcm = set(), set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) != 3 or cells[1] in ('APNs', '---'):
            continue
        apns |= set(re.findall(r'`([^`]+)`', cells[1]))
        fcm |= set(re.findall(r'`([^`]+)`', cells[2]))
    return apns, fcm


def guide_snippet_keys(text):
    """(keys Swift snippets read from userInfo, keys Kotlin snippets read from data/extras)."""
    swift, kotlin = set(), set()
    for lang, code in re.findall(r'```(\w+)\n(.*?)```', text, re.S):
        if lang == 'swift':
            swift |= set(re.findall(r'(?:userInfo|info)\["([^"]+)"\]', code))
        elif lang == 'kotlin':
            kotlin |= set(re.findall(r'data\["([^"]+)"\]', code))
            kotlin |= set(re.findall(r'getString\("([^"]+)"\)', code))
    return swift, kotlin


class AppGuideTest(unittest.TestCase):
    def setUp(self):
        self.rig = rig.EjabberdRig()
        self.addCleanup(self.rig.cleanup)
        self.rig.start()
        self.users = ['uios', 'uandroid', 'uiosloc', 'uandroidloc']
        self.rig.register_many([(u, 'pw') for u in self.users] + [('va', 'pv')])
        self.fakes = PushFakes()
        self.addCleanup(self.fakes.cleanup)
        self.fakes.start()
        base = tempfile.mkdtemp(prefix='vapushd-')
        self.fakes.apps_yaml(base)  # copies the credentials next to the config
        self.jva = self.rig.user_jid('va')
        self.d = Vapushd(self.rig.component_jid, self.rig.component_secret,
                         self.rig.component_port, domains=[self.rig.domain], interval='2s',
                         apps_yaml=apps_yaml(self.fakes.endpoint), base_dir=base,
                         extra_yaml='agents: { virtual: [%s] }\n' % self.jva)
        self.addCleanup(self.d.kill)
        self.d.start()
        self.d.wait_connected()

    def test_every_key_the_guide_names_is_in_a_captured_push(self):
        comp = self.rig.component_jid
        apps = {'uios': ('ios', 'apns', 'ab' * 32), 'uandroid': ('android', 'fcm', 'f' * 150),
                'uiosloc': ('ios-loc', 'apns', 'cd' * 32),
                'uandroidloc': ('android-loc', 'fcm', 'g' * 150)}
        for u in self.users:
            app, platform, token = apps[u]
            self.d.add_device(self.rig.user_jid(u), node='node-' + u, secret='s', resource='phone',
                              app=app, platform=platform, token=token)
            c = self.rig.client(u, 'pw', resource='phone')
            c.command(comp, 'preferences', {'preview': '0'})
            c.enable(comp, 'node-' + u, secret='s', then='hibernate')
        va = self.rig.client('va', 'pv', resource='bot')
        for u in self.users:
            va.send_messages([dict(to=self.rig.user_jid(u), body='one'),
                              dict(to=self.rig.user_jid(u), body='two')])
        rig.wait_until(lambda: len(self.fakes.apns_pushes()) >= 2 and
                       len(self.fakes.fcm_pushes()) >= 2, 30, 'two APNs and two FCM pushes')
        apns_paths, fcm_paths = set(), set()
        for p in self.fakes.apns_pushes():
            apns_paths |= paths(p['payload'])
        for p in self.fakes.fcm_pushes():
            fcm_paths |= paths(p['payload'])
        with open(GUIDE, encoding='utf-8') as f:
            guide = f.read()
        table_apns, table_fcm = guide_table_keys(guide)
        self.assertGreater(len(table_apns), 10, 'the tables were found')
        self.assertGreater(len(table_fcm), 10)
        self.assertEqual(sorted(table_apns - apns_paths), [], 'APNs keys the guide names')
        self.assertEqual(sorted(table_fcm - fcm_paths), [], 'FCM keys the guide names')
        swift, kotlin = guide_snippet_keys(guide)
        self.assertTrue(swift and kotlin, 'the snippets were found')
        self.assertEqual(sorted(swift - apns_paths), [], 'keys the Swift snippets read')
        data_keys = set()
        for p in self.fakes.fcm_pushes():
            data_keys |= set(p['payload'].get('data', {}))
        # Badge updates (data.kind, data.badge) are not provoked here; data.badge is in
        # every alert too, `kind` only in badge updates.
        self.assertEqual(sorted(kotlin - data_keys - {'kind'}), [],
                         'keys the Kotlin snippets read')
        loc = [p['payload'] for p in self.fakes.fcm_pushes()
               if 'body_loc_key' in p['payload'].get('data', {})]
        self.assertEqual(json.loads(loc[0]['data']['body_loc_args']), ['2'])


if __name__ == '__main__':
    unittest.main()
