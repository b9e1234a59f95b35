# SPDX-License-Identifier: Apache-2.0
"""Benchmark results: every figure next to its same-run reference and the ratio; written
as latest.csv, latest.md and (with gnuplot) tick_scaling.png."""

import csv
import datetime
import os
import shutil
import subprocess


class Rows:
    def __init__(self):
        self.items = []
        self.raw = {}
        self.errors = []
        self.durations = {}

    def add(self, bench, subject, metric, value, unit, reference='', ref_value=None,
            higher=True, target='', met=None, note=''):
        ratio = None
        if value is not None and ref_value:
            ratio = value / ref_value
        self.items.append({'benchmark': bench, 'subject': subject, 'metric': metric,
                           'value': value, 'unit': unit, 'reference': reference,
                           'reference_value': ref_value, 'ratio': ratio,
                           'better': 'higher' if higher else 'lower', 'target': target,
                           'met': '' if met is None else ('yes' if met else 'NO'),
                           'note': note})


def fmt(v):
    if v is None:
        return '—'
    if isinstance(v, float):
        if abs(v) >= 1000:
            return '{:,.0f}'.format(v)
        if abs(v) >= 10:
            return '%.1f' % v
        return '%.3g' % v
    return '{:,}'.format(v) if isinstance(v, int) else str(v)


def table(rows):
    head = ['benchmark', 'subject', 'metric', 'value', 'reference', 'ratio', 'target', 'met']
    lines = [' | '.join(head), ' | '.join('---' for _ in head)]
    for r in rows.items:
        lines.append(' | '.join([
            r['benchmark'], r['subject'], r['metric'], '%s %s' % (fmt(r['value']), r['unit']),
            ('%s: %s %s' % (r['reference'], fmt(r['reference_value']), r['unit'])
             if r['reference_value'] is not None else r['reference']),
            ('%.3g×' % r['ratio']) if r['ratio'] is not None else '',
            r['target'], r['met'] + ((' (' + r['note'] + ')') if r['note'] else '')]))
    for e in rows.errors:
        lines.append('ERROR | %s' % e)
    return '\n'.join('| %s |' % line if not line.startswith('ERROR') else line
                     for line in lines)


def write_csv(rows, path):
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows.items[0].keys()) if rows.items else ['error'])
        w.writeheader()
        for r in rows.items:
            w.writerow(r)


def plot(curve, out_dir):
    """Tick wall time and raw insert time vs messages (log-log)."""
    if not curve or shutil.which('gnuplot') is None:
        return None
    data = os.path.join(out_dir, 'tick_scaling.dat')
    with open(data, 'w') as f:
        f.write('# messages tick_s raw_s load_s plan_s commit_s handover_s\n')
        for r in curve:
            f.write('%d %.4f %.4f %.4f %.4f %.4f %.4f\n' % (
                r['messages'], r['tick_s'], r['raw_s'], r['load_s'], r['plan_s'], r['commit_s'],
                r['handover_s']))
    png = os.path.join(out_dir, 'tick_scaling.png')
    script = (
        "set terminal pngcairo size 900,560 noenhanced\n"
        "set output '%s'\nset logscale xy\nset grid\nset key top left\n"
        "set xlabel 'unread messages in the tick (users = messages/10, 1.5 devices/user)'\n"
        "set ylabel 'seconds'\nset title 'vapush batch tick vs raw SQLite bulk insert'\n"
        "plot '%s' using 1:2 with linespoints lw 2 title 'tick (snapshot+plan+commit+hand-over)', "
        "'' using 1:3 with linespoints lw 2 title 'raw INSERT of the same rows (reference)', "
        "'' using 1:6 with linespoints title 'tick: commit phase', "
        "'' using 1:7 with linespoints title 'tick: hand-over phase', "
        "5 with lines dt 2 title 'target 5 s'\n" % (png, data))
    r = subprocess.run(['gnuplot'], input=script.encode(), stderr=subprocess.PIPE)
    return png if r.returncode == 0 and os.path.exists(png) else None


def source_state():
    """HEAD plus the files that differed from it when the binaries were built."""
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], stdout=subprocess.PIPE,
                              cwd=src).stdout.decode().strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'],
                               stdout=subprocess.PIPE, cwd=src).stdout.decode().split('\n')
    except OSError:
        return '?'
    files = [line[3:] for line in dirty if line.strip() and not line[3:].startswith('bench/')
             and line[3:] != 'tools/bench.sh']
    return head + (' + uncommitted changes in %s' % ', '.join(files) if files else '')


def write(rows, out_dir, quick, seconds, machine, params, source=None):
    os.makedirs(out_dir, exist_ok=True)
    write_csv(rows, os.path.join(out_dir, 'latest.csv'))
    png = plot(rows.raw.get('tick'), out_dir)
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    commit = source or source_state()
    md = ['# vapush benchmarks — latest run', '',
          '%s, commit %s, %s mode, %.0f s in total (%s).' % (
              now, commit, 'quick' if quick else 'full', seconds,
              ', '.join('%s %.0f s' % kv for kv in rows.durations.items())), '',
          '**Machine:** %s × %s, %s RAM, Linux %s. vapushd / sinks pinned to CPU 0, load '
          'generators / senders to CPU 1 (`taskset`).' % (
              machine['nproc'], machine['cpu'], machine['memory'], machine['kernel']), '',
          'Every figure is measured next to its reference in the same run; ratio = value / '
          'reference (for times and CPU, lower is better). Produced by `bash tools/bench.sh%s`.'
          % (' --quick' if quick else ''), '',
          'Parameters: ' + ', '.join('%s=%s' % kv for kv in params.items()), '',
          table(rows), '']
    if png:
        md += ['![tick scaling](tick_scaling.png)', '']
    if rows.raw.get('tick'):
        md += ['## Tick scaling', '', '| messages | rows | pushes | load s | plan s | commit s | '
               'hand-over s | tick s | raw insert s | raw/tick |', '|---|---|---|---|---|---|---|---|---|---|']
        for r in rows.raw['tick']:
            md.append('| %d | %d | %d | %.3f | %.3f | %.3f | %.3f%s | %.3f | %.3f | %.2f |' % (
                r['messages'], r['rows'], r['pushes'], r['load_s'], r['plan_s'], r['commit_s'],
                r['handover_s'], '' if r['complete'] else ' (cut off: %d of %d)' % (
                    r['handed_over'], r['pushes']), r['tick_s'], r['raw_s'],
                r['raw_s'] / r['tick_s']))
        md.append('')
    md += ['## Raw figures', '', '```']
    for k, v in rows.raw.items():
        md.append('%s: %s' % (k, v))
    md += ['```', '', 'Analysis and recommendations: see `bench/README.md`.', '']
    with open(os.path.join(out_dir, 'latest.md'), 'w') as f:
        f.write('\n'.join(md))
