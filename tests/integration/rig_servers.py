# SPDX-License-Identifier: Apache-2.0
"""Test rig, part 2: private ejabberd and Prosody servers. Import through rig."""

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
from rig import _fill_template, _read, _tail  # noqa: F401
from rig_client import Client  # noqa: E402
from rig_component import MiniComponent  # noqa: E402


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

    Configured exactly as packaging/prosody/README.md tells admins to, which includes
    mod_firewall with vapush-forward.pfw; forward=False drops those two lines (a server
    set up without the forwarding rules).
    """

    kind = 'prosody'

    def __init__(self, forward=True, hibernation_time=300, extra_lua='', **kw):
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
        _fill_template(os.path.join(PACKAGING_DIR, 'prosody', 'vapush-forward.pfw'), pfw,
                       values, '#')
        if not self.forward:
            # a server set up without the forwarding rules: comment the two lines out
            text, n1 = re.subn(r'(?m)^(\s*)("firewall";)', r'\1-- \2', text)
            text, n2 = re.subn(r'(?m)^(\s*)(firewall_scripts = .*)$', r'\1-- \2', text)
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
