# SPDX-License-Identifier: Apache-2.0
"""Test rig, part 4: MiniComponent, a stdlib XEP-0114 component, and XML helpers. Import through rig."""

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
