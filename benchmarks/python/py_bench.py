"""Manual benchmark: a real Python Callosum client calling a Callosum for Java server and a Python
Callosum server, side by side (not run in CI: no Python package index there).

Starts both servers itself, each in its own process, on loopback over ZeroMQ:
  Java    ./callosum serve --bind zmq+tcp://127.0.0.1:0 --quiet   (its `echo`, default executors)
  Python  this script with --serve (a Python Callosum Peer whose `echo` returns its body)
then, round after round and interleaved, keeps 1 and then 100 calls in flight for --seconds each
(`echo` of a 48-byte bytes value, msgpack as application serializer on both sides) and prints the
median calls/s over rounds (the first round is a warm-up), min-max, the Java/Python ratio, and the
CPU time per call of the client and of the server process (from /proc, Linux only).

Usage (Debian's python3 with python3-zmq, -msgpack, -attr, -snappy; Python Callosum on PYTHONPATH):
  PYTHONPATH=/path/to/callosum/src /usr/bin/python3 py_bench.py [--seconds 3] [--rounds 3]
"""
import argparse
import asyncio
import os
import pathlib
import random
import signal
import socket
import statistics
import subprocess
import sys
import time

import msgpack

from callosum.lower.zeromq import ZeroMQAddress, ZeroMQRPCTransport
from callosum.rpc import Peer

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BODY = random.Random(7).randbytes(48)
IN_FLIGHT = (1, 100)


def pack(o):
    return msgpack.packb(o, use_bin_type=True)


def unpack(b):
    return msgpack.unpackb(b, raw=False)


# --- the Python server ----------------------------------------------------------------------------

async def serve(bind):
    async def echo(request):
        return request.body

    peer = Peer(bind=ZeroMQAddress(bind), transport=ZeroMQRPCTransport, serializer=pack, deserializer=unpack)
    peer.handle_function("echo", echo)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with peer:
        print("READY " + bind, flush=True)
        await stop.wait()


# --- process accounting ---------------------------------------------------------------------------

def cpu_ns(pid):
    """CPU time of every thread of process pid, ns (/proc/PID/task/*/schedstat); 0 where unknown."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # the thread ended
    return total


# --- the client -----------------------------------------------------------------------------------

async def throughput(peer, in_flight, seconds):
    deadline = time.monotonic() + seconds
    done = 0

    async def chain():
        nonlocal done
        while time.monotonic() < deadline:
            reply = await peer.invoke("echo", BODY)
            if reply != BODY:
                raise RuntimeError(f"echo answered {reply!r}")
            done += 1

    start = time.monotonic()
    await asyncio.gather(*(chain() for _ in range(in_flight)))
    return done, time.monotonic() - start


async def measure(targets, seconds, rounds):
    """targets: {name: (address, server pid)}; returns {(name, in_flight): [(calls/s, client us, server us)]}"""
    results = {}
    peers = {}
    try:
        for name, (address, _) in targets.items():
            peers[name] = Peer(connect=ZeroMQAddress(address), transport=ZeroMQRPCTransport,
                               serializer=pack, deserializer=unpack, invoke_timeout=30)
            await peers[name].__aenter__()
        names = list(targets)
        for r in range(rounds + 1):  # round 0 warms up
            order = names[r % len(names):] + names[:r % len(names)]
            for in_flight in IN_FLIGHT:
                for name in order:
                    server_pid = targets[name][1]
                    client0, server0 = cpu_ns(os.getpid()), cpu_ns(server_pid)
                    calls, elapsed = await throughput(peers[name], in_flight, seconds)
                    client1, server1 = cpu_ns(os.getpid()), cpu_ns(server_pid)
                    print(f"round {r}{' (warm-up)' if r == 0 else ''}: {name} x{in_flight}: {calls / elapsed:,.0f} calls/s",
                          file=sys.stderr, flush=True)
                    if r > 0 and calls:
                        results.setdefault((name, in_flight), []).append(
                            (calls / elapsed, (client1 - client0) / 1e3 / calls, (server1 - server0) / 1e3 / calls))
    finally:
        for peer in peers.values():
            await peer.__aexit__(None, None, None)
    return results


def start(command, cwd=None):
    """Starts a server process and waits for its READY line (stdout); returns (process, address)."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise SystemExit(f"{command[0]} did not start: {line!r}")
    return process, line.split()[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(args):
    servers = []
    try:
        java, java_address = start([str(ROOT / "callosum"), "serve", "--bind", "zmq+tcp://127.0.0.1:0", "--quiet"])
        servers.append(java)
        python, python_address = start([sys.executable, __file__, "--serve", f"tcp://127.0.0.1:{free_port()}"])
        servers.append(python)
        targets = {
            "java-server": (java_address.replace("zmq+tcp://", "tcp://"), java.pid),
            "python-server": (python_address, python.pid),
        }
        results = asyncio.run(measure(targets, args.seconds, args.rounds))
    finally:
        for s in servers:
            s.send_signal(signal.SIGTERM)
        for s in servers:
            try:
                s.wait(timeout=15)
            except subprocess.TimeoutExpired:
                s.kill()

    print(f"Python Callosum client (Python {sys.version.split()[0]}), {args.rounds} rounds of {args.seconds} s, "
          f"median (min-max); CPU us per call of the client and of the server process")
    print()
    print("| in flight | server | calls/s | min-max | Java/Python | client CPU us/call | server CPU us/call |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for in_flight in IN_FLIGHT:
        medians = {}
        for name in ("java-server", "python-server"):
            rows = results.get((name, in_flight), [])
            if rows:
                medians[name] = statistics.median(r[0] for r in rows)
        for name in ("java-server", "python-server"):
            rows = results.get((name, in_flight), [])
            if not rows:
                continue
            rate = [r[0] for r in rows]
            ratio = (f"{medians['java-server'] / medians['python-server']:.2f}"
                     if name == "java-server" and "python-server" in medians else "")
            print(f"| {in_flight} | {name} | {statistics.median(rate):,.0f} | {min(rate):,.0f}-{max(rate):,.0f} | {ratio} | "
                  f"{statistics.median(r[1] for r in rows):.0f} | {statistics.median(r[2] for r in rows):.0f} |")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    p.add_argument("--rounds", type=int, default=3, help="measured rounds (after one warm-up round)")
    p.add_argument("--serve", metavar="BIND", help=argparse.SUPPRESS)  # the Python server process
    a = p.parse_args()
    if a.serve:
        asyncio.run(serve(a.serve))
    else:
        main(a)
