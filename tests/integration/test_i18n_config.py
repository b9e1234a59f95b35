# SPDX-License-Identifier: Apache-2.0
"""`vapushd --check-config` validates the catalogs (issue 18): an operator's
i18n.directory with a pattern ICU cannot parse, or a new language lacking a key, exits 2
naming the file, key and reason; a valid override or added language passes; an unknown
defaults.language is refused."""

import os
import shutil
import subprocess
import tempfile
import unittest

import rig

VAPUSHD = os.path.join(rig.BUILD_DIR, 'plugin', 'vapushd')


class CheckConfigCatalogsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='vapush-i18n-')
        self.addCleanup(shutil.rmtree, self.dir, True)
        os.mkdir(os.path.join(self.dir, 'i18n'))
        with open(os.path.join(self.dir, 'secret'), 'w') as f:
            f.write('s\n')
        os.chmod(os.path.join(self.dir, 'secret'), 0o600)

    def check(self, catalogs, extra=''):
        for name, text in catalogs.items():
            with open(os.path.join(self.dir, 'i18n', name), 'w', encoding='utf-8') as f:
                f.write(text)
        path = os.path.join(self.dir, 'vapush.yml')
        with open(path, 'w') as f:
            f.write('component: { jid: push.localhost, secret_file: secret }\n'
                    'storage: { sqlite: vapush.db }\n'
                    'i18n: { directory: i18n }\n' + extra)
        return subprocess.run([VAPUSHD, '--check-config', '--config', path],
                              capture_output=True, text=True, timeout=30)

    def test_valid_override_and_new_language_pass(self):
        p = self.check({'de.json': '{"virtual_agent_title": "Digitaler Assistent"}',
                        'sv.json': '{"virtual_agent_title": "Virtuell agent", '
                                   '"new_messages_body": "{count, plural, one {# nytt} '
                                   'other {# nya}}", "encrypted_message_body": "Krypterat", '
                                   '"test_push_title": "Test", "test_push_body": "Fungerar."}'},
                       extra='defaults: { language: sv }\n')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('13 language(s)', p.stdout)

    def test_bad_pattern_exits_2_naming_file_and_key(self):
        p = self.check({'pl.json': '{"new_messages_body": "{count, plural, one {# x}"}'})
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn('pl.json', p.stderr)
        self.assertIn("key 'new_messages_body'", p.stderr)
        self.assertIn('MessageFormat', p.stderr)

    def test_new_language_lacking_a_key_exits_2(self):
        p = self.check({'sv.json': '{"virtual_agent_title": "Virtuell agent"}'})
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("catalog 'sv' lacks key", p.stderr)

    def test_default_language_without_catalog_exits_2(self):
        p = self.check({}, extra='defaults: { language: tlh }\n')
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("defaults.language 'tlh' has no catalog", p.stderr)


if __name__ == '__main__':
    unittest.main()
