# SPDX-License-Identifier: Apache-2.0
"""Runs every vapush benchmark with its same-run reference and writes
bench/results/latest.{md,csv} (+ tick_scaling.png when gnuplot exists).

    python3 bench/run.py [--quick] [--only ingest,e2e,e2e_latency,tick,memory,dispatch]
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import benchlib as bl
import dispatch
import e2e
import e2e_latency
import ingest
import report

FULL = {'ingest_n': 200000, 'ingest_vapush_n': 100000, 'tick_sizes': [1000, 10000, 100000, 1000000],
        'tick_timeout': 200, 'resources': 1000000, 'dispatch_n': 200000, 'dispatch_timeout': 240,
        'sched_timeout': 90, 'ingest_repeats': 2,
        'e2e_users': 100, 'e2e_messages': 20000,
        'lat_users': 10000, 'lat_interval': 5, 'lat_rate': 100, 'lat_enable_budget': 130}
QUICK = {'ingest_n': 50000, 'ingest_vapush_n': 20000, 'tick_sizes': [1000, 10000, 100000],
         'tick_timeout': 60, 'resources': 100000, 'dispatch_n': 20000, 'dispatch_timeout': 60,
         'sched_timeout': 30, 'ingest_repeats': 1,
         'e2e_users': 10, 'e2e_messages': 1000,
         'lat_users': 300, 'lat_interval': 2, 'lat_rate': 100, 'lat_enable_budget': 10}


def run_ingest(p, rows):
    res = ingest.run(n=p['ingest_n'], vapush_n=p['ingest_vapush_n'], window=1000, devices=10000,
                     repeats=p['ingest_repeats'])
    v, a = res['vapushd'], res['ackonly']
    rows.add('ingest', 'vapushd (SQLite, synchronous=FULL)', 'publishes/s acknowledged durably',
             v['rate'], '1/s', 'gloox ack-only component', a['rate'], higher=True,
             target='>= 50000/s on one core', met=v['rate'] >= 50000)
    rows.add('ingest', 'vapushd', 'CPU per publish', 1e6 * v['peer_cpu_s'] / v['n'], 'us',
             'gloox ack-only component', 1e6 * a['peer_cpu_s'] / a['n'], higher=False)
    rows.add('ingest', 'vapushd', 'ack latency p50 (window 1000)', v['p50_ms'], 'ms',
             'gloox ack-only component', a['p50_ms'], higher=False)
    rows.add('ingest', 'vapushd', 'ack latency p99 (window 1000)', v['p99_ms'], 'ms',
             'gloox ack-only component', a['p99_ms'], higher=False)
    rows.raw['ingest'] = res
    if shutil.which('perf'):
        # Where vapushd's time goes: syscalls per publish (group size = publishes per recv).
        st = ingest.run_one('vapushd', 30000, 1000, 10000, profile='stat')
        shutil.rmtree(st.pop('workdir', ''), ignore_errors=True)
        rows.raw['ingest_syscalls'] = st
        n = float(st['n'])
        rows.add('ingest', 'vapushd syscalls (perf stat, 30k publishes)',
                 'publishes per group commit (per fdatasync)',
                 n / max(st.get('fdatasync', 1), 1), '', '', None)
        rows.add('ingest', 'vapushd syscalls', 'publishes per socket read (recv)',
                 n / max(st.get('recvfrom', 1), 1), '', '', None)
        for call, what in (('fdatasync', 'fdatasync'), ('write', 'write() (log lines)'),
                           ('sendto', 'send() (one per reply)'), ('fcntl', 'fcntl (SQLite locks)'),
                           ('pwrite64', 'pwrite (WAL frames)')):
            rows.add('ingest', 'vapushd syscalls', what + ' per publish', st.get(call, 0) / n,
                     '', '', None)


def run_tick(p, rows, work):
    curve = []
    for m in p['tick_sizes']:
        out = subprocess.run([bl.binary('bench', 'bench_tick'), '--messages', str(m), '--dir', work,
                              '--timeout', str(p['tick_timeout'])],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1800)
        r = bl.parse_kv(out.stdout.decode())
        if 'tick_s' not in r:
            raise RuntimeError('bench_tick %d failed: %s' % (m, out.stderr.decode()[-500:]))
        curve.append(r)
    rows.raw['tick'] = curve
    big = curve[-1]
    label = '%d messages, %d users, %d devices' % (big['messages'], big['users'], big['devices'])
    done = big['complete'] == 1
    rows.add('tick', 'one tick (%s)' % label,
             'wall time: snapshot+plan+commit+hand-over' + ('' if done else
                                                           ' (hand-over cut off at the time limit)'),
             big['tick_s'], 's', 'raw prepared INSERT of the same rows+pushes, one transaction',
             big['raw_s'], higher=False, target='<= 5 s; >= 50 % of raw insert speed',
             met=done and big['tick_s'] <= 5 and big['raw_s'] / big['tick_s'] >= 0.5)
    for phase in ('load_s', 'plan_s', 'commit_s', 'handover_s'):
        rows.add('tick', 'phase ' + phase[:-2], 'wall time', big[phase], 's',
                 'raw insert' if phase == 'commit_s' else '', big['raw_s'] if phase == 'commit_s'
                 else None, higher=False)
    rows.add('tick', 'hand-over', 'pushes handed to the sender within the limit',
             big['handed_over'], 'pushes', 'pushes planned', big['pushes'], higher=True)
    rows.add('tick', 'what-if reference', 'raw insert with PRAGMA cache_size=256 MB',
             big['raw_cache256_s'], 's', 'raw insert (default 2 MB cache)', big['raw_s'],
             higher=False)
    rows.add('tick', 'what-if reference', 'raw insert, 256 MB cache + ascending ids',
             big['raw_cache256_seq_s'], 's', 'raw insert (default 2 MB cache)', big['raw_s'],
             higher=False)


def run_memory(p, rows):
    out = subprocess.run([bl.binary('bench', 'bench_presence_memory'), '--resources',
                          str(p['resources'])], stdout=subprocess.PIPE, timeout=600)
    r = bl.parse_kv(out.stdout.decode())
    rows.raw['memory'] = r
    rows.add('memory', 'PresenceTracker, %d resources (2 per user)' % r['resources'],
             'RSS bytes per resource', r['tracker_rss_per'], 'B',
             'flat unordered_map<full JID, ResourceState>', r['ref_rss_per'], higher=False)
    rows.add('memory', 'PresenceTracker', 'malloc bytes per resource (mallinfo2)',
             r['tracker_heap_per'], 'B', 'flat unordered_map', r['ref_heap_per'], higher=False)
    # Churn: 10M presences of 1M short-lived resources, pruned as vapushd prunes; the
    # reference is the documented cap (users x per-user cap x bytes per resource above).
    out = subprocess.run([bl.binary('bench', 'bench_presence_churn'), '--bytes-per-resource',
                          '%.1f' % r['tracker_rss_per']], stdout=subprocess.PIPE, timeout=600)
    c = bl.parse_kv(out.stdout.decode())
    rows.raw['memory_churn'] = c
    rows.add('memory', 'PresenceTracker, %d presences of %d resources, %d users'
             % (c['presences'], c['sessions'], c['users']), 'RSS after churn', c['rss_mb'], 'MB',
             'cap: users x 16 resources x bytes per resource', c['cap_mb'], higher=False)


def run_dispatch(p, rows):
    res = dispatch.run(n=p['dispatch_n'], streams=1000, vapush_timeout=p['dispatch_timeout'],
                       node_timeout=p['dispatch_timeout'], sched_timeout=p['sched_timeout'])
    rows.raw['dispatch'] = res
    h2 = res['h2load']
    node = res.get('node-apn', {})
    per100k = lambda r: 1e5 * r['cpu_s'] / max(r.get('delivered', 0), 1)  # noqa: E731
    rows.add('dispatch', 'h2load (limit; -c 1 -m 1000)', 'pushes/s', h2['rate'], '1/s',
             '', None, higher=True)
    rows.add('dispatch', 'h2load', 'client CPU-s per 100k pushes', per100k(h2), 's', '', None,
             higher=False)
    if 'rate' in node:
        rows.add('dispatch', '@parse/node-apn (window 1000)', 'pushes/s', node['rate'], '1/s',
                 'h2load', h2['rate'], higher=True)
        rows.add('dispatch', '@parse/node-apn', 'client CPU-s per 100k pushes', per100k(node),
                 's', 'h2load', per100k(h2), higher=False)
    for key, label in (('vapush', 'vapush push engine, handed over like the scheduler'),
                       ('vapush-window', 'vapush push engine, window 1000 outstanding')):
        v = res.get(key, {})
        if 'rate' not in v:
            rows.add('dispatch', label, 'pushes/s', None, '1/s', 'h2load', h2['rate'],
                     higher=True, note=v.get('error', 'failed'))
            continue
        note = '' if v.get('rc') == 0 else 'cut off after %.0f s: %d of %d delivered' % (
            v.get('seconds', 0), v.get('delivered', 0), v.get('n', 0))
        rows.add('dispatch', label, 'pushes/s', v['rate'], '1/s', 'h2load', h2['rate'],
                 higher=True, target='>= 80 % of h2load', met=v['rate'] >= 0.8 * h2['rate'],
                 note=note)
        if 'rate' in node:
            rows.add('dispatch', label, 'pushes/s vs node-apn', v['rate'], '1/s', 'node-apn',
                     node['rate'], higher=True, target='>= 3x node-apn (or <= 1/3 its CPU)',
                     met=v['rate'] >= 3 * node['rate'] or per100k(v) <= per100k(node) / 3)
            rows.add('dispatch', label, 'client CPU-s per 100k pushes', per100k(v), 's',
                     'node-apn', per100k(node), higher=False)
    # Scaling: the same engine at 1/100 and 1/10 of N (N itself is above), vs h2load.
    n = p['dispatch_n']
    scale = dispatch.scaling([n // 100, n // 10], streams=1000)
    scale[n] = {'vapush': res.get('vapush-window', {}).get('rate'), 'h2load': h2.get('rate')}
    rows.raw['dispatch_scaling'] = scale
    for size in sorted(scale):
        rows.add('dispatch scaling', 'vapush push engine, window 1000, %d pushes' % size,
                 'pushes/s', scale[size]['vapush'], '1/s', 'h2load, %d pushes' % size,
                 scale[size]['h2load'], higher=True)
    for key in ('h2load', 'node-apn', 'vapush', 'vapush-window'):
        if key in res and 'sink_cpu_s' in res[key]:
            rows.add('dispatch', 'sink under ' + key, 'sink CPU-s per 100k requests',
                     1e5 * res[key]['sink_cpu_s'] / max(res[key]['sink_requests'], 1), 's', '',
                     None, higher=False)


def run_e2e(p, rows):
    res = e2e.run(users=p['e2e_users'], messages=p['e2e_messages'])
    rows.raw['e2e'] = res
    if 'pending' in res:
        rows.errors.append('e2e pending: ' + res['pending'])
        return
    v, a = res['vapushd'], res['ackonly']
    rows.add('e2e ingest', 'ejabberd 23.01 -> vapushd (%d hibernated users, 8 sending clients)'
             % p['e2e_users'], 'messages/s published and stored', v['rate'], '1/s',
             'ejabberd -> gloox ack-only component', a['rate'], higher=True,
             note='%d of %d stored' % (v['published'], v['messages']))


def run_e2e_latency(p, rows):
    res = e2e_latency.run(users=p['lat_users'], interval=p['lat_interval'], rate=p['lat_rate'],
                          enable_budget=p['lat_enable_budget'])
    rows.raw['e2e_latency'] = res
    if 'pending' in res:
        rows.errors.append('e2e_latency pending: ' + res['pending'])
        return
    iv = res['interval_s']
    subject = ('ejabberd 23.01 -> vapushd -> APNs fake (%d hibernated users of %d tried, '
               '%g messages/s)' % (res['users'], res['users_target'], res['rate']))
    note = '%d messages, %d pushes, %d never pushed' % (res['messages'], res['pushes'],
                                                         res['missing'])
    for key, what in (('p50_s', 'p50'), ('p99_s', 'p99'), ('max_s', 'max')):
        target = {'target': 'p99 <= interval + 2 s', 'met': res['met'], 'note': note} \
            if key == 'p99_s' else {}
        rows.add('e2e latency', subject, '%s latency, message sent -> push at the fake' % what,
                 res[key], 's', 'batching interval', iv, higher=False, **target)
    n, s = max(res['ticks'] or [(0, 0.0)])
    rows.add('e2e latency', 'largest tick (%d pushes)' % n, 'tick end -> its last push at the fake',
             s, 's', '', None, higher=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--only', default='ingest,e2e,e2e_latency,tick,memory,dispatch')
    ap.add_argument('--out', default=os.path.join(bl.HERE, 'results'))
    a = ap.parse_args()
    p = QUICK if a.quick else FULL
    rows = report.Rows()
    work = bl.tempdir('vapush-bench-')
    started = time.time()
    source = report.source_state()  # as built by tools/bench.sh just before
    steps = {'ingest': lambda: run_ingest(p, rows), 'tick': lambda: run_tick(p, rows, work),
             'memory': lambda: run_memory(p, rows), 'dispatch': lambda: run_dispatch(p, rows),
             'e2e': lambda: run_e2e(p, rows), 'e2e_latency': lambda: run_e2e_latency(p, rows)}
    for name in a.only.split(','):
        t0 = time.time()
        print('bench: %s ...' % name, flush=True)
        try:
            steps[name]()
        except Exception as e:  # noqa: BLE001 - one failed benchmark must not hide the others
            rows.errors.append('%s: %s' % (name, e))
            print('bench: %s failed: %s' % (name, e), file=sys.stderr)
        rows.durations[name] = time.time() - t0
    subprocess.run(['rm', '-rf', work])
    report.write(rows, a.out, quick=a.quick, seconds=time.time() - started,
                 machine=bl.machine(), params=p, source=source)
    print(report.table(rows))
    return 1 if rows.errors else 0


if __name__ == '__main__':
    sys.exit(main())
