#!/usr/bin/env python3
"""Connect times of clients behind a SYN flood, as steps of the client's
SYN retransmission schedule (Linux 6.18, tcp_syn_linear_timeouts 4: SYNs at
0, 1, 2, 3, 4, 5, 7, 11, 19 s), for the no-cookie flood experiment and test.

  connect_steps.py scenario PCAP STARTS PROBES TIMEOUT [REPEAT]
      The synq sim scenario of the same run: tcp_syncookies 0, backlog 16,
      the flood and the probes at the rates and phase measured in synq
      serve's pcap (nanosecond pcap, raw IPv4: the flood's period and first
      SYN) and the probe loop's start times (one epoch time a line: the
      probes' period), each probe giving up after TIMEOUT seconds. The
      simulated probes go on REPEAT times as long (default 1) at the same
      period: a prediction from more clients than the real run had, so
      that its shares are not one more small sample.
  connect_steps.py table [--max-tv X] [--min-share S STEP...] NAME=SOURCE...
      The share of clients at each step, then each run's total variation
      distance from the first. SOURCE is a file of curl time_connect
      values (0 = never connected) or SIM_DIR/connect_times.csv:SIM_TXT
      for synq sim's histogram and summary (its never-connected count).
      --max-tv and --min-share turn the table into a check: the exit status
      is 1 if a run is further than X from the first, or if any run has
      less than S of its clients at one of the STEPs.
"""
import csv
import struct
import sys

STEPS = [0, 1, 2, 3, 4, 5, 7, 11, 19]
PROBE_SOURCE = bytes([10, 201, 0, 1])  # the kernel's side of synq serve's TUN


def nearest_step(seconds):
    return min(STEPS, key=lambda t: abs(t - seconds))


def syn_times(pcap_path):
    """(flood SYN times, probe SYN times) of the SYNs to port 80."""
    data = open(pcap_path, 'rb').read()
    magic, link = struct.unpack('<I', data[0:4])[0], struct.unpack('<I', data[20:24])[0]
    per_second = 1e9 if magic == 0xa1b23c4d else 1e6
    skip = {101: 0, 228: 0, 1: 14, 113: 16}[link]
    flood, probe = [], []
    off = 24
    while off + 16 <= len(data):
        sec, sub, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        pkt = data[off + 16 + skip:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 40 or pkt[0] >> 4 != 4 or pkt[9] != 6:
            continue
        ihl = (pkt[0] & 15) * 4
        dport = struct.unpack('>H', pkt[ihl + 2:ihl + 4])[0]
        if dport != 80 or pkt[ihl + 13] & 0x12 != 0x02:
            continue
        (probe if pkt[12:16] == PROBE_SOURCE else flood).append(sec + sub / per_second)
    return flood, probe


SCENARIO = """[run]
duration = %(duration)ds
[kernel]
net.ipv4.tcp_syncookies = 0
[server]
ListenBacklog = 16
[attack.flood]
model = synflood
rate = %(flood_rate).4f/s
arrivals = even
[clients.probe]
model = poisson
rate = %(probe_rate).4f/s
arrivals = even
start = %(start).4fs
stop = %(stop).4fs
timeout = %(timeout)ds
"""


def scenario(pcap_path, starts_path, probes, timeout, repeat):
    flood, probe = syn_times(pcap_path)
    if len(flood) < 2 or not probe:
        sys.exit('connect_steps.py: %s holds %d flood SYNs and %d probe SYNs'
                 % (pcap_path, len(flood), len(probe)))
    starts = [float(x) for x in open(starts_path)]
    probe_period = (starts[-1] - starts[0]) / (len(starts) - 1)
    flood_period = (flood[-1] - flood[0]) / (len(flood) - 1)
    start = probe[0] - flood[0]
    stop = start + probes * repeat * probe_period
    print(SCENARIO % dict(duration=int(stop) + timeout + 2, flood_rate=1 / flood_period,
                          probe_rate=1 / probe_period, start=start, stop=stop, timeout=timeout))


def histogram(source):
    counts = {}
    if ':' in source:  # synq sim: the histogram CSV and the summary's never count
        csv_path, txt_path = source.split(':', 1)
        for row in csv.DictReader(open(csv_path)):
            if row['population'] == 'clients.probe':
                step = nearest_step((float(row['low_ms']) + float(row['high_ms'])) / 2000)
                counts[step] = counts.get(step, 0) + int(row['count'])
        for line in open(txt_path):
            if line.startswith('clients.probe'):
                counts['never'] = int(line.split()[4])
        return counts
    for line in open(source):
        t = float(line)
        step = nearest_step(t) if t > 0 else 'never'
        counts[step] = counts.get(step, 0) + 1
    return counts


def table(args):
    max_tv, min_share, min_steps, runs = None, None, [], []
    i = 0
    while i < len(args):
        if args[i] == '--max-tv':
            max_tv = float(args[i + 1])
            i += 2
        elif args[i] == '--min-share':
            min_share = float(args[i + 1])
            i += 2
            while i < len(args) and args[i].isdigit():
                min_steps.append(int(args[i]))
                i += 1
        else:
            name, source = args[i].split('=', 1)
            runs.append((name, histogram(source)))
            i += 1
    keys = STEPS + ['never']
    share = {}
    for name, counts in runs:
        total = sum(counts.values())
        share[name] = {k: counts.get(k, 0) / total if total else 0 for k in keys}
    print('step   ' + ' '.join('%7s' % name for name, _ in runs))
    for k in keys:
        print('%-6s ' % k + ' '.join('%7.2f' % share[name][k] for name, _ in runs))
    ok = True
    first = runs[0][0]
    for name, counts in runs[1:]:
        tv = sum(abs(share[name][k] - share[first][k]) for k in keys) / 2
        print('%s: %d clients, total variation from %s %.2f' % (name, sum(counts.values()), first, tv))
        if max_tv is not None and tv > max_tv:
            print('%s: further than %.2f from %s' % (name, max_tv, first))
            ok = False
    for name, _ in runs:
        for step in min_steps:
            if share[name][step] < min_share:
                print('%s: %.2f of the clients at %d s, fewer than %.2f' % (name, share[name][step], step, min_share))
                ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    if len(sys.argv) in (6, 7) and sys.argv[1] == 'scenario':
        scenario(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
                 int(sys.argv[6]) if len(sys.argv) == 7 else 1)
    elif len(sys.argv) > 2 and sys.argv[1] == 'table':
        sys.exit(table(sys.argv[2:]))
    else:
        sys.exit(__doc__)
