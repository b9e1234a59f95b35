# SPDX-License-Identifier: Apache-2.0
"""Ingest benchmark: durable publishes/s absorbed by vapushd vs a gloox ack-only component,
both fed by bench_ingest_load (the server side of XEP-0114) on another core.

    python3 bench/ingest.py [--n 200000] [--window 1000] [--devices 10000] [--profile perf]
"""

import argparse
import os
import shutil
import sys

import benchlib as bl

SECRET = 'bench-secret'
STAT_SYSCALLS = ['fdatasync', 'fsync', 'recvfrom', 'read', 'sendto', 'write', 'pwrite64',
                 'fcntl']

CONFIG = """component:
  jid: push.localhost
  host: 127.0.0.1
  port: {port}
  secret_file: secret
  domains: [localhost]
  reconnect_min: 100ms
  reconnect_max: 1s
storage: {{ sqlite: vapush.db }}
batching: {{ interval: 3600s }}
http: {{ listen: "" }}
log: {{ level: {level}, file: vapushd.log }}
"""


def run_one(kind, n, window, devices, component_cpu=0, load_cpu=1, log_level='info',
            profile=None, timeout=300):
    """kind: 'vapushd' or 'ackonly'. Returns the load tool's figures (dict)."""
    work = bl.tempdir('vapush-ingest-')
    try:
        with open(os.path.join(work, 'secret'), 'w') as f:
            f.write(SECRET + '\n')
        os.chmod(os.path.join(work, 'secret'), 0o600)
        if kind == 'vapushd':
            seed = bl.binary('bench', 'bench_seed_devices')
            import subprocess
            subprocess.run([seed, os.path.join(work, 'vapush.db'), str(devices)], check=True,
                           stdout=subprocess.DEVNULL)
        out_path = os.path.join(work, 'load.out')
        port_file = os.path.join(work, 'port')
        pid_file = os.path.join(work, 'pid')
        with open(out_path, 'w') as out, open(os.path.join(work, 'load.err'), 'w') as err:
            load = bl.spawn([bl.binary('bench', 'bench_ingest_load'), '--n', str(n),
                             '--window', str(window), '--devices', str(devices),
                             '--secret', SECRET, '--port-file', port_file,
                             '--pid-file', pid_file, '--timeout', str(timeout)],
                            cpu=load_cpu, stdout=out, stderr=err)
        if not bl.wait_file(port_file, 10, load):
            raise RuntimeError('load tool did not start: ' + _read(work, 'load.err'))
        port = int(open(port_file).read())
        if kind == 'vapushd':
            with open(os.path.join(work, 'vapush.yml'), 'w') as f:
                f.write(CONFIG.format(port=port, level=log_level))
            argv = [bl.binary('plugin', 'vapushd'), '--config', os.path.join(work, 'vapush.yml')]
        else:
            argv = [bl.binary('bench', 'bench_ackonly_component'), '--port', str(port),
                    '--secret', SECRET, '--seconds', str(timeout)]
        if profile == 'perf':
            argv = ['perf', 'record', '--call-graph', 'dwarf,16384', '-F', '2000', '-o', os.path.join(work, 'perf.data'), '--'] + argv
        elif profile == 'stat':
            # Syscalls per publish: commits (fdatasync), receive passes, sends.
            events = ','.join('syscalls:sys_enter_' + e for e in STAT_SYSCALLS)
            argv = ['perf', 'stat', '-x', ',', '-o', os.path.join(work, 'perf.stat'), '-e',
                    events + ',task-clock,context-switches', '--'] + argv
        comp = bl.spawn(argv, cpu=component_cpu, cwd=work,
                        stderr=open(os.path.join(work, 'component.err'), 'w'))
        with open(pid_file + '.tmp', 'w') as f:
            f.write(str(bl.child_pid(comp.pid) if profile else comp.pid))
        os.rename(pid_file + '.tmp', pid_file)
        try:
            load.wait(timeout + 10)
        finally:
            bl.stop(load, 2)
            if profile:
                bl.signal_children(comp.pid)  # perf waits for its child, then writes
                try:
                    comp.wait(20)
                except Exception:  # noqa: BLE001 - stop() below kills it
                    pass
            rc = bl.stop(comp, 20)
        res = bl.parse_kv(_read(work, 'load.out'))
        res['component_rc'] = rc
        if load.returncode != 0 or 'rate' not in res:
            raise RuntimeError('%s: load failed (rc %s): %s %s' % (
                kind, load.returncode, _read(work, 'load.err')[-2000:],
                _read(work, 'component.err')[-2000:]))
        if kind == 'vapushd':
            import sqlite3
            db = sqlite3.connect(os.path.join(work, 'vapush.db'))
            res['stored'] = db.execute('SELECT count(*) FROM unread_message').fetchone()[0]
            res['sync'] = 'FULL (WAL)'
            db.close()
        if profile == 'stat':
            for line in _read(work, 'perf.stat').splitlines():
                f = line.split(',')
                if len(f) > 2 and f[0].replace('.', '').isdigit():
                    res[f[2].replace('syscalls:sys_enter_', '')] = float(f[0])
        if profile:
            res['workdir'] = work
            work = None
        return res
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)


def _read(work, name):
    try:
        with open(os.path.join(work, name), errors='replace') as f:
            return f.read()
    except OSError:
        return ''


def run(n=200000, window=1000, devices=10000, repeats=1, vapush_n=None):
    """Both subjects, best of `repeats`; vapushd may use a smaller N when it is slow."""
    best = {}
    for kind, count in (('ackonly', n), ('vapushd', vapush_n or n)):
        for _ in range(repeats):
            r = run_one(kind, count, window, devices)
            if kind not in best or r['rate'] > best[kind]['rate']:
                best[kind] = r
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=200000)
    ap.add_argument('--window', type=int, default=1000)
    ap.add_argument('--devices', type=int, default=10000)
    ap.add_argument('--kind', default='both', choices=['both', 'vapushd', 'ackonly'])
    ap.add_argument('--log-level', default='info')
    ap.add_argument('--profile', choices=['perf', 'stat'])
    a = ap.parse_args()
    kinds = ['ackonly', 'vapushd'] if a.kind == 'both' else [a.kind]
    for k in kinds:
        r = run_one(k, a.n, a.window, a.devices, log_level=a.log_level, profile=a.profile)
        print(k, ' '.join('%s=%s' % kv for kv in sorted(r.items())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
