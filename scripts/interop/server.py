#!/usr/bin/python3
"""server.py: an independent WebSocket test server for scripts/interop.sh,
built on Python's `websockets` 10.4 (Debian: apt-get install -y
python3-websockets), legacy asyncio API. server.js is the same server on
Node's `ws`; the two must behave identically, so that one list of checks runs
against both. Keep this header and server.js's in step
(scripts/interop/README.md has the same text).

Usage: /usr/bin/python3 scripts/interop/server.py
(`python3` on PATH may be another interpreter without `websockets`.)

It listens on 127.0.0.1, port 0 (a free port), and prints its base URL
`ws://127.0.0.1:PORT` as the first stdout line. Every request is driven by
its URL:

  path /echo     echo each message back with its type (text or binary)
  path /sink     receive only, never reply
  path /reject   refuse the upgrade: ?status=N (default 403) and ?body=TEXT
                 (default "rejected"), sent as text/plain; status 401 also
                 sends `WWW-Authenticate: Basic realm="interop"`
  any other path is refused with 404 and the body "no such path"

Query parameters of /echo and /sink (all optional, any combination):

  id=TEXT           copied into the connection's report, to find it
  protocol=first    (default) choose the client's first offered subprotocol
  protocol=none     choose no subprotocol, whatever was offered
  protocol=bogus    answer `Sec-WebSocket-Protocol: bogus`, which the client
                    never offered (also when it offered nothing)
  pings=N           on open, send N pings with payloads ping-1 .. ping-N
  send=TEXT         on open, send TEXT as a text message; repeatable, sent in
                    order
  binary=N          on open, send N binary messages, each the 256 bytes
                    0x00 .. 0xff
  close=CODE|none   close with CODE (`none`: a close frame without a code)...
  reason=TEXT       ...and this reason...
  after=N           ...once N messages have been received (default 0: right
                    after the open actions above). On /echo the N-th
                    message is echoed first.
  drop=N            once N messages have been received (0: right after the
                    open actions), drop the connection without a close
                    frame: the server shuts down its side of the TCP
                    connection (FIN, no RST) and waits for the client to
                    close its side

On open the actions run in this order: pings, send, binary, then close or
drop when after=0 / drop=0. Messages that arrive after the server has
started its close or drop are not counted and not echoed.

When a connection has ended (or an upgrade was refused) the server prints
ONE JSON line on stdout, keys always in this order:

  {"path":"/echo","id":"...","status":101,"subprotocol":"",
   "messages":N,"bytes":B,"sha256":"<hex>","pongs":P,
   "close_code":C,"close_reason":"..."}

  status        101, or the HTTP status of a refused upgrade
  subprotocol   what the server put in Sec-WebSocket-Protocol ("" if none)
  messages      messages received (text and binary)
  bytes         their payload bytes
  sha256        sha256 of every received message, each followed by "\\n"
                (so `seq 1 100000 | sha256sum` matches 100000 lines)
  pongs         pongs received for the server's pings
  close_code    the code in the close frame the server received from the
                client (its own close or its echo of the server's); 1005
                for a close frame without a code; 1006 when no close frame
                came; null for a refused upgrade
  close_reason  the reason in that close frame

Both libraries accept every close code used by the suite (1000, 1001, 1008,
1011, 1013, 1014, 3000-4999) for sending and receiving, so no close frame is
written by hand on the raw socket.

How it works: websockets' legacy server hands messages to the handler
through a queue, and echoes the client's close frame as soon as it reads
it, possibly before the handler has seen (and echoed) the messages queued
before it. To behave like server.js, where each message is handled before
the next frame is read, the per-message work (count, hash, echo, close or
drop after N) is done in an override of read_message, which runs in the
library's reading task; the handler only runs the open actions and drains
the queue.
"""

import asyncio
import hashlib
import http
import json
import sys
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close
from websockets.legacy.protocol import State
from websockets.legacy.server import WebSocketServerProtocol

BINARY = bytes(range(256))


def report(r):
    line = json.dumps(
        {
            "path": r["path"],
            "id": r["id"],
            "status": r["status"],
            "subprotocol": r["subprotocol"],
            "messages": r["messages"],
            "bytes": r["bytes"],
            "sha256": r["sha"].hexdigest(),
            "pongs": r["pongs"],
            "close_code": r["close_code"],
            "close_reason": r["close_reason"],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def int_param(q, name):
    v = q.get(name, [""])[-1]
    try:
        return int(v, 10)
    except ValueError:
        return None


class Proto(WebSocketServerProtocol):
    async def process_request(self, path, request_headers):
        u = urlsplit(path)
        q = parse_qs(u.query, keep_blank_values=True)
        self.p = u.path
        self.q = q
        self.r = {
            "path": u.path,
            "id": q.get("id", [""])[-1],
            "status": 101,
            "subprotocol": "",
            "messages": 0,
            "bytes": 0,
            "sha": hashlib.sha256(),
            "pongs": 0,
            "close_code": None,
            "close_reason": "",
        }
        self.ready = asyncio.Event()
        self.done = False  # the server has started its close or drop
        self.close_param = q.get("close", [None])[-1]
        self.after = int_param(q, "after") or 0
        self.drop = int_param(q, "drop")
        self.waiters = []

        if u.path == "/reject":
            status = int_param(q, "status") or 403
            body = q.get("body", ["rejected"])[-1]
            headers = []
            if status == 401:
                headers.append(("WWW-Authenticate", 'Basic realm="interop"'))
            self.r["status"] = status
            report(self.r)
            return http.HTTPStatus(status), headers, body.encode()
        if u.path not in ("/echo", "/sink"):
            self.r["status"] = 404
            report(self.r)
            return http.HTTPStatus.NOT_FOUND, [], b"no such path"
        return None

    def process_subprotocol(self, headers, available_subprotocols):
        mode = self.q.get("protocol", ["first"])[-1]
        offered = []
        for value in headers.get_all("Sec-WebSocket-Protocol"):
            offered += [p.strip() for p in value.split(",") if p.strip()]
        chosen = None
        if mode == "first" and offered:
            chosen = offered[0]
        elif mode == "bogus":
            chosen = "bogus"
        self.r["subprotocol"] = chosen or ""
        return chosen

    async def close_now(self):
        self.done = True
        if self.close_param == "none":
            await self.write_close_frame(Close(1005, ""), b"")
        else:
            reason = self.q.get("reason", [""])[-1]
            await self.write_close_frame(Close(int(self.close_param), reason))

    def drop_now(self):
        self.done = True
        # FIN without a close frame; the library reports 1006 later.
        self.transport.write_eof()

    async def read_message(self):
        await self.ready.wait()
        msg = await super().read_message()
        if msg is None or self.done:
            return msg
        data = msg.encode() if isinstance(msg, str) else msg
        r = self.r
        r["messages"] += 1
        r["bytes"] += len(data)
        r["sha"].update(data)
        r["sha"].update(b"\n")
        if self.p == "/echo" and self.state is State.OPEN:
            await self.send(msg)
        if self.close_param is not None and r["messages"] == self.after:
            await self.close_now()
        elif self.drop is not None and r["messages"] == self.drop:
            self.drop_now()
        return msg


async def handler(ws):
    q = ws.q
    try:
        for i in range(1, (int_param(q, "pings") or 0) + 1):
            ws.waiters.append(await ws.ping(f"ping-{i}"))
        for text in q.get("send", []):
            await ws.send(text)
        for _ in range(int_param(q, "binary") or 0):
            await ws.send(BINARY)
        if ws.close_param is not None and ws.after == 0:
            await ws.close_now()
        elif ws.drop == 0:
            ws.drop_now()
    except ConnectionClosed:
        pass
    finally:
        ws.ready.set()
    try:
        async for _ in ws:
            pass
    except ConnectionClosed:
        pass
    try:
        await asyncio.wait_for(ws.wait_closed(), 60)
    except asyncio.TimeoutError:
        ws.transport.abort()
        await ws.wait_closed()
    r = ws.r
    for w in ws.waiters:
        if w.done() and not w.cancelled() and w.exception() is None:
            r["pongs"] += 1
    r["close_code"] = ws.close_code
    r["close_reason"] = ws.close_reason or ""
    report(r)


async def main():
    server = await websockets.serve(
        handler,
        "127.0.0.1",
        0,
        create_protocol=Proto,
        compression=None,
        max_size=None,
        ping_interval=None,
        close_timeout=30,
    )
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"ws://127.0.0.1:{port}\n")
    sys.stdout.flush()
    await asyncio.Future()


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
