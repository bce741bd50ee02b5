"""Manual interop check over Redis Streams: Python Callosum 1.0.3's RPC Redis lower against the
`callosum` tool, both directions, one call each on a fresh peer.

Python 1.0.3 reads only its first XREADGROUP batch (its recv_message returns after one batch and
its Peer never asks again), so a Python peer answers its first call (or first batch) and then reads
nothing more; each case therefore uses a fresh Python peer and one call. The last case shows that
limit: a second call to the same Python server is not answered.

Usage (Debian's python3 with python3-redis, -yarl, -dateutil, -msgpack, -attr; Python Callosum's
source on PYTHONPATH, see interop/README.md; a redis-server to use):
  python3 redis_interop.py --redis redis://127.0.0.1:6379 --tool ../../callosum
Prints one line per case; exits 0 when every case passed.
"""
import argparse
import asyncio
import json
import secrets
import subprocess
import sys

import msgpack

from callosum.lower.rpc_redis import RedisStreamAddress, RPCRedisTransport
from callosum.rpc import Peer


def packb(o):
    return msgpack.packb(o, use_bin_type=True)


def unpackb(b):
    return msgpack.unpackb(b, raw=False)


async def handle_echo(request):
    return request.body


def run_tool(tool, *args, timeout=20):
    return subprocess.run(
        [tool, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


async def java_client_to_python_server(args, key):
    server = Peer(
        bind=RedisStreamAddress(args.redis, key, "server-group", "client1"),
        transport=RPCRedisTransport,
        serializer=packb,
        deserializer=unpackb,
    )
    server.handle_function("echo", handle_echo)
    async with server:
        address = f"{args.redis}/{key}?group=client-group&consumer=server1"
        done = await asyncio.to_thread(run_tool, args.tool, "call", "--connect", address,
                                       "echo", '{"from": "java"}')
        ok = done.returncode == 0 and json.loads(done.stdout) == {"from": "java"}
        report("java client -> python server (first call)", ok, done)
        later = await asyncio.to_thread(run_tool, args.tool, "call", "--connect", address,
                                        "--timeout", "3s", "echo", '"second"')
        # Python 1.0.3 reads one batch only: the second call is left in the stream, unanswered.
        report("java client -> python server (second call not answered: Python reads one batch)",
               later.returncode == 5, later)
        return ok


async def python_client_to_java_server(args, key):
    address = f"{args.redis}/{key}"
    serve = subprocess.Popen([args.tool, "serve", "--bind", address], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(serve.stdout.readline), 60)
        if not line.startswith("READY "):
            report("python client -> java server", False, line)
            return False
        client = Peer(
            connect=RedisStreamAddress(args.redis, key, "client-group", "server1"),
            transport=RPCRedisTransport,
            serializer=packb,
            deserializer=unpackb,
            invoke_timeout=10.0,
        )
        async with client:
            result = await client.invoke("echo", {"from": "python"})
        ok = result == {"from": "python"}
        report("python client -> java server (first call)", ok, result)
        return ok
    finally:
        serve.terminate()
        serve.wait(10)


def report(case, ok, detail):
    print(("PASS " if ok else "FAIL ") + case + ("" if ok else f": {detail}"), flush=True)


async def main(args):
    tag = secrets.token_hex(4)
    results = [
        await java_client_to_python_server(args, f"interop-{tag}-a"),
        await python_client_to_java_server(args, f"interop-{tag}-b"),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--tool", default="../../callosum")
    sys.exit(asyncio.run(main(parser.parse_args())))
