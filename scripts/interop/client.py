#!/usr/bin/python3
"""client.py: an independent WebSocket client on Python's `websockets` 10.4
(legacy asyncio API), used by scripts/interop.sh to check `wsx serve` from the
other side. client.js is the same client on Node's `ws`; both take the same
arguments and print the same line.

Usage: /usr/bin/python3 scripts/interop/client.py URL [--protocol P]...
           [--count N] [--close CODE] [--reason TEXT] [MESSAGE...]

It connects (offering each --protocol), sends each MESSAGE as a text message,
waits until N messages have arrived (default: as many as it sent), then closes
with CODE (default 1000) and TEXT, and waits for the close to finish. If the
server closes first, it stops there. It prints ONE JSON line:

  {"subprotocol":"...","received":["..."],"close_code":C,"close_reason":"...",
   "closed_by":"client|server"}

close_code and close_reason are those of the close frame it received from the
server (the echo of its own close, or the server's close): 1005 for a frame
without a code, 1006 for none. Exit 0 when it got that far, 1 on an error (the
line then has an "error" key instead) or after 15 seconds.
"""

import asyncio
import base64
import json
import sys

import websockets
from websockets.exceptions import ConnectionClosed


def usage(msg):
    sys.stderr.write(f"client.py: {msg}\n")
    sys.exit(2)


def parse(args):
    opts = {"url": None, "protocols": [], "messages": [], "count": None,
            "code": 1000, "reason": ""}
    it = iter(args)
    for a in it:
        if a in ("--protocol", "--count", "--close", "--reason"):
            v = next(it, None)
            if v is None:
                usage(f"{a} needs a value")
            if a == "--protocol":
                opts["protocols"].append(v)
            elif a == "--count":
                opts["count"] = int(v)
            elif a == "--close":
                opts["code"] = int(v)
            else:
                opts["reason"] = v
        elif opts["url"] is None:
            opts["url"] = a
        else:
            opts["messages"].append(a)
    if opts["url"] is None:
        usage("a URL is needed")
    if opts["count"] is None:
        opts["count"] = len(opts["messages"])
    return opts


def emit(line, status):
    sys.stdout.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    sys.exit(status)


async def run(o):
    received = []
    ws = await websockets.connect(
        o["url"],
        subprotocols=o["protocols"] or None,
        compression=None,
        max_size=None,
        ping_interval=None,
        close_timeout=10,
    )
    closed_by = "server"
    try:
        for m in o["messages"]:
            await ws.send(m)
        while len(received) < o["count"]:
            msg = await ws.recv()
            received.append(msg if isinstance(msg, str) else base64.b64encode(msg).decode())
        closed_by = "client"
        await ws.close(o["code"], o["reason"])
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    return {
        "subprotocol": ws.subprotocol or "",
        "received": received,
        "close_code": ws.close_code,
        "close_reason": ws.close_reason or "",
        "closed_by": closed_by,
    }


def main():
    o = parse(sys.argv[1:])
    sys.stdout.reconfigure(encoding="utf-8")
    try:
        line = asyncio.run(asyncio.wait_for(run(o), 15))
    except asyncio.TimeoutError:
        emit({"subprotocol": "", "received": [], "error": "timed out after 15s"}, 1)
    except Exception as exc:  # an error is reported, not raised
        emit({"subprotocol": "", "received": [], "error": str(exc)}, 1)
    emit(line, 0)


if __name__ == "__main__":
    main()
