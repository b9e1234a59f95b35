# SPDX-License-Identifier: Apache-2.0
"""Dispatch benchmark: N APNs alert pushes over TLS + HTTP/2 to bench_apns_sink from
h2load (the limit), @parse/node-apn (peer) and vapush's push engine. One fresh sink per
sender, so the sink's CPU time is attributed to that sender's run.

    python3 bench/dispatch.py [--n 200000] [--streams 1000]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import benchlib as bl

BODY = {"aps": {"alert": {"title": "Virtual Agent",
                          "body": "Hello, this is a benchmark notification body"},
                "badge": 3, "sound": "default", "thread-id": "va@localhost"},
        "conversation": "va@localhost", "category": "virtual_agent", "unread": "1",
        "notification_id": "0123456789abcdef0123456789abcdef"}
TOKEN = '0' * 63 + '7'
SINK_CPU, SENDER_CPU = 0, 1


def make_keys(work):
    """Self-signed sink certificate (127.0.0.1) and an ES256 .p8 provider key."""
    cert, key, p8 = (os.path.join(work, f) for f in ('cert.pem', 'key.pem', 'AuthKey.p8'))
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                    'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
                    '-days', '2', '-subj', '/CN=localhost', '-addext',
                    'subjectAltName=IP:127.0.0.1,DNS:localhost'],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
                    'ec_paramgen_curve:P-256', '-out', p8],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(work, 'body.json'), 'w') as f:
        json.dump(BODY, f, separators=(',', ':'))
    return cert, key, p8


class Sink:
    def __init__(self, work, cert, key, streams):
        self.port_file = os.path.join(work, 'sink.port')
        self.out = os.path.join(work, 'sink.out')
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.proc = bl.spawn([bl.binary('bench', 'bench_apns_sink'), '--cert', cert, '--key', key,
                              '--port-file', self.port_file, '--streams', str(streams),
                              '--seconds', '900'], cpu=SINK_CPU, stdout=open(self.out, 'w'))
        if not bl.wait_file(self.port_file, 10, self.proc):
            raise RuntimeError('apns sink did not start')
        self.port = int(open(self.port_file).read())

    def stop(self):
        bl.stop(self.proc, 10)
        with open(self.out) as f:
            return bl.parse_kv(f.read())


def run_measured(argv, timeout):
    """Runs a sender pinned to its core; returns (rc, wall s, CPU s from wait4, stdout)."""
    argv = ['taskset', '-c', str(SENDER_CPU)] + argv
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    bl._children.append(p)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    bl._children.remove(p)
    wall = time.monotonic() - t0
    # communicate() reaped it: CPU of the child from RUSAGE_CHILDREN is not per child, so
    # senders that report their own sending-phase CPU are preferred (node-apn, vapush).
    return p.returncode, wall, out.decode(errors='replace'), err.decode(errors='replace')


def h2load(work, port, n, streams):
    body = os.path.join(work, 'body.json')
    argv = ['/usr/bin/time', '-f', 'cpu_user=%U cpu_sys=%S', 'h2load', '-n', str(n), '-c', '1',
            '-m', str(streams), '-d', body,
            '-H', 'apns-topic: com.example.chat', '-H', 'apns-push-type: alert',
            '-H', 'apns-priority: 10', '-H', 'apns-expiration: 0',
            '-H', 'apns-collapse-id: va@localhost',
            '-H', 'authorization: bearer ' + 'eyJhbGciOiJFUzI1NiIsImtpZCI6IktFWTEyMzQ1NjcifQ.'
                  'eyJpc3MiOiJURUFNMTIzNDU2IiwiaWF0IjoxODAwMDAwMDAwfQ.' + 'A' * 86,
            'https://127.0.0.1:%d/3/device/%s' % (port, TOKEN)]
    rc, wall, out, err = run_measured(argv, 600)
    res = {'rc': rc}
    for line in out.splitlines():
        if line.startswith('finished in'):
            res['rate'] = float(line.split(',')[1].split()[0])
            t = line.split()[2].rstrip(',')
            res['seconds'] = float(t[:-2]) / 1000 if t.endswith('ms') else float(t[:-1])
        if line.startswith('requests:'):
            res['delivered'] = int(line.split('succeeded')[0].split(',')[-1].strip())
    kv = bl.parse_kv(err)
    res['cpu_s'] = kv.get('cpu_user', 0) + kv.get('cpu_sys', 0)
    return res


def run(n=200000, streams=1000, vapush_timeout=300, node_timeout=300, sched_timeout=90):
    work = bl.tempdir('vapush-dispatch-')
    results = {}
    try:
        cert, key, p8 = make_keys(work)
        senders = [
            ('h2load', lambda port: max((h2load(work, port, n, streams) for _ in range(2)),
                                        key=lambda r: r.get('rate', 0))),
            ('node-apn', lambda port: _kv_sender(
                ['node', os.path.join(bl.HERE, 'node_apn_send.js'), '--port', str(port),
                 '--ca', cert, '--key', p8, '--n', str(n), '--window', str(streams),
                 '--timeout', str(node_timeout)], node_timeout + 30)),
            ('vapush', lambda port: _kv_sender(
                [bl.binary('bench', 'bench_push_dispatch'), '--port', str(port), '--ca', cert,
                 '--key', p8, '--n', str(n), '--streams', str(streams),
                 '--timeout', str(sched_timeout)], sched_timeout + 30)),
            ('vapush-window', lambda port: _kv_sender(
                [bl.binary('bench', 'bench_push_dispatch'), '--port', str(port), '--ca', cert,
                 '--key', p8, '--n', str(n), '--streams', str(streams), '--window',
                 str(streams), '--timeout', str(vapush_timeout)], vapush_timeout + 30)),
        ]
        if not os.path.isdir(os.path.join(bl.HERE, 'node_modules', '@parse', 'node-apn')):
            senders = [s for s in senders if s[0] != 'node-apn']
            results['node-apn'] = {'pending': 'npm package @parse/node-apn not installed'}
        for name, fn in senders:
            sink = Sink(work, cert, key, streams)
            try:
                res = fn(sink.port)
            finally:
                s = sink.stop()
            res['sink_cpu_s'] = s.get('cpu_s', 0)
            res['sink_requests'] = s.get('requests', 0)
            results[name] = res
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def scaling(sizes, streams=1000, timeout=120):
    """vapush's engine (window = streams) and h2load at each size, a fresh sink each: how
    the dispatch rate grows with N. Returns {n: {'vapush': rate, 'h2load': rate}}."""
    work = bl.tempdir('vapush-dispatch-scale-')
    out = {}
    try:
        cert, key, p8 = make_keys(work)
        for n in sizes:
            row = {}
            for name in ('h2load', 'vapush'):
                sink = Sink(work, cert, key, streams)
                try:
                    if name == 'h2load':
                        res = h2load(work, sink.port, n, streams)
                    else:
                        res = _kv_sender(
                            [bl.binary('bench', 'bench_push_dispatch'), '--port', str(sink.port),
                             '--ca', cert, '--key', p8, '--n', str(n), '--streams', str(streams),
                             '--window', str(streams), '--timeout', str(timeout)], timeout + 30)
                finally:
                    sink.stop()
                row[name] = res.get('rate') if res.get('rc') == 0 else None
            out[n] = row
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _kv_sender(argv, timeout):
    rc, wall, out, err = run_measured(argv, timeout)
    res = bl.parse_kv(out)
    res['rc'] = rc
    if rc != 0:
        res['error'] = (err.strip().splitlines() or ['exit %s' % rc])[-1][:200]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=200000)
    ap.add_argument('--streams', type=int, default=1000)
    a = ap.parse_args()
    print(json.dumps(run(a.n, a.streams), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
