# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for the benchmark scripts: child processes that are always stopped,
key=value output parsing, CPU time of children, the machine's description."""

import atexit
import os
import platform
import signal
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
BUILD_DIR = os.environ.get('VAPUSH_BENCH_BUILD') or os.path.join(SOURCE_DIR, 'build-bench')
CLK_TCK = os.sysconf('SC_CLK_TCK')

_children = []


def _stop_children():
    for p in list(_children):
        stop(p, timeout=3)


atexit.register(_stop_children)


def spawn(argv, cpu=None, cwd=None, stdout=None, stderr=None, env=None):
    """Starts a child (optionally pinned with taskset -c CPU); it is stopped at exit."""
    if cpu is not None:
        argv = ['taskset', '-c', str(cpu)] + list(argv)
    p = subprocess.Popen(argv, cwd=cwd, stdout=stdout or subprocess.DEVNULL,
                         stderr=stderr or subprocess.DEVNULL, env=env)
    _children.append(p)
    return p


def stop(p, timeout=10, sig=signal.SIGTERM):
    """Stops one child we started: signal, wait, then SIGKILL. Returns its exit code."""
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in _children:
        _children.remove(p)
    return p.returncode


def children_of(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def child_pid(pid, timeout=5.0):
    """The first child of `pid` (e.g. the program under perf/taskset), or `pid`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = children_of(pid)
        if kids:
            return kids[0]
        time.sleep(0.01)
    return pid


def signal_children(pid, sig=signal.SIGTERM):
    for c in children_of(pid):
        try:
            os.kill(c, sig)
        except OSError:
            pass


def wait_file(path, timeout=10.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def parse_kv(text):
    """Last line with key=value pairs -> dict (numbers converted)."""
    out = {}
    for line in text.splitlines():
        if '=' not in line:
            continue
        for tok in line.split():
            if '=' in tok:
                k, v = tok.split('=', 1)
                try:
                    out[k] = float(v) if ('.' in v or 'e' in v) else int(v)
                except ValueError:
                    out[k] = v
    return out


def proc_cpu_seconds(pid):
    """user+system CPU seconds of a live process (all threads) from /proc/PID/stat."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def machine():
    model = 'unknown'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ''
    try:
        with open('/proc/meminfo') as f:
            mem = '%.1f GiB' % (int(f.readline().split()[1]) / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    return {'nproc': os.cpu_count(), 'cpu': model, 'memory': mem,
            'kernel': platform.release(), 'python': platform.python_version()}


def tempdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def binary(*parts):
    path = os.path.join(BUILD_DIR, *parts)
    if not os.path.exists(path):
        raise FileNotFoundError('missing %s (build with tools/bench.sh)' % path)
    return path
