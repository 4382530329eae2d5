#!/usr/bin/env python3
"""PostgreSQL's CPU per request, measured from outside (the anchor's scripts stay untouched).

    pg-cpu.py sample TICKS_LOG             (until killed) every 0.25 s: "time ticks", counted
                                           so that closed connections keep their ticks
    pg-cpu.py annotate ANCHOR_LOG TICKS_LOG SECONDS CLK_TCK
    pg-cpu.py pids                         "pid ticks" of each PostgreSQL process
    pg-cpu.py split BEFORE AFTER NAMES REQUESTS CLK_TCK
                                           CPU per request by connection name (profile.sh)

ANCHOR_LOG holds bench-all.sh's output with each line prefixed by the time it was written. A
result line ("postgraphile ..." or "pgbench ...", with requests=N) is written when its run
has ended; pgbench's lines come a moment later, after the client has sorted its log. So the run
is taken to be the SECONDS before the end of PostgreSQL's last busy stretch before the stamp,
and its ticks over N are PostgreSQL's CPU per request. With samples a quarter of a second apart
a figure is good to a few per cent. Lines are printed without their stamps; result lines get
pg_ms_per_req= (and PostGraphile's, server_ms_per_req= from node_cpu_pct)."""
import bisect, os, re, sys, time


def pg_processes():
    """{(pid, start time): utime + stime} of every running PostgreSQL process."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name_end = stat.rfind(")")
        if stat[stat.find("(") + 1 : name_end] != "postgres":
            continue
        fields = stat[name_end + 2 :].split()  # fields[0] is field 3 of proc(5)
        out[(pid, fields[19])] = int(fields[11]) + int(fields[12])  # utime, stime; starttime
    return out


def sample(path):
    """A counter that only goes up: each process's ticks since the previous sample, added up. A
    plain sum of the live processes would drop whenever connections close (pgbench's, at the end
    of each of its runs) and take their ticks with them."""
    seen, total = pg_processes(), 0
    with open(path, "w", buffering=1) as out:
        while True:
            out.write(f"{time.time():.3f} {total}\n")
            time.sleep(0.25)
            now = pg_processes()
            total += sum(max(0, t - seen.get(k, 0)) for k, t in now.items())
            seen = now


def annotate(log, ticks_log, secs, hz):
    samples = [tuple(map(float, l.split())) for l in open(ticks_log) if len(l.split()) == 2]
    times = [t for t, _ in samples]
    busy = 0.1 * hz * 0.25  # a tenth of a core over one sample interval

    def ticks_at(t):
        i = bisect.bisect_left(times, t)
        if i == 0:
            return samples[0][1]
        if i >= len(samples):
            return samples[-1][1]
        (t0, v0), (t1, v1) = samples[i - 1], samples[i]
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1

    for line in open(log):
        stamp, _, text = line.rstrip("\n").partition(" ")
        m = re.search(r"\brequests=(\d+)", text)
        if len(samples) > 2 and m and int(m.group(1)) > 0 and re.match(r"(postgraphile|pgbench) ", text):
            j = max(1, bisect.bisect_right(times, float(stamp)) - 1)
            while j > 1 and samples[j][1] - samples[j - 1][1] < busy:
                j -= 1  # back over the idle tail (the client's own bookkeeping)
            end = times[j]
            used = ticks_at(end) - ticks_at(end - secs)
            text += " pg_ms_per_req=%.3f" % (1000 * used / hz / int(m.group(1)))
            n = re.search(r"node_cpu_pct=(\d+)", text)
            if n:
                text += " server_ms_per_req=%.3f" % (10 * float(n.group(1)) * secs / int(m.group(1)))
        print(text)


def split(before, after, names, requests, hz):
    """PostgreSQL's CPU per request by connection: each process's ticks between two `pids`
    listings, labelled by its application_name (casegraph names its pools) or its backend type."""
    def load(path):
        return {l.split()[0]: int(l.split()[1]) for l in open(path) if len(l.split()) == 2}
    a, b = load(before), load(after)
    label = {}
    for l in open(names):
        pid, _, name = l.strip().partition(" ")
        label[pid] = name or "other"
    used = {}
    for pid, t in b.items():
        key = label.get(pid, "other (exited or not connected)")
        used[key] = used.get(key, 0) + t - a.get(pid, 0)
    for key, t in sorted(used.items(), key=lambda kv: -kv[1]):
        if t > 0:
            print(f"    {1000 * t / hz / max(requests, 1):.3f} ms  {key}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["pids"]:
        for (pid, _), t in pg_processes().items():
            print(pid, t)
    elif sys.argv[1:2] == ["split"]:
        split(sys.argv[2], sys.argv[3], sys.argv[4], int(float(sys.argv[5])), float(sys.argv[6]))
    elif sys.argv[1:2] == ["sample"]:
        sample(sys.argv[2])
    elif sys.argv[1:2] == ["annotate"]:
        annotate(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)
