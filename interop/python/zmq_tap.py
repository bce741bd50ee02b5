"""Manual interop check: a plain-ZeroMQ tap that relays Callosum traffic and dumps every frame.

Clients (DEALER) connect to --listen; each gets its own DEALER to --upstream. Every message is
printed frame by frame (hex and a decoded view of msgpack header/body frames) with its direction.
Only for NULL-security (plain) connections: CURVE traffic cannot be relayed by a third party.
  python3 zmq_tap.py --listen tcp://127.0.0.1:5060 --upstream tcp://127.0.0.1:5020
Needs only pyzmq, msgpack and python-snappy (Debian packages); no Callosum import.
"""
import argparse
import binascii

import msgpack
import snappy
import zmq


def show(direction, frames):
    print(f"--- {direction}: {len(frames)} frames", flush=True)
    zipped = False
    for i, f in enumerate(frames):
        print(f"  [{i}] {len(f):4d} B  {binascii.hexlify(f, ' ').decode()}")
        try:
            v = msgpack.unpackb(snappy.decompress(f) if (zipped and i == len(frames) - 1) else f, raw=False)
            if isinstance(v, dict) and "zip" in v:
                zipped = v["zip"]
            if isinstance(v, dict):
                if isinstance(v.get("meta"), bytes) and v["meta"]:
                    v["meta"] = msgpack.unpackb(v["meta"], raw=False)
                if isinstance(v.get("body"), bytes):
                    v["body"] = ("app", msgpack.unpackb(v["body"], raw=False))
                print(f"        = {v!r}"[:600])
        except Exception:
            pass
    print(flush=True)


def main(a):
    ctx = zmq.Context()
    front = ctx.socket(zmq.ROUTER)
    front.bind(a.listen)
    backs = {}  # routing id -> DEALER to upstream
    poller = zmq.Poller()
    poller.register(front, zmq.POLLIN)
    print("READY", a.listen, "->", a.upstream, flush=True)
    while True:
        for sock, _ in poller.poll():
            if sock is front:
                rid, *frames = front.recv_multipart()
                if rid not in backs:
                    b = ctx.socket(zmq.DEALER)
                    b.linger = 0
                    b.connect(a.upstream)
                    backs[rid] = b
                    poller.register(b, zmq.POLLIN)
                show(f"client {rid.hex()} -> server", frames)
                backs[rid].send_multipart(frames)
            else:
                rid = next(r for r, b in backs.items() if b is sock)
                frames = sock.recv_multipart()
                show(f"server -> client {rid.hex()}", frames)
                front.send_multipart([rid, *frames])


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", required=True)
    p.add_argument("--upstream", required=True)
    main(p.parse_args())
