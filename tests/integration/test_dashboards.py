# SPDX-License-Identifier: Apache-2.0
"""The shipped Prometheus rules and Grafana dashboard use only metrics and labels vapushd
really exports: every name they query is in a running daemon's /metrics with the type the
query needs (rate() of a counter, histogram_quantile() of a histogram's buckets), every
label they select or group by is one the code sets, and every metric the code touches is
declared (a misspelt name in the code would export an untyped family nobody charts)."""

import glob
import json
import os
import re
import tempfile
import unittest
import urllib.request

import yaml

import rig
from fake_server import FakeServer
from vapushd import Vapushd

SOURCE = os.environ.get('VAPUSH_SOURCE_DIR',
                        os.path.join(os.path.dirname(__file__), '..', '..'))
RULES = os.path.join(SOURCE, 'packaging', 'prometheus', 'vapush.rules.yml')
DASHBOARD = os.path.join(SOURCE, 'packaging', 'grafana', 'vapush.json')
NAME = re.compile(r'\bvapush_[a-z0-9_]+\b')
CALL = re.compile(r'metrics\(\)\.(inc|set|observe)\(\s*"([a-z0-9_]+)"\s*(?:,\s*(\{\{.*?\}\}|\{\}|[A-Za-z_]\w*))?',
                  re.S)
LABEL_KEY = re.compile(r'\{\s*"([a-z_]+)"\s*,')
ALWAYS = {'instance', 'job', 'le'}  # added by Prometheus, or the histogram bucket label


def code_metrics():
    """{metric: set(label keys)} for every metrics().inc/set/observe call in the sources."""
    found = {}
    for path in glob.glob(os.path.join(SOURCE, '*', '*.cpp')):
        if '/tests/' in path or '/bench/' in path:
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        for m in CALL.finditer(text):
            keys = found.setdefault(m.group(2), set())
            labels = m.group(3) or ''
            if labels and not labels.startswith('{'):  # a Labels variable defined above
                d = re.search(r'Labels\s+%s\s*=\s*(\{\{.*?\}\});' % re.escape(labels), text, re.S)
                assert d, '%s: labels variable %s not found' % (path, labels)
                labels = d.group(1)
            keys.update(LABEL_KEY.findall(labels))
    return found


def rule_exprs(doc):
    exprs = []
    for group in doc['groups']:
        for rule in group['rules']:
            exprs.append((rule.get('alert') or rule.get('record'), rule['expr']))
    return exprs


def dashboard_exprs(doc):
    exprs = []
    for panel in doc['panels']:
        for target in panel.get('targets', []):
            exprs.append((panel['title'], target['expr']))
    return exprs


class DashboardsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(RULES, encoding='utf-8') as f:
            cls.rules = yaml.safe_load(f)
        with open(DASHBOARD, encoding='utf-8') as f:
            cls.dashboard = json.load(f)
        server = FakeServer(secret='comp')
        port = rig.free_port()
        base = tempfile.mkdtemp(prefix='vapushd-')
        d = Vapushd('push.localhost', 'comp', server.port, interval='1s', base_dir=base,
                    http_listen='127.0.0.1:%d' % port)
        try:
            d.start()
            server.accept()
            d.wait_connected()
            with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port, timeout=10) as r:
                text = r.read().decode()
        finally:
            d.kill()
            server.close()
        cls.types = {}
        for line in text.splitlines():
            if line.startswith('# TYPE '):
                _, _, name, kind = line.split(' ', 3)
                cls.types[name] = kind
        cls.code = code_metrics()

    def all_exprs(self):
        return rule_exprs(self.rules) + dashboard_exprs(self.dashboard)

    def test_rules_are_well_formed(self):
        names = set()
        for group in self.rules['groups']:
            self.assertTrue(group['name'])
            for rule in group['rules']:
                self.assertIn('alert', rule)
                self.assertNotIn(rule['alert'], names, 'duplicate alert')
                names.add(rule['alert'])
                self.assertIn(rule['labels']['severity'], ('critical', 'warning'), rule['alert'])
                self.assertTrue(rule['annotations']['summary'], rule['alert'])
                self.assertTrue(rule['annotations']['description'], rule['alert'])
                self.assertRegex(rule['for'], r'^\d+[smh]$', rule['alert'])
                self.assertEqual(rule['expr'].count('('), rule['expr'].count(')'), rule['alert'])
        # The operations this issue promised alerts for.
        for must in ('VapushLinkDown', 'VapushPublishesAnsweredWait', 'VapushBacklogGrowing',
                     'VapushAppHeld', 'VapushInvalidTokenRate', 'VapushProviderSlow'):
            self.assertIn(must, names)

    def test_dashboard_is_well_formed(self):
        ids = [p['id'] for p in self.dashboard['panels']]
        self.assertEqual(len(ids), len(set(ids)), 'panel ids must be unique')
        for panel in self.dashboard['panels']:
            for target in panel.get('targets', []):
                self.assertEqual(target['expr'].count('('), target['expr'].count(')'),
                                 panel['title'])
        self.assertEqual(self.dashboard['templating']['list'][0]['type'], 'datasource')

    def test_every_queried_metric_is_exported_with_the_right_type(self):
        self.assertIn('vapush_pushes_total', self.types)  # the scrape worked
        for where, expr in self.all_exprs():
            for name in NAME.findall(expr):
                base = re.sub(r'_(bucket|sum|count)$', '', name)
                if name != base and self.types.get(base) == 'histogram':
                    continue
                self.assertIn(name, self.types, '%s: %s is not exported' % (where, name))
            for name in re.findall(r'(?:rate|increase)\(\s*(vapush_\w+)', expr):
                kind = self.types.get(re.sub(r'_bucket$', '', name))
                self.assertIn(kind, ('counter', 'histogram'),
                              '%s: rate/increase of %s, a %s' % (where, name, kind))
            for name in re.findall(r'histogram_quantile\([^,]+,.*?(vapush_\w+)', expr):
                self.assertTrue(name.endswith('_bucket'), where)
                self.assertEqual(self.types.get(name[:-len('_bucket')]), 'histogram', where)
            for name in re.findall(r'deriv\(\s*(vapush_\w+)', expr):
                self.assertEqual(self.types.get(name), 'gauge', where)

    def test_every_label_is_one_the_code_sets(self):
        for where, expr in self.all_exprs():
            names = {re.sub(r'_(bucket|sum|count)$', '', n) for n in NAME.findall(expr)}
            known = set(ALWAYS)
            for n in names:
                self.assertIn(n, self.code, '%s: no code sets %s' % (where, n))
                known |= self.code[n]
            for name, selector in re.findall(r'(vapush_\w+)\{([^}]*)\}', expr):
                own = self.code[re.sub(r'_(bucket|sum|count)$', '', name)] | ALWAYS
                for key in re.findall(r'([a-z_]+)\s*(?:=~|!=|!~|=)', selector):
                    self.assertIn(key, own, '%s: %s has no label %s' % (where, name, key))
            for group in re.findall(r'\bby\s*\(([^)]*)\)', expr):
                for key in (k.strip() for k in group.split(',')):
                    self.assertIn(key, known, '%s: grouped by unknown label %s' % (where, key))

    def test_every_metric_the_code_touches_is_declared(self):
        for name in self.code:
            self.assertIn(name, self.types, 'metric %s is used but not described' % name)

    def test_the_scan_sees_labelled_calls(self):
        # Guards the regular expressions above: if they stopped matching, the label test
        # would pass vacuously.
        self.assertEqual(self.code.get('vapush_pushes_total'), {'provider', 'app', 'result'})
        self.assertEqual(self.code.get('vapush_publishes_total'), {'result'})
        self.assertGreaterEqual(len(self.code), 15)


if __name__ == '__main__':
    unittest.main()
