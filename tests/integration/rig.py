# SPDX-License-Identifier: Apache-2.0
"""Test rig: private ejabberd / Prosody servers, the vapush-testclient wrapper and a mini XEP-0114 component.

Stdlib only. Every server runs from a fresh temp dir on free 127.0.0.1 ports, with its
configuration built from the admin snippets in packaging/ejabberd and packaging/prosody,
so the tests exercise exactly what admins are told to install.

    with EjabberdRig() as rig:                    # or ProsodyRig(forward=True)
        rig.register('alice', 'pw')
        comp = rig.component()                    # MiniComponent, connected
        a = rig.client('alice', 'pw', resource='phone')
        a.enable(rig.component_jid, 'node1', secret='s', then='hibernate')
        ...
        push = comp.wait_push(node='node1')

Environment: VAPUSH_SOURCE_DIR, VAPUSH_BUILD_DIR (client at
$VAPUSH_BUILD_DIR/tests/tools/vapush-testclient, or $VAPUSH_TESTCLIENT), VAPUSH_KEEP_RIG=1
keeps the temp dirs after stop.
"""

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

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get('VAPUSH_SOURCE_DIR') or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get('VAPUSH_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')
PACKAGING_DIR = os.path.join(SOURCE_DIR, 'packaging')
LOOPBACK = '127.0.0.1'

NS_COMPONENT = 'jabber:component:accept'
NS_PUBSUB = 'http://jabber.org/protocol/pubsub'
NS_PUSH = 'urn:xmpp:push:0'
NS_DATA = 'jabber:x:data'
NS_FORWARD = 'urn:xmpp:forward:0'
NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'


class RigError(RuntimeError):
    """A server or helper process could not be started, stopped or used."""


class PortClash(RigError):
    """One of the rig's ports was taken by someone else before the server could bind it."""


# ---------------------------------------------------------------------------------------------
# small helpers

_ports_handed_out = set()
_ports_lock = threading.Lock()


def free_port(host=LOOPBACK):
    """Return a TCP port that is free on `host` right now (bind to port 0 and release it).

    Ports handed out before by this process are never returned again.
    """
    for _ in range(50):
        with socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        with _ports_lock:
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port
    raise RigError('no free port found')


def wait_until(predicate, timeout=10.0, what='condition', interval=0.03):
    """Poll `predicate()` every `interval` s until it returns something truthy; return that.

    Raises TimeoutError('timed out after Xs waiting for WHAT') at the deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError('timed out after %.1fs waiting for %s' % (timeout, what))
        time.sleep(interval)


def port_open(port, host=LOOPBACK):
    """True if a TCP connect to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pid_alive(pid):
    """True if `pid` exists and is not a zombie (a reaped-late <defunct> counts as dead)."""
    if not pid:
        return False
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except OSError:
        return False
    # state is the field after the parenthesised command name
    return stat[stat.rfind(')') + 2:][:1] not in ('Z', 'X', '')


def _read(path, start=0):
    try:
        with open(path, 'rb') as f:
            f.seek(start)
            return f.read().decode('utf-8', 'replace')
    except OSError:
        return ''


def _tail(path, lines=40):
    return '\n'.join(_read(path).splitlines()[-lines:])


def _fill_template(src, dst, values, comment):
    """Copy a packaging snippet, substituting @NAME@ placeholders; fail on leftovers."""
    with open(src) as f:
        text = f.read()
    for key, val in values.items():
        text = text.replace('@%s@' % key, str(val))
    for lineno, line in enumerate(text.splitlines(), 1):
        code = line.split(comment, 1)[0]
        m = re.search(r'@[A-Z_]+@', code)
        if m:
            raise RigError('%s:%d: unknown placeholder %s' % (src, lineno, m.group(0)))
    with open(dst, 'w') as f:
        f.write(text)
    return text


# ---------------------------------------------------------------------------------------------
# servers

_live_rigs = []


def _stop_all_rigs():
    for rig in list(_live_rigs):
        try:
            rig.cleanup()
        except Exception:  # pragma: no cover - best effort at interpreter exit
            pass


atexit.register(_stop_all_rigs)


def _sigterm_to_exit(signum, frame):
    raise SystemExit(128 + signum)


# A SIGTERM (e.g. ctest's timeout) becomes SystemExit, so cleanups and atexit still stop
# the servers. Only when nobody installed a handler before us.
if (threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
    signal.signal(signal.SIGTERM, _sigterm_to_exit)

# Watchdog run next to every server: if the test process dies without stopping it (SIGKILL,
# crash), it terminates the server's process group. It exits by itself once the group is gone.
_WATCHDOG = r'''
import os, signal, sys, time
parent, pgid = int(sys.argv[1]), int(sys.argv[2])
def exists(fn, pid):
    try:
        fn(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
while exists(os.killpg, pgid):
    if not exists(os.kill, parent):
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 2.0)):
            try:
                os.killpg(pgid, sig)
            except OSError:
                sys.exit(0)
            end = time.monotonic() + wait
            while exists(os.killpg, pgid) and time.monotonic() < end:
                time.sleep(0.1)
        sys.exit(0)
    time.sleep(0.25)
'''


class ServerRig:
    """Common part of EjabberdRig and ProsodyRig (use those)."""

    kind = 'server'
    start_timeout = 30.0
    stop_timeout = 10.0

    def __init__(self, domain='localhost', component_jid=None, component_secret=None,
                 base_dir=None, keep=None):
        self.domain = domain
        self.component_jid = component_jid or 'push.%s' % domain
        self.component_secret = component_secret or secrets.token_hex(12)
        self.host = LOOPBACK
        self._own_dir = base_dir is None
        self.base_dir = base_dir or tempfile.mkdtemp(prefix='vapush-%s-' % self.kind)
        self.keep = keep if keep is not None else os.environ.get('VAPUSH_KEEP_RIG') == '1'
        self.c2s_port = free_port()
        self.component_port = free_port()
        self.proc = None
        self._configured = False
        self._log_mark = 0
        self.start_seconds = None

    # -- public API -----------------------------------------------------------------------

    def start(self):
        """Write the config (first time only), start the server and wait until it is ready."""
        if self.running:
            return self
        attempts = 3 if not self._configured else 1
        for attempt in range(attempts):
            if not self._configured:
                self._write_config()
                self._configured = True
            t0 = time.monotonic()
            try:
                self._launch()
                self._wait_ready()
            except RigError as e:
                port_clash = isinstance(e, PortClash) or self._port_clash()
                self._kill()
                if port_clash and attempt + 1 < attempts:
                    # another test grabbed one of our ports in the meantime: take new ones
                    self._new_ports()
                    self._configured = False
                    continue
                raise RigError('%s did not start: %s\n--- %s (tail) ---\n%s'
                               % (self.kind, e, self.log_path, _tail(self.log_path))) from None
            self.start_seconds = time.monotonic() - t0
            if self not in _live_rigs:
                _live_rigs.append(self)
            return self
        raise RigError('%s did not start' % self.kind)  # pragma: no cover

    def stop(self):
        """Stop the server (SIGTERM, bounded wait, SIGKILL fallback). Idempotent."""
        if self.proc is not None:
            self._terminate()
            self._kill()
        if self in _live_rigs:
            _live_rigs.remove(self)

    def restart(self):
        """Stop and start again on the same ports with the same data (registrations survive)."""
        self.stop()
        return self.start()

    def cleanup(self):
        """Stop and remove the temp dir (unless keep / VAPUSH_KEEP_RIG=1)."""
        self.stop()
        if self._own_dir and not self.keep:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()
        return False

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def user_jid(self, user):
        return '%s@%s' % (user, self.domain)

    def register(self, user, password):
        raise NotImplementedError

    def register_many(self, users):
        """users: dict or iterable of (user, password)."""
        items = users.items() if isinstance(users, dict) else users
        for user, password in items:
            self.register(user, password)

    def log_text(self, since_mark=True):
        """The server log (since the last start() if since_mark)."""
        return _read(self.log_path, self._log_mark if since_mark else 0)

    def log_mark(self):
        """Current size of the log: pass it to wait_for_log(since=...) to look only at new lines."""
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def wait_for_log(self, pattern, timeout=10.0, since=None, what=None):
        """Wait until the log (from offset `since`, default: this start) matches regex `pattern`."""
        rx = re.compile(pattern)
        start = self._log_mark if since is None else since
        return wait_until(lambda: rx.search(_read(self.log_path, start)), timeout,
                          what or 'log line /%s/ in %s' % (pattern, self.log_path))

    def client(self, user, password, resource=None, **kw):
        """A Client for user@domain on this server."""
        return Client(self.user_jid(user), password, port=self.c2s_port, host=self.host,
                      resource=resource, **kw)

    def component(self, auto_reply=True, connect=True, timeout=10.0):
        """A MiniComponent for this server's component JID, connected unless connect=False."""
        comp = MiniComponent(self.component_jid, self.component_secret, self.component_port,
                             host=self.host, auto_reply=auto_reply)
        if connect:
            comp.connect(timeout=timeout)
        return comp

    # -- subclass hooks -------------------------------------------------------------------

    log_path = None

    def _write_config(self):
        raise NotImplementedError

    def _launch(self):
        raise NotImplementedError

    def _wait_ready(self):
        raise NotImplementedError

    def _terminate(self):
        raise NotImplementedError

    def _port_clash(self):
        return False

    def _new_ports(self):
        self.c2s_port = free_port()
        self.component_port = free_port()

    # -- shared process helpers -----------------------------------------------------------

    def _env(self):
        env = dict(os.environ)
        env['HOME'] = self.base_dir  # nothing (e.g. ~/.erlang.cookie) lands in the real home
        env.setdefault('LANG', 'C.UTF-8')
        return env

    def _popen(self, argv, out_path):
        out = open(out_path, 'ab')
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, cwd=self.base_dir,
                                         env=self._env(), start_new_session=True)
        finally:
            out.close()
        self._watchdog = subprocess.Popen(
            ['/usr/bin/python3', '-c', _WATCHDOG, str(os.getpid()), str(self.proc.pid)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def _reap_watchdog(self):
        wd = getattr(self, '_watchdog', None)
        if wd is None:
            return
        try:
            wd.wait(timeout=2)
        except subprocess.TimeoutExpired:
            wd.kill()
            wd.wait(timeout=2)
        self._watchdog = None

    def _check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            raise RigError('process exited with code %s'
                           % (None if self.proc is None else self.proc.returncode))

    def _kill(self):
        """SIGKILL whatever is left of the process group and reap the launcher."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
        else:
            # the launcher is gone; make sure no orphan of its group survives
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc = None
        self._reap_watchdog()


class EjabberdRig(ServerRig):
    """Private ejabberd 23.01 instance (Debian package) in a temp dir.

    Started with a private ejabberdctl copy (INSTALLUSER emptied, works as root and as any
    user) in `foreground` mode as our child, so we reap it (no zombies). The Erlang
    distribution listens on a private 127.0.0.1 port (ERL_DIST_PORT, no epmd), with
    -setcookie (no ~/.erlang.cookie). The node name is unique and kept across restart()
    because the Mnesia spool is bound to it.
    """

    kind = 'ejabberd'

    def __init__(self, loglevel='info', resume_timeout=300, extra_yaml='', **kw):
        super().__init__(**kw)
        self.loglevel = loglevel
        self.resume_timeout = resume_timeout
        self.extra_yaml = extra_yaml
        self.dist_port = free_port()
        self.node = 'vapushrig%d_%s@localhost' % (self.dist_port, secrets.token_hex(3))
        self.cookie = 'c' + secrets.token_hex(16)
        self.ctl_path = os.path.join(self.base_dir, 'ejabberdctl')
        self.config_path = os.path.join(self.base_dir, 'ejabberd.yml')
        self.logs_dir = os.path.join(self.base_dir, 'logs')
        self.spool_dir = os.path.join(self.base_dir, 'db')
        self.log_path = os.path.join(self.logs_dir, 'ejabberd.log')
        self.pid_path = os.path.join(self.base_dir, 'ejabberd.pid')

    def _new_ports(self):
        super()._new_ports()
        # the node name embeds the dist port only for readability; keep the name unique
        self.dist_port = free_port()
        self.node = 'vapushrig%d_%s@localhost' % (self.dist_port, secrets.token_hex(3))
        shutil.rmtree(self.spool_dir, ignore_errors=True)

    def _write_config(self):
        os.makedirs(self.spool_dir, exist_ok=True)
        os.makedirs(self.logs_dir, exist_ok=True)
        with open('/usr/sbin/ejabberdctl') as f:
            ctl = f.read()
        ctl, n = re.subn(r'(?m)^INSTALLUSER=.*$', 'INSTALLUSER=', ctl)
        if n != 1:
            raise RigError('unexpected /usr/sbin/ejabberdctl: no INSTALLUSER line')
        with open(self.ctl_path, 'w') as f:
            f.write(ctl)
        os.chmod(self.ctl_path, 0o755)
        # ejabberdctl sets ERL_INETRC=<config-dir>/inetrc; /etc/ejabberd is not world-readable
        with open(os.path.join(self.base_dir, 'inetrc'), 'w') as f:
            f.write('{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n')
        with open(os.path.join(self.base_dir, 'ejabberdctl.cfg'), 'w') as f:
            f.write('# sourced by ejabberdctl (generated by tests/integration/rig.py)\n'
                    'ERL_DIST_PORT=%d\n'
                    'ERL_OPTIONS="-setcookie %s -kernel inet_dist_use_interface {127,0,0,1}'
                    ' -env ERL_CRASH_DUMP_BYTES 0"\n'
                    'EJABBERD_PID_PATH=%s\n'
                    'EJABBERD_BYPASS_WARNINGS=true\n'
                    % (self.dist_port, self.cookie, self.pid_path))
        values = {'COMPONENT_PORT': self.component_port, 'COMPONENT_IP': LOOPBACK,
                  'COMPONENT_JID': self.component_jid, 'SECRET': self.component_secret,
                  'DOMAIN': self.domain}
        inc1 = os.path.join(self.base_dir, 'vapush.yml')
        inc2 = os.path.join(self.base_dir, 'vapush-modules.yml')
        _fill_template(os.path.join(PACKAGING_DIR, 'ejabberd', 'vapush.yml'), inc1, values, '#')
        text = _fill_template(os.path.join(PACKAGING_DIR, 'ejabberd', 'vapush-modules.yml'),
                              inc2, values, '#')
        if self.resume_timeout != 300:
            text = re.sub(r'resume_timeout: \d+', 'resume_timeout: %d' % self.resume_timeout, text)
            with open(inc2, 'w') as f:
                f.write(text)
        with open(self.config_path, 'w') as f:
            f.write(EJABBERD_BASE_YML % {
                'domain': self.domain, 'loglevel': self.loglevel, 'c2s_port': self.c2s_port,
                'inc1': inc1, 'inc2': inc2, 'extra': self.extra_yaml})

    def _ctl_argv(self, *args):
        return [self.ctl_path, '--config-dir', self.base_dir, '--config', self.config_path,
                '--ctl-config', os.path.join(self.base_dir, 'ejabberdctl.cfg'),
                '--logs', self.logs_dir, '--spool', self.spool_dir, '--node', self.node] + list(args)

    def _launch(self):
        for port in (self.c2s_port, self.component_port, self.dist_port):
            if port_open(port):
                raise PortClash('port %d already in use' % port)
        try:
            os.unlink(self.pid_path)
        except FileNotFoundError:
            pass
        self._log_mark = self.log_mark()
        self._popen(self._ctl_argv('foreground'), os.path.join(self.logs_dir, 'foreground.out'))

    def _wait_ready(self):
        # The sockets are bound before ejabberd accepts; wait for the log lines instead.
        want = ['Start accepting TCP connections at %s:%d ' % (LOOPBACK, p)
                for p in (self.c2s_port, self.component_port)]
        fatal = re.compile(r'\[critical\]|Failed to start ejabberd|address already in use|'
                           r'node_name_mismatch')

        by_log = self.loglevel in ('info', 'debug')

        def ready():
            self._check_alive()
            text = self.log_text()
            m = fatal.search(text)
            if m:
                raise RigError('ejabberd log says: %s' % text[m.start():m.start() + 300])
            if by_log:
                return all(w in text for w in want)
            # quieter log levels: ask the node itself (each call boots a hidden node, ~0.3 s)
            return (port_open(self.c2s_port) and port_open(self.component_port)
                    and self.ctl('status', check=False, timeout=10).returncode == 0)

        try:
            wait_until(ready, self.start_timeout, 'ejabberd to accept connections')
        except TimeoutError as e:
            raise RigError(str(e)) from None

    def _port_clash(self):
        return 'address already in use' in self.log_text() or 'already in use' in _read(
            os.path.join(self.logs_dir, 'foreground.out'))

    def beam_pid(self):
        try:
            with open(self.pid_path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def _terminate(self):
        pid = self.beam_pid()
        # beam handles SIGTERM as init:stop() (clean, ~1 s); then ejabberdctl (bash) exits
        try:
            if pid and pid_alive(pid):
                os.kill(pid, signal.SIGTERM)
            else:
                os.killpg(self.proc.pid, signal.SIGTERM)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            pass
        if pid:
            try:
                wait_until(lambda: not pid_alive(pid), 2.0, 'beam.smp %d to exit' % pid)
            except TimeoutError:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def ctl(self, *args, check=True, timeout=60):
        """Run ejabberdctl ARGS against this node; returns CompletedProcess (text)."""
        r = subprocess.run(self._ctl_argv(*[str(a) for a in args]), capture_output=True,
                           text=True, timeout=timeout, cwd=self.base_dir, env=self._env(),
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise RigError('ejabberdctl %s failed (%d): %s%s'
                           % (' '.join(map(str, args)), r.returncode, r.stdout, r.stderr))
        return r

    def register(self, user, password):
        self.ctl('register', user, self.domain, password)

    def sessions(self):
        """Full JIDs of the sessions ejabberd has (hibernated ones included)."""
        return self.connected_users()

    def connected_users(self):
        """Full JIDs of the sessions ejabberd has (hibernated ones included)."""
        return [l.strip() for l in self.ctl('connected_users').stdout.splitlines() if l.strip()]


EJABBERD_BASE_YML = """\
# ejabberd.yml generated by tests/integration/rig.py. The vapush parts come from
# packaging/ejabberd/*.yml (copied next to this file with the placeholders filled in).
hosts:
  - %(domain)s
loglevel: %(loglevel)s
log_rotate_count: 0
hide_sensitive_log_data: false

listen:
  -
    port: %(c2s_port)d
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    access: c2s
    starttls: false

auth_method: internal
auth_password_format: scram

acl:
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
      - ::1/128

access_rules:
  c2s:
    allow: all
  local:
    allow: local
  register:
    allow: all

api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"

shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages: 5000

modules:
  mod_admin_extra: {}
  mod_adhoc: {}
  mod_disco: {}
  mod_roster: {}
  mod_caps: {}
  mod_carboncopy: {}
  mod_ping: {}
  mod_offline:
    access_max_user_messages: max_user_offline_messages
  mod_register:
    ip_access: loopback
%(extra)s
include_config_file:
  - %(inc1)s
  - %(inc2)s
"""


class ProsodyRig(ServerRig):
    """Private Prosody 0.12 instance (Debian prosody + prosody-modules) in a temp dir.

    forward=True also enables mod_firewall with packaging/prosody/vapush-forward.pfw,
    exactly as packaging/prosody/README.md tells admins to.
    """

    kind = 'prosody'

    def __init__(self, forward=False, hibernation_time=300, extra_lua='', **kw):
        super().__init__(**kw)
        self.forward = forward
        self.hibernation_time = hibernation_time
        self.extra_lua = extra_lua
        self.config_path = os.path.join(self.base_dir, 'prosody.cfg.lua')
        self.log_path = os.path.join(self.base_dir, 'prosody.log')
        self.console_path = os.path.join(self.base_dir, 'console.log')

    def _write_config(self):
        os.makedirs(os.path.join(self.base_dir, 'data'), exist_ok=True)
        os.makedirs(os.path.join(self.base_dir, 'certs'), exist_ok=True)
        pfw = os.path.join(self.base_dir, 'vapush-forward.pfw')
        values = {'DOMAIN': self.domain, 'COMPONENT_JID': self.component_jid,
                  'SECRET': self.component_secret, 'COMPONENT_PORT': self.component_port,
                  'FORWARD_PFW': pfw}
        snippet = os.path.join(self.base_dir, 'vapush.cfg.lua')
        text = _fill_template(os.path.join(PACKAGING_DIR, 'prosody', 'vapush.cfg.lua'), snippet,
                              values, '--')
        if self.forward:
            _fill_template(os.path.join(PACKAGING_DIR, 'prosody', 'vapush-forward.pfw'), pfw,
                           values, '#')
            # what README.md tells admins: uncomment the two firewall lines
            text, n1 = re.subn(r'(?m)^(\s*)-- ("firewall";)', r'\1\2', text)
            text, n2 = re.subn(r'(?m)^(\s*)-- (firewall_scripts = .*)$', r'\1\2', text)
            if n1 != 1 or n2 != 1:
                raise RigError('vapush.cfg.lua: firewall lines not found (%d, %d)' % (n1, n2))
        if self.hibernation_time != 300:
            text = re.sub(r'(?m)^smacks_hibernation_time = \d+',
                          'smacks_hibernation_time = %d' % self.hibernation_time, text)
        with open(snippet, 'w') as f:
            f.write(text)
        with open(self.config_path, 'w') as f:
            f.write(PROSODY_BASE_LUA % {
                'base': self.base_dir, 'domain': self.domain, 'c2s_port': self.c2s_port,
                'component_port': self.component_port, 'snippet': snippet,
                'extra': self.extra_lua})

    def _launch(self):
        for port in (self.c2s_port, self.component_port):
            if port_open(port):
                raise PortClash('port %d already in use' % port)
        self._log_mark = self.log_mark()
        self._console_mark = os.path.getsize(self.console_path) if os.path.exists(
            self.console_path) else 0
        self._popen(['prosody', '--config', self.config_path, '-F'], self.console_path)

    def _console(self):
        return _read(self.console_path, getattr(self, '_console_mark', 0))

    def _wait_ready(self):
        want = ["Activated service 'c2s' on [%s]:%d\n" % (LOOPBACK, self.c2s_port),
                "Activated service 'component' on [%s]:%d\n" % (LOOPBACK, self.component_port)]

        def ready():
            self._check_alive()
            console = self._console()
            if 'Failed to open server port' in console:
                raise RigError('prosody console: %s' % console.strip()[:1000])
            text = self.log_text()
            return (all(w in text for w in want) and port_open(self.c2s_port)
                    and port_open(self.component_port))

        try:
            wait_until(ready, self.start_timeout, 'prosody to listen')
        except TimeoutError as e:
            raise RigError(str(e)) from None
        console = self._console()
        if 'Failed to open server port' in console:
            raise RigError('prosody console: %s' % console.strip()[:1000])

    def _port_clash(self):
        return 'Failed to open server port' in self._console()

    def _terminate(self):
        try:
            self.proc.send_signal(signal.SIGTERM)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            pass

    def prosodyctl(self, *args, check=True, timeout=30):
        """Run prosodyctl --config CFG ARGS; returns CompletedProcess (text)."""
        r = subprocess.run(['prosodyctl', '--config', self.config_path] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout, cwd=self.base_dir,
                           env=self._env(), stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise RigError('prosodyctl %s failed (%d): %s%s'
                           % (' '.join(map(str, args)), r.returncode, r.stdout, r.stderr))
        return r

    ctl = prosodyctl

    def register(self, user, password):
        self.prosodyctl('register', user, self.domain, password)

    def session_table(self):
        """c2s sessions from `prosodyctl shell c2s:show()`: dicts with jid, status, sm, csi."""
        out = self.prosodyctl('shell', 'c2s:show()').stdout
        rows = []
        for line in out.splitlines():
            cells = [c.strip() for c in line.split('|')]
            if len(cells) >= 7 and '@' in cells[1]:
                rows.append({'id': cells[0], 'jid': cells[1], 'status': cells[3],
                             'sm': cells[5], 'csi': cells[6]})
        return rows

    def sessions(self):
        """Full JIDs of the c2s sessions Prosody has (hibernated ones included)."""
        return [r['jid'] for r in self.session_table()]

    def hibernating(self, since=None):
        """Count of 'Session going into hibernation' log lines (since offset, default this start)."""
        start = self._log_mark if since is None else since
        return _read(self.log_path, start).count('Session going into hibernation')


PROSODY_BASE_LUA = """\
-- prosody.cfg.lua generated by tests/integration/rig.py: loopback only, no TLS, no s2s.
-- The vapush parts come from packaging/prosody/vapush.cfg.lua (Included at the end,
-- like Debian's conf.d), with the placeholders filled in.
local base = "%(base)s"
data_path = base .. "/data"
pidfile = base .. "/prosody.pid"
certificates = base .. "/certs"
run_as_root = true -- only matters for prosodyctl as root
log = {
    { levels = { min = "debug" }, to = "file", filename = base .. "/prosody.log" };
    { levels = { min = "error" }, to = "console" };
}
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { %(c2s_port)d }
component_ports = { %(component_port)d }
component_interfaces = { "127.0.0.1" }
s2s_ports = { }
s2s_direct_tls_ports = { }
http_ports = { }
https_ports = { }
c2s_direct_tls_ports = { }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
storage = "internal"
allow_registration = false

modules_enabled = {
    "roster"; "saslauth"; "disco"; "carbons"; "ping"; "private"; "mam";
    "admin_shell"; -- for prosodyctl shell (sessions())
}
modules_disabled = { "s2s"; "tls" }
smacks_max_unacked_stanzas = 0
archive_expires_after = "1d"
%(extra)s

VirtualHost "%(domain)s"

Include "%(snippet)s"
"""


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


# ---------------------------------------------------------------------------------------------
# a minimal XEP-0114 component


def to_xml(elem, parent_ns=None):
    """Serialise an ElementTree element with plain xmlns attributes (no ns0: prefixes)."""
    tag = elem.tag
    ns = None
    if tag.startswith('{'):
        ns, tag = tag[1:].split('}', 1)
    parts = ['<', tag]
    if ns is not None and ns != parent_ns:
        parts.append(' xmlns="%s"' % _xml_attr(ns))
    for k, v in elem.attrib.items():
        if k.startswith('{http://www.w3.org/XML/1998/namespace}'):
            k = 'xml:' + k.split('}', 1)[1]
        elif k.startswith('{'):
            continue  # foreign-namespaced attributes: not needed here
        parts.append(' %s="%s"' % (k, _xml_attr(v)))
    children = list(elem)
    if not children and not elem.text:
        parts.append('/>')
    else:
        parts.append('>')
        if elem.text:
            parts.append(_xml_text(elem.text))
        for c in children:
            parts.append(to_xml(c, ns if ns is not None else parent_ns))
            if c.tail:
                parts.append(_xml_text(c.tail))
        parts.append('</%s>' % tag)
    return ''.join(parts)


def _xml_text(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def _xml_attr(s):
    return _xml_text(s).replace('"', '&quot;')


def _local(tag):
    return tag.split('}', 1)[1] if tag.startswith('{') else tag


def form_values(x):
    """jabber:x:data form element -> {var: value} (list for multi-valued fields)."""
    out = {}
    if x is None:
        return out
    for f in x.findall('{%s}field' % NS_DATA):
        vals = [v.text or '' for v in f.findall('{%s}value' % NS_DATA)]
        out[f.get('var')] = vals[0] if len(vals) == 1 else (vals if vals else '')
    return out


class Push:
    """A XEP-0357 publish received by the component."""

    def __init__(self, iq):
        self.iq = iq
        self.id = iq.get('id')
        self.sender = iq.get('from')
        pub = iq.find('{%s}pubsub/{%s}publish' % (NS_PUBSUB, NS_PUBSUB))
        self.node = pub.get('node') if pub is not None else None
        notif = iq.find('.//{%s}notification' % NS_PUSH)
        self.summary = form_values(notif.find('{%s}x' % NS_DATA) if notif is not None else None)
        opts = iq.find('{%s}pubsub/{%s}publish-options/{%s}x' % (NS_PUBSUB, NS_PUBSUB, NS_DATA))
        self.options = form_values(opts)
        self.secret = self.options.get('secret')
        self.body = self.summary.get('last-message-body')
        self.last_sender = self.summary.get('last-message-sender')
        self.xml = to_xml(iq)

    @property
    def is_summary(self):
        return self.summary.get('FORM_TYPE') == 'urn:xmpp:push:summary'

    def __repr__(self):
        return '<Push node=%r body=%r>' % (self.node, self.body)


class MiniComponent:
    """Minimal XEP-0114 component (raw socket, handshake = sha1(stream id + secret)).

    Records every top-level stanza (ElementTree elements, namespace jabber:component:accept)
    in `stanzas`; with auto_reply it answers pubsub publish IQs (XEP-0357 pushes) with an
    empty result and other get/set IQs with service-unavailable. Set `iq_handler` to a
    function(elem) -> reply XML string (or None for the default) to answer differently.
    """

    def __init__(self, jid, secret, port, host=LOOPBACK, auto_reply=True):
        self.jid = jid
        self.secret = secret
        self.port = port
        self.host = host
        self.auto_reply = auto_reply
        self.iq_handler = None
        self.stanzas = []
        self.times = []
        self.stream_id = None
        self.closed = False
        self._sock = None
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._thread = None
        self._handshake_ok = False
        self._error = None

    # -- connection -----------------------------------------------------------------------

    def connect(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        self._sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self._sock.settimeout(0.2)
        self._parser = ET.XMLPullParser(events=('start', 'end'))
        self._depth = 0
        self._thread = threading.Thread(target=self._reader, name='MiniComponent', daemon=True)
        self._thread.start()
        self._raw_send("<?xml version='1.0'?><stream:stream xmlns='%s' "
                       "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>"
                       % (NS_COMPONENT, _xml_attr(self.jid)))
        with self._cond:
            while self.stream_id is None:
                self._wait_step(deadline, 'component stream header')
            digest = hashlib.sha1((self.stream_id + self.secret).encode()).hexdigest()
            self._raw_send('<handshake>%s</handshake>' % digest)
            while not self._handshake_ok:
                self._wait_step(deadline, 'component handshake')
        return self

    def _wait_step(self, deadline, what):
        if self._error or self.closed:
            raise RigError('component connection failed during %s: %s' % (what, self._error or
                                                                            'stream closed'))
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError('timed out waiting for %s' % what)
        self._cond.wait(min(left, 0.05))

    def close(self):
        if self._sock is None:
            return
        try:
            self._raw_send('</stream:stream>')
        except OSError:
            pass
        self.closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(3)
        self._sock.close()
        self._sock = None

    stop = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _raw_send(self, data):
        with self._send_lock:
            self._sock.sendall(data.encode('utf-8'))

    def send(self, xml):
        """Send a stanza (string)."""
        self._raw_send(xml)

    def _reader(self):
        try:
            while not self.closed:
                try:
                    data = self._sock.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                self._parser.feed(data)
                for event, elem in self._parser.read_events():
                    if event == 'start':
                        self._depth += 1
                        if self._depth == 1:
                            self._root = elem
                            with self._cond:
                                self.stream_id = elem.get('id')
                                self._cond.notify_all()
                    else:
                        self._depth -= 1
                        if self._depth == 1:
                            self._on_stanza(elem)
                            # drop the finished stanza from the root to bound memory
                            self._root_clear(elem)
        except (OSError, ET.ParseError) as e:
            if not self.closed:
                self._error = repr(e)
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    def _root_clear(self, elem):
        root = getattr(self, '_root', None)
        if root is not None:
            try:
                root.remove(elem)  # the parser would otherwise keep every stanza twice
            except ValueError:
                pass

    def _on_stanza(self, elem):
        name = _local(elem.tag)
        if name == 'handshake':
            with self._cond:
                self._handshake_ok = True
                self._cond.notify_all()
            return
        if name == 'error' and 'streams' in elem.tag:
            with self._cond:
                self._error = 'stream error: ' + to_xml(elem)
                self._cond.notify_all()
            return
        with self._cond:
            self.stanzas.append(elem)
            self.times.append(time.monotonic())
            self._cond.notify_all()
        if name == 'iq' and elem.get('type') in ('get', 'set'):
            self._answer_iq(elem)

    def _answer_iq(self, iq):
        reply = None
        if self.iq_handler is not None:
            reply = self.iq_handler(iq)
        if reply is None and self.auto_reply:
            attrs = "to='%s' from='%s' id='%s'" % (_xml_attr(iq.get('from') or ''),
                                                   _xml_attr(iq.get('to') or self.jid),
                                                   _xml_attr(iq.get('id') or ''))
            if iq.get('type') == 'set' and iq.find('{%s}pubsub' % NS_PUBSUB) is not None:
                reply = "<iq type='result' %s/>" % attrs
            else:
                reply = ("<iq type='error' %s><error type='cancel'><service-unavailable "
                         "xmlns='%s'/></error></iq>" % (attrs, NS_STANZAS))
        if reply:
            try:
                self._raw_send(reply)
            except OSError:
                pass

    # -- inspection -----------------------------------------------------------------------

    def wait_for(self, predicate, timeout=10.0, what='stanza', start=0):
        """Wait for a stanza (index >= start) with predicate(elem) true; return the element."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for elem in self.stanzas[start:]:
                    if predicate(elem):
                        return elem
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError('timed out after %.1fs waiting for %s; component got:\n%s'
                                       % (timeout, what, '\n'.join(to_xml(s) for s in self.stanzas)))
                self._cond.wait(min(left, 0.05))

    def pushes(self):
        """All XEP-0357 publishes received so far, as Push objects."""
        with self._cond:
            items = list(self.stanzas)
        return [Push(s) for s in items if _is_publish(s)]

    def wait_push(self, node=None, body=None, timeout=10.0, start=0):
        """Wait for a push (optionally for `node` / with summary body `body`) -> Push."""
        def match(s):
            if not _is_publish(s):
                return False
            p = Push(s)
            return (node is None or p.node == node) and (body is None or p.body == body)
        return Push(self.wait_for(match, timeout, 'push node=%s body=%s' % (node, body), start))

    def presences(self):
        with self._cond:
            return [s for s in self.stanzas if _local(s.tag) == 'presence']

    def forwarded(self):
        """Inner messages of XEP-0297 forwards received so far (ElementTree elements)."""
        out = []
        with self._cond:
            items = list(self.stanzas)
        for s in items:
            if _local(s.tag) != 'message':
                continue
            for inner in s.findall('{%s}forwarded/{jabber:client}message' % NS_FORWARD):
                out.append(inner)
        return out

    def dump(self):
        with self._cond:
            return '\n'.join(to_xml(s) for s in self.stanzas)


def _is_publish(s):
    return (_local(s.tag) == 'iq' and s.get('type') == 'set'
            and s.find('{%s}pubsub/{%s}publish' % (NS_PUBSUB, NS_PUBSUB)) is not None)
