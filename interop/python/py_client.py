"""Manual interop check: a Python Callosum client calling a Callosum for Java server.

Calls METHOD with a JSON argument (sent as a msgpack application body) and prints the result,
or the remote error's name, repr and traceback.

Usage (Debian's python3 with python3-zmq, -msgpack, -attr, -snappy; Python Callosum on PYTHONPATH):
  python3 py_client.py --connect tcp://127.0.0.1:5020 echo '{"a": 1, "b": "two"}'
  python3 py_client.py --connect tcp://127.0.0.1:5020 \
      --curve-client-secret client.key_secret --curve-server-public server.key fail '"why"'
Exit codes: 0 result, 1 RPCUserError, 2 RPCInternalError, 3 AuthenticationError (no PONG),
4 timeout, 5 cancelled by the server.
"""
import argparse
import asyncio
import json
import sys

import msgpack
import zmq.auth

from callosum.auth import AbstractClientAuthenticator, Identity
from callosum.exceptions import AuthenticationError
from callosum.lower.zeromq import ZeroMQAddress, ZeroMQRPCTransport
from callosum.rpc import Peer, RPCInternalError, RPCUserError


class CertClientAuthenticator(AbstractClientAuthenticator):
    def __init__(self, domain, secret_cert, server_cert):
        self.domain = domain
        self.public_key, self.secret_key = zmq.auth.load_certificate(secret_cert)
        self.server_key = zmq.auth.load_certificate(server_cert)[0]

    async def server_public_key(self):
        return self.server_key

    async def client_identity(self):
        return Identity(domain=self.domain, private_key=self.secret_key)

    async def client_public_key(self):
        return self.public_key


async def main(args):
    auth = None
    if args.curve_client_secret:
        auth = CertClientAuthenticator(args.domain, args.curve_client_secret, args.curve_server_public)
    peer = Peer(
        connect=ZeroMQAddress(args.connect),
        transport=ZeroMQRPCTransport,
        authenticator=auth,
        serializer=lambda o: msgpack.packb(o, use_bin_type=True),
        deserializer=lambda b: msgpack.unpackb(b, raw=False),
        invoke_timeout=args.timeout,
        transport_opts={"handshake_timeout": args.handshake_timeout},
    )
    try:
        async with peer:
            for i in range(args.repeat):
                if i:
                    await asyncio.sleep(args.pause)
                try:
                    result = await peer.invoke(args.method, json.loads(args.argument), order_key=args.order_key)
                    print("RESULT", repr(result), flush=True)
                except RPCUserError as e:
                    print("RPCUserError", e.name, e.repr, "\n" + e.traceback, flush=True)
                    return 1
                except RPCInternalError as e:
                    print("RPCInternalError", e.name, e.repr, "\n" + e.traceback, flush=True)
                    return 2
                except TimeoutError:
                    print("TIMEOUT (a CANCEL was sent)", flush=True)
                    await asyncio.sleep(0.2)  # let the send loop flush the CANCEL
                    return 4
                except asyncio.CancelledError:
                    print("CANCELLED by the server", flush=True)
                    return 5
    except AuthenticationError:
        print("AuthenticationError: no PONG within the handshake timeout", flush=True)
        return 3
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connect", default="tcp://127.0.0.1:5020")
    p.add_argument("--curve-client-secret", help="this client's NAME.key_secret")
    p.add_argument("--curve-server-public", help="the server's NAME.key")
    p.add_argument("--domain", default="callosum")
    p.add_argument("--timeout", type=float, default=10.0, help="invoke timeout, seconds")
    p.add_argument("--handshake-timeout", type=float, default=3.0)
    p.add_argument("--order-key", help="a str order key (default: Callosum's b'')")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--pause", type=float, default=0.0, help="idle seconds between repeats")
    p.add_argument("method")
    p.add_argument("argument", nargs="?", default="null", help="JSON")
    a = p.parse_args()
    if bool(a.curve_client_secret) != bool(a.curve_server_public):
        p.error("--curve-client-secret and --curve-server-public go together")
    sys.exit(asyncio.run(main(a)))
