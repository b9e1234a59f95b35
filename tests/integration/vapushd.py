# SPDX-License-Identifier: Apache-2.0
"""Harness for the vapushd binary in integration tests (stdlib only).

    d = Vapushd(component_jid, secret, port, domains=['localhost'], interval='2s')
    d.start(); d.wait_connected()
    d.add_device('usera@localhost', node='n1', secret='s1', resource='phone')
    rows = d.query('SELECT * FROM unread_message')
    d.stop()            # SIGTERM, asserts exit code 0

Writes its config and database into a fresh temp dir; the log is d.log_path.
"""

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time

import rig

VAPUSHD = os.path.join(rig.BUILD_DIR, 'plugin', 'vapushd')
VAPUSHCTL = os.path.join(rig.BUILD_DIR, 'plugin', 'vapushctl')


def yaml_quote(s):
    return "'" + str(s).replace("'", "''") + "'"


class Vapushd:
    def __init__(self, component_jid, secret, port, domains=('localhost',), interval='2s',
                 apps_yaml='', extra_yaml='', log_level='debug', base_dir=None, http_listen='',
                 busy_timeout=None):
        self.base_dir = base_dir or tempfile.mkdtemp(prefix='vapushd-')
        self.component_jid = component_jid
        self.port = port
        self.db_path = os.path.join(self.base_dir, 'vapush.db')
        self.log_path = os.path.join(self.base_dir, 'vapushd.log')
        self.config_path = os.path.join(self.base_dir, 'vapush.yml')
        with open(os.path.join(self.base_dir, 'secret'), 'w') as f:
            f.write(secret + '\n')
        os.chmod(os.path.join(self.base_dir, 'secret'), 0o600)
        with open(self.config_path, 'w') as f:
            f.write('component:\n'
                    '  jid: %s\n'
                    '  host: 127.0.0.1\n'
                    '  port: %d\n'
                    '  secret_file: secret\n'
                    '  domains: [%s]\n'
                    '  reconnect_min: 100ms\n'
                    '  reconnect_max: 1s\n'
                    'storage: { sqlite: vapush.db%s }\n'
                    'batching: { interval: %s }\n'
                    'http: { listen: "%s" }\n'
                    'log: { level: %s, file: vapushd.log }\n'
                    % (component_jid, port, ', '.join(domains),
                       ', busy_timeout: %s' % busy_timeout if busy_timeout else '', interval,
                       http_listen, log_level))
            if apps_yaml:
                f.write(apps_yaml)
            if extra_yaml:
                f.write(extra_yaml)
        self.proc = None
        self.log_offset = 0

    # -- process ----------------------------------------------------------------------------
    def start(self):
        self.log_offset = self._log_size()
        with open(os.path.join(self.base_dir, 'stderr.log'), 'a') as err:
            self.proc = subprocess.Popen([VAPUSHD, '--config', self.config_path],
                                         stdout=subprocess.DEVNULL, stderr=err)
        return self

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('vapushd did not stop within %.0fs of SIGTERM' % timeout)
        self.proc = None
        return rc

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- log --------------------------------------------------------------------------------
    def _log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log(self, since_start=True):
        try:
            with open(self.log_path, errors='replace') as f:
                if since_start:
                    f.seek(self.log_offset)
                return f.read()
        except OSError:
            return ''

    def log_mark(self):
        return self._log_size()

    def wait_log(self, pattern, timeout=10.0, since=None, count=1):
        start = self.log_offset if since is None else since
        rx = re.compile(pattern)

        def found():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError('vapushd exited with %s; log:\n%s'
                                     % (self.proc.returncode, self.log()[-3000:]))
            try:
                with open(self.log_path, errors='replace') as f:
                    f.seek(start)
                    return len(rx.findall(f.read())) >= count
            except OSError:
                return False
        rig.wait_until(found, timeout, 'vapushd log /%s/' % pattern)

    def wait_connected(self, timeout=15.0, since=None):
        self.wait_log(r'event=xmpp\.connected', timeout, since)

    # -- database ---------------------------------------------------------------------------
    def connect_db(self):
        db = sqlite3.connect(self.db_path, timeout=5)
        db.row_factory = sqlite3.Row
        return db

    def query(self, sql, args=()):
        with self.connect_db() as db:
            return [dict(r) for r in db.execute(sql, args).fetchall()]

    def add_device(self, user, node, secret, resource='', app='ios', platform='apns',
                   token=None, protocol='manual'):
        """Inserts a registration the way the storage layer stores it (secret hashed)."""
        now = int(time.time() * 1000)
        token = token or hashlib.sha256(node.encode()).hexdigest()
        with self.connect_db() as db:
            db.execute('INSERT INTO device(user, app, platform, token, node, secret_hash, '
                       'resource, protocol, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?)',
                       (user, app, platform, token, node,
                        hashlib.sha256(secret.encode()).hexdigest() if secret else '',
                        resource, protocol, now, now))

    def wait_rows(self, sql, args=(), count=1, timeout=10.0):
        return rig.wait_until(lambda: (lambda rows: rows if len(rows) >= count else None)(
            self.query(sql, args)), timeout, 'rows for %s' % sql)
