"""Manual interop check: a Python Callosum server for Callosum for Java clients.

Serves, with msgpack application bodies (packb(use_bin_type=True) / unpackb(raw=False)):
  echo   returns its body unchanged
  fail   raises ValueError('boom')
  slow   sleeps {"s": seconds} (default 3) and returns "done"; logs if cancelled

Usage (Debian's python3 with python3-zmq, -msgpack, -attr, -snappy; Python Callosum on PYTHONPATH):
  python3 py_server.py --bind tcp://127.0.0.1:5020
  python3 py_server.py --bind tcp://127.0.0.1:5020 \
      --curve-server-secret server.key_secret --curve-allow client.key   # CURVE
--curve-allow takes one public certificate NAME.key or a directory of them (user id NAME).
Prints 'READY <endpoint>' once bound. Stop with Ctrl-C / SIGTERM.
"""
import argparse
import asyncio
import logging
import pathlib
import signal

import msgpack
import zmq.auth

from callosum.auth import AbstractServerAuthenticator, AuthResult, Credential, Identity
from callosum.lower.zeromq import ZeroMQAddress, ZeroMQRPCTransport
from callosum.ordering import ExitOrderedAsyncScheduler, KeySerializedAsyncScheduler
from callosum.rpc import Peer


class AllowListAuthenticator(AbstractServerAuthenticator):
    """Lets in the clients whose public certificates (NAME.key) were given."""

    def __init__(self, domain, secret_cert, allow):
        self.domain = domain
        self.public_key, self.secret_key = zmq.auth.load_certificate(secret_cert)
        allow = pathlib.Path(allow)
        certs = sorted(allow.glob("*.key")) if allow.is_dir() else [allow]
        self.users = {zmq.auth.load_certificate(c)[0]: c.stem for c in certs}

    async def server_identity(self):
        return Identity(domain=self.domain, private_key=self.secret_key)

    async def server_public_key(self):
        return self.public_key

    async def check_client(self, creds: Credential):
        user = self.users.get(creds.public_key)  # creds.public_key is Z85 bytes
        print(f"ZAP domain={creds.domain!r} key={creds.public_key.decode()} -> {user}", flush=True)
        return AuthResult(success=True, user_id=user) if user else AuthResult(success=False)


async def echo(request):
    print(f"echo {request.body!r} okey={request.order_key!r} seq={request.client_seq_id}", flush=True)
    return request.body


async def fail(request):
    raise ValueError("boom")


async def slow(request):
    secs = request.body.get("s", 3) if isinstance(request.body, dict) else 3
    try:
        await asyncio.sleep(secs)
    except asyncio.CancelledError:
        print("slow: cancelled", flush=True)
        raise
    return "done"


async def main(args):
    auth = None
    if args.curve_server_secret:
        auth = AllowListAuthenticator(args.domain, args.curve_server_secret, args.curve_allow)
    peer = Peer(
        bind=ZeroMQAddress(args.bind),
        transport=ZeroMQRPCTransport,
        authenticator=auth,
        scheduler=KeySerializedAsyncScheduler() if args.key_serialized else ExitOrderedAsyncScheduler(),
        serializer=lambda o: msgpack.packb(o, use_bin_type=True),
        deserializer=lambda b: msgpack.unpackb(b, raw=False),
    )
    for name, fn in (("echo", echo), ("fail", fail), ("slow", slow)):
        peer.handle_function(name, fn)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.cancel)
    async with peer:
        print("READY", peer._transport._sock.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
        try:
            await stop
        except asyncio.CancelledError:
            pass


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bind", default="tcp://127.0.0.1:5020")
    p.add_argument("--curve-server-secret", help="server's NAME.key_secret")
    p.add_argument("--curve-allow", help="allowed client NAME.key, or a directory of them")
    p.add_argument("--domain", default="callosum")
    p.add_argument("--key-serialized", action="store_true",
                   help="KeySerializedAsyncScheduler (CANCEL cancels `slow`) instead of the default ExitOrdered")
    p.add_argument("--debug", action="store_true")
    a = p.parse_args()
    if bool(a.curve_server_secret) != bool(a.curve_allow):
        p.error("--curve-server-secret and --curve-allow go together")
    logging.basicConfig(level=logging.DEBUG if a.debug else logging.WARNING)
    asyncio.run(main(a))
