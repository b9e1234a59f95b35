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


# The rest of the rig lives in rig_servers.py, rig_client.py and rig_component.py; they
# import the helpers above, so these imports stay at the bottom.
from rig_client import Client, ClientProcess, ClientResult, client_binary  # noqa: E402,F401
from rig_component import MiniComponent, Push, form_values, to_xml  # noqa: E402,F401
from rig_servers import EjabberdRig, ProsodyRig, ServerRig  # noqa: E402,F401
