# SPDX-License-Identifier: Apache-2.0
"""The server side of XEP-0114 for tests: listens on loopback, accepts one component,
checks its handshake (sha1(stream id + secret)), then lets the test send stanzas and read
the component's answers. Stdlib only.

    with FakeServer(secret='s') as srv:       # srv.port
        ... start vapushd against srv.port ...
        srv.accept()
        reply = srv.request("<iq type='get' id='1' ...>")   # waits for the answer with id 1
"""

import hashlib
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET

import rig


class FakeServer:
    def __init__(self, secret, domain='localhost', component_jid='push.localhost'):
        self.secret = secret
        self.domain = domain
        self.component_jid = component_jid
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((rig.LOOPBACK, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.conn = None
        self.parser = None
        self.stanzas = []
        self.cond = threading.Condition()
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.conn is not None:
            try:
                self.conn.sendall(b'</stream:stream>')
            except OSError:
                pass
            self.conn.close()
            self.conn = None
        self.sock.close()

    def drop(self):
        """Closes the component's connection abruptly (server went away)."""
        if self.conn is not None:
            self.conn.shutdown(socket.SHUT_RDWR)
            self.conn.close()
            self.conn = None

    def accept(self, timeout=15.0, accept_handshake=True):
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        conn.settimeout(timeout)
        self.conn = conn
        self.closed = False
        buf = b''
        while b'>' not in buf or not re.search(rb'<stream:stream[^>]*>', buf):
            chunk = conn.recv(4096)
            if not chunk:
                raise AssertionError('component closed before stream header')
            buf += chunk
        stream_id = 'sid%d' % int(time.time() * 1000)
        conn.sendall(("<?xml version='1.0'?><stream:stream xmlns:stream="
                      "'http://etherx.jabber.org/streams' xmlns='jabber:component:accept' "
                      "from='%s' id='%s'>" % (self.component_jid, stream_id)).encode())
        while b'</handshake>' not in buf and b'<handshake/>' not in buf:
            chunk = conn.recv(4096)
            if not chunk:
                raise AssertionError('component closed before handshake')
            buf += chunk
        m = re.search(rb'<handshake>([0-9a-fA-F]*)</handshake>', buf)
        expected = hashlib.sha1((stream_id + self.secret).encode()).hexdigest()
        if not accept_handshake or not m or m.group(1).decode().lower() != expected:
            conn.sendall(b"<stream:error><not-authorized "
                         b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
                         b"</stream:stream>")
            conn.close()
            self.conn = None
            return False
        conn.sendall(b'<handshake/>')
        self.parser = ET.XMLPullParser(['start', 'end'])
        self.parser.feed(b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                         b"xmlns='jabber:component:accept'>")
        self.depth = 0
        for ev, el in self.parser.read_events():
            pass
        threading.Thread(target=self._reader, daemon=True).start()
        return True

    def _reader(self):
        conn = self.conn
        depth = 1
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                data = b''
            if not data:
                with self.cond:
                    self.closed = True
                    self.cond.notify_all()
                return
            try:
                self.parser.feed(data)
                events = list(self.parser.read_events())
            except ET.ParseError:
                events = []  # the stream ended (</stream:stream>) or broke: stop reading
                data = b''
            for ev, el in events:
                if ev == 'start':
                    depth += 1
                else:
                    depth -= 1
                    if depth == 1:
                        with self.cond:
                            self.stanzas.append(el)
                            self.cond.notify_all()
            if not data:
                with self.cond:
                    self.closed = True
                    self.cond.notify_all()
                return

    def send(self, xml):
        self.conn.sendall(xml.encode() if isinstance(xml, str) else xml)

    def wait_stanza(self, predicate, timeout=10.0, what='stanza'):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for el in self.stanzas:
                    if predicate(el):
                        self.stanzas.remove(el)
                        return el
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise AssertionError('no %s from the component (closed=%s)'
                                         % (what, self.closed))
                self.cond.wait(left)

    def request(self, xml, timeout=10.0):
        """Sends an IQ and returns the component's reply (matched by id)."""
        iq_id = re.search(r"id=['\"]([^'\"]+)['\"]", xml).group(1)
        self.send(xml)
        return self.wait_stanza(lambda el: el.get('id') == iq_id, timeout, 'reply to ' + iq_id)


def error_of(reply):
    """(type, condition) of an error reply, or None for a result."""
    if reply.get('type') != 'error':
        return None
    err = reply.find('{jabber:component:accept}error')
    if err is None:
        err = reply.find('error')
    cond = [c.tag.split('}')[1] for c in err
            if c.tag.startswith('{urn:ietf:params:xml:ns:xmpp-stanzas}')
            and not c.tag.endswith('}text')]
    return err.get('type'), cond[0] if cond else None


PUBLISH = ("<iq type='set' from='{frm}' to='{to}' id='{id}'>"
           "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='{node}'><item>"
           "<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'>"
           "<field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>"
           "<field var='last-message-sender'><value>{sender}</value></field>"
           "<field var='last-message-body'><value>{body}</value></field>"
           "</x></notification></item></publish>"
           "<publish-options><x xmlns='jabber:x:data' type='submit'>"
           "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options"
           "</value></field><field var='secret'><value>{secret}</value></field>"
           "</x></publish-options></pubsub></iq>")


def publish(id, node, secret, sender='userb@localhost/r', body='hi', frm='localhost',
            to='push.localhost'):
    return PUBLISH.format(id=id, node=node, secret=secret, sender=sender, body=body, frm=frm,
                          to=to)
