# SPDX-License-Identifier: Apache-2.0
"""Test rig, part 3: the vapush-testclient (libstrophe) wrapper. Import through rig."""

import atexit
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

from rig import *  # noqa: F401,F403  (constants, errors, free_port, wait_until, ...)


# ---------------------------------------------------------------------------------------------
# the libstrophe test client


def client_binary():
    """Path of vapush-testclient ($VAPUSH_TESTCLIENT or $VAPUSH_BUILD_DIR/tests/tools/...)."""
    path = os.environ.get('VAPUSH_TESTCLIENT') or os.path.join(
        BUILD_DIR, 'tests', 'tools', 'vapush-testclient')
    if not os.access(path, os.X_OK):
        raise RigError('vapush-testclient not found at %s (build target vapush-testclient, '
                       'or set VAPUSH_BUILD_DIR / VAPUSH_TESTCLIENT)' % path)
    return path


def _unescape_value(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            out.append({'n': '\n', 'r': '\r', '\\': '\\'}.get(n, '\\' + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)


class ClientResult:
    """Parsed output of one vapush-testclient run."""

    def __init__(self, argv, rc, stdout, stderr):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.lines = stdout.splitlines()
        self.recv = [l[5:] for l in self.lines if l.startswith('RECV ')]
        self.fields = {}
        self.field_list = []
        for l in self.lines:
            if l.startswith('FIELD '):
                var, _, val = l[6:].partition('=')
                val = _unescape_value(val)
                self.field_list.append((var, val))
                if var in self.fields:
                    prev = self.fields[var]
                    self.fields[var] = (prev if isinstance(prev, list) else [prev]) + [val]
                else:
                    self.fields[var] = val
        results = [l for l in self.lines if l.startswith('RESULT ')]
        self.result = results[-1][7:] if results else None
        jids = [l[len('CONNECTED jid='):] for l in self.lines if l.startswith('CONNECTED jid=')]
        self.jid = jids[0] if jids else None
        sm = [l for l in self.lines if l.startswith('SM enabled')]
        self.sm_id = re.search(r'id=(\S*)', sm[0]).group(1) if sm else None
        self.errors = [l[6:] for l in self.lines if l.startswith('ERROR ')]

    @property
    def ok(self):
        return self.rc == 0

    def recv_elements(self):
        """RECV stanzas parsed with ElementTree (jabber:client namespace)."""
        out = []
        for x in self.recv:
            try:
                out.append(ET.fromstring(x))
            except ET.ParseError:
                pass
        return out

    def check(self):
        """Raise RigError with the full output unless the run exited 0."""
        if self.rc != 0:
            raise RigError('vapush-testclient failed (rc=%d): %s\n--- stdout ---\n%s\n--- stderr ---\n%s'
                           % (self.rc, ' '.join(self.argv), self.stdout, self.stderr))
        return self

    def __repr__(self):
        return '<ClientResult rc=%d result=%r>' % (self.rc, self.result)


class ClientProcess:
    """A vapush-testclient running in the background (see Client.spawn)."""

    def __init__(self, argv, env=None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self._lines = []
        self._stderr = []
        self._cond = threading.Condition()
        self._t_out = threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines),
                                       daemon=True)
        self._t_err = threading.Thread(target=self._pump, args=(self.proc.stderr, self._stderr),
                                       daemon=True)
        self._t_out.start()
        self._t_err.start()

    def _pump(self, stream, sink):
        for line in stream:
            with self._cond:
                sink.append(line.rstrip('\n'))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def lines(self):
        with self._cond:
            return list(self._lines)

    def wait_line(self, pattern, timeout=20.0, start=0):
        """Wait for a stdout line matching regex `pattern` (from line index `start`); return it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for l in self._lines[start:]:
                    if rx.search(l):
                        return l
                if self.proc.poll() is not None and not self._t_out.is_alive():
                    raise RigError('vapush-testclient exited (rc=%s) before /%s/:\n%s\n%s'
                                   % (self.proc.returncode, pattern, '\n'.join(self._lines),
                                      '\n'.join(self._stderr)))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError('timed out after %.1fs waiting for client line /%s/:\n%s'
                                       % (timeout, pattern, '\n'.join(self._lines)))
                self._cond.wait(min(left, 0.05))

    def wait_ready(self, timeout=20.0):
        return self.wait_line(r'^READY$', timeout)

    def stop(self, timeout=10.0):
        """SIGTERM (the client closes its stream cleanly), wait, SIGKILL fallback. -> ClientResult."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout=30.0):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self._t_out.join(5)
        self._t_err.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        return ClientResult(self.argv, self.proc.returncode, '\n'.join(self.lines) + '\n',
                            '\n'.join(self._stderr))


class Client:
    """Runs vapush-testclient for one account. Every method returns a ClientResult
    (check=True raises RigError unless it exited 0); spawn() runs it in the background."""

    def __init__(self, jid, password, port, host=LOOPBACK, resource=None, timeout=20.0,
                 binary=None):
        self.jid = jid
        self.password = password
        self.port = port
        self.host = host
        self.resource = resource
        self.timeout = timeout
        self.binary = binary

    def argv(self, command, *args, resource=None, sm=False, show=None, status=None,
             no_presence=False, stay_online=None, then=None, timeout=None, debug=False):
        argv = [self.binary or client_binary(), command, '--jid', self.jid, '--password',
                self.password, '--host', self.host, '--port', str(self.port),
                '--timeout', str(timeout or self.timeout)]
        res = resource or self.resource
        if res:
            argv += ['--resource', res]
        if sm:
            argv.append('--sm')
        if show:
            argv += ['--show', show]
        if status:
            argv += ['--status', status]
        if no_presence:
            argv.append('--no-presence')
        if stay_online is not None:
            argv += ['--stay-online', str(stay_online)]
        if then:
            argv += ['--then'] + (then.split() if isinstance(then, str) else [str(t) for t in then])
        if debug:
            argv.append('--debug')
        return argv + [str(a) for a in args]

    def run(self, command, *args, check=True, **kw):
        """Run one command to completion; kw as for argv()."""
        argv = self.argv(command, *args, **kw)
        limit = float(kw.get('timeout') or self.timeout) + 15.0
        if kw.get('stay_online'):
            limit += float(kw['stay_online'])
        then = kw.get('then')
        if isinstance(then, str) and then.startswith('stay'):
            limit += float(then.split()[1])
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=limit,
                               stdin=subprocess.DEVNULL)
            res = ClientResult(argv, r.returncode, r.stdout, r.stderr)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
            err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or '')
            res = ClientResult(argv, -9, out, err + '\n(killed after %.0fs)' % limit)
        return res.check() if check else res

    def spawn(self, command, *args, **kw):
        """Start the client in the background -> ClientProcess (wait_ready(), stop())."""
        return ClientProcess(self.argv(command, *args, **kw))

    # -- convenience wrappers -------------------------------------------------------------

    def enable(self, push_jid, node, secret=None, options=None, then='close', **kw):
        """XEP-0357 enable. then: 'close' | 'hibernate' (implies SM) | 'stay N'."""
        args = ['--push-jid', push_jid, '--node', node]
        if secret is not None:
            args += ['--secret', secret]
        for k, v in (options or {}).items():
            args += ['--option', '%s=%s' % (k, v)]
        return self.run('enable', *args, then=then, **kw)

    def disable(self, push_jid, node=None, **kw):
        args = ['--push-jid', push_jid] + (['--node', node] if node else [])
        return self.run('disable', *args, **kw)

    def send(self, to, body=None, id=None, **kw):
        """Send one chat message; returns after the server has processed it (ping round-trip)."""
        return self.send_messages([dict(to=to, body=body, id=id)], **kw)

    def send_messages(self, messages, **kw):
        """messages: dicts with to, body, id, type, markable, request_receipt, displayed, received."""
        args = []
        for m in messages:
            args += ['--to', m['to']]
            for key in ('body', 'id', 'type', 'displayed', 'received'):
                if m.get(key) is not None:
                    args += ['--' + key, m[key]]
            if m.get('markable'):
                args.append('--markable')
            if m.get('request_receipt'):
                args.append('--request-receipt')
        return self.run('send', *args, **kw)

    def presence(self, seq=('available', 'away', 'xa', 'dnd', 'unavailable'), **kw):
        seq = seq if isinstance(seq, str) else ','.join(seq)
        return self.run('presence', '--seq', seq, **kw)

    def command(self, to, node, fields=None, oneshot=False, submit_action=None, **kw):
        """XEP-0050: execute NODE at TO, submit `fields` (dict or list of pairs) if asked."""
        args = ['--to', to, '--node', node]
        items = fields.items() if isinstance(fields, dict) else (fields or [])
        for k, v in items:
            args += ['--field', '%s=%s' % (k, v)]
        if oneshot:
            args.append('--oneshot')
        if submit_action:
            args += ['--submit-action', submit_action]
        return self.run('command', *args, **kw)

    def disco_info(self, to, node=None, **kw):
        return self.run('disco-info', '--to', to, *(['--node', node] if node else []), **kw)

    def disco_items(self, to, node=None, **kw):
        return self.run('disco-items', '--to', to, *(['--node', node] if node else []), **kw)

    def iq(self, xml, **kw):
        return self.run('iq', '--xml', xml, **kw)

    def online(self, **kw):
        """Background session that stays available until stop() -> ClientProcess (READY waited)."""
        kw.setdefault('stay_online', 600)
        p = self.spawn('online', **kw)
        try:
            p.wait_ready(timeout=float(kw.get('timeout') or self.timeout) + 5)
        except BaseException:
            p.stop()
            raise
        return p
