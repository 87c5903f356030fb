"""bench_lib.py - shared pieces of `make bench` (tests/bench/bench.py): timed
child processes with their rusage (wait4: wall time, user+sys CPU, peak RSS;
usage_of and per_unit: user and sys CPU and minor page faults, per image or
per MB), medians, the RSS and CPU of a running process from /proc, and the machine's
description (CPU model, cores, kernel, distribution, tool versions)."""
import os
import platform
import re
import signal
import subprocess
import time


class BenchError(Exception):
    """A tool or step is broken: `make bench` stops with this message."""


class Proc:
    """The outcome of one child process."""

    def __init__(self, rc, wall, cpu, maxrss_kib, err=""):
        self.rc, self.wall, self.cpu, self.maxrss_kib, self.err = rc, wall, cpu, maxrss_kib, err


# Linux keeps the largest RSS a process had before exec() in its ru_maxrss,
# and a child of this interpreter starts with the interpreter's pages (tens of
# MB with boto3 loaded). So peak RSS is measured through GNU time: its child
# starts from a ~2 MB process, and time writes that child's ru_maxrss (%M)
# to a file. (wait4 on time itself would report the interpreter's pages too.)
# time also writes the command's own minor page faults (%R): wait4 on time
# adds time's (~75 per run here) to the command's.
TIME = "/usr/bin/time"
TIME_FORMAT = "%M %R"


def rss_wrapped(argv, rss_file):
    """argv run under /usr/bin/time, which writes the command's peak RSS (KiB)
    and minor page faults to rss_file (read_time_file reads them)."""
    if not os.access(TIME, os.X_OK):
        raise BenchError(f"{TIME} is missing (Debian package 'time'); it is needed for peak RSS")
    return [TIME, "-q", "-o", rss_file, "-f", TIME_FORMAT] + list(argv)


def read_time_file(rss_file):
    """(peak RSS KiB, minor page faults) that /usr/bin/time wrote on its last
    line, or (0, None)."""
    try:
        with open(rss_file) as f:
            lines = f.read().strip().splitlines()
    except OSError:
        return 0, None
    cells = lines[-1].split() if lines else []
    if len(cells) != 2 or not all(c.isdigit() for c in cells):
        return 0, None
    return int(cells[0]), int(cells[1])


def read_rss(rss_file):
    """The peak RSS KiB /usr/bin/time wrote, or 0."""
    return read_time_file(rss_file)[0]


def usage_of(ru):
    """What the bench keeps of a wait4 rusage: CPU seconds (user + sys, and
    each: the kernel splits the exact total by which of them its scheduler
    ticks landed in) and minor page faults (ru_minflt, which also counts the
    pages that MADV_POPULATE_WRITE maps without a fault)."""
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "minflt": ru.ru_minflt}


def per_unit(use, units, unit):
    """A usage_of dict divided by units (images, MB): cpu_ms_per_UNIT,
    user_ms_per_UNIT, sys_ms_per_UNIT and faults_per_UNIT (None when the
    faults were not counted)."""
    return {f"cpu_ms_per_{unit}": 1000 * use["cpu_s"] / units, f"user_ms_per_{unit}": 1000 * use["user_s"] / units,
            f"sys_ms_per_{unit}": 1000 * use["sys_s"] / units,
            f"faults_per_{unit}": None if use.get("minflt") is None else use["minflt"] / units}


def spawn_timed(argv, stdout="/dev/null", stdin="/dev/null", errfile=None, env=None, rss_file=None, timeout=None):
    """Runs argv to completion (posix_spawnp: cheap for short runs); returns a
    Proc. Its peak RSS is only meaningful with rss_file (see TIME): the command
    then runs under /usr/bin/time, which adds its start-up to the wall time.
    With timeout (seconds), a command still running then is killed and
    BenchError raised."""
    if rss_file:
        argv = rss_wrapped(argv, rss_file)
    errpath = errfile or "/dev/null"
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        # Some tools (mat2) report errors on stdout: it joins stderr when nobody wants it.
        (os.POSIX_SPAWN_DUP2, 2, 1) if errfile and stdout == "/dev/null" else
        (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    t0 = time.perf_counter()
    try:
        pid = os.posix_spawnp(argv[0], argv, env if env is not None else os.environ, file_actions=actions)
    except OSError as err:
        raise BenchError(f"cannot run {argv[0]}: {err}") from err
    status, ru = wait_until(pid, t0 + timeout if timeout else None, argv)
    wall = time.perf_counter() - t0
    err = ""
    if errfile and os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
        with open(errfile, errors="replace") as f:
            err = f.read(2000)
    rc = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    return Proc(rc, wall, ru.ru_utime + ru.ru_stime, read_rss(rss_file) if rss_file else 0, err)


def wait_until(pid, deadline, argv):
    """wait4 on pid, polling when there is a deadline (time.perf_counter());
    a child still running then is killed: BenchError. (status, rusage)"""
    while deadline is not None:
        done, status, ru = os.wait4(pid, os.WNOHANG)
        if done == pid:
            return status, ru
        if time.perf_counter() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            raise BenchError(f"{argv[0]} did not finish in time: killed")
        time.sleep(0.005)
    _, status, ru = os.wait4(pid, 0)
    return status, ru


def wait_child(popen):
    """wait4 on a subprocess.Popen child: (exit status, cpu seconds, peak RSS KiB)."""
    _, status, ru = os.wait4(popen.pid, 0)
    popen.returncode = os.waitstatus_to_exitcode(status)
    return popen.returncode, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def median(values):
    v = sorted(values)
    if not v:
        return float("nan")
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def proc_status(pid):
    """VmRSS (KiB) and thread count of a live process, or (None, None)."""
    rss = threads = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
    except OSError:
        pass
    return rss, threads


def proc_cpu_seconds(pid):
    """user + system CPU seconds a live process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tool_version(argv, pattern=r"\d+(\.\d+)+"):
    """First version-looking string a tool prints, or '?'."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    m = re.search(pattern, out.stdout + out.stderr)
    return m.group(0) if m else "?"


def machine():
    """Key facts about this machine, as (label, value) pairs."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    distro = "?"
    try:
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            distro = m.group(1) if m else "?"
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f"{kib / 1048576:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        ("CPU", model),
        ("cores (online / usable here)", f"{os.cpu_count()} / {len(os.sched_getaffinity(0))}"),
        ("memory", mem),
        ("kernel", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("distribution", distro),
        ("load average at start (1, 5, 15 min)", load),
    ]
