#!/usr/bin/env node
// server.js: an independent WebSocket test server for scripts/interop.sh,
// built on Node's `ws` package (pinned in package.json). server.py is the same
// server on Python's `websockets`; the two must behave identically, so that
// one list of checks runs against both. Keep this header and server.py's in
// step (scripts/interop/README.md has the same text).
//
// Usage: node scripts/interop/server.js
//
// It listens on 127.0.0.1, port 0 (a free port), and prints its base URL
// `ws://127.0.0.1:PORT` as the first stdout line. Every request is driven by
// its URL:
//
//   path /echo     echo each message back with its type (text or binary)
//   path /sink     receive only, never reply
//   path /reject   refuse the upgrade: ?status=N (default 403) and ?body=TEXT
//                  (default "rejected"), sent as text/plain; status 401 also
//                  sends `WWW-Authenticate: Basic realm="interop"`
//   any other path is refused with 404 and the body "no such path"
//
// Query parameters of /echo and /sink (all optional, any combination):
//
//   id=TEXT           copied into the connection's report, to find it
//   protocol=first    (default) choose the client's first offered subprotocol
//   protocol=none     choose no subprotocol, whatever was offered
//   protocol=bogus    answer `Sec-WebSocket-Protocol: bogus`, which the client
//                     never offered (also when it offered nothing)
//   pings=N           on open, send N pings with payloads ping-1 .. ping-N
//   send=TEXT         on open, send TEXT as a text message; repeatable, sent in
//                     order
//   binary=N          on open, send N binary messages, each the 256 bytes
//                     0x00 .. 0xff
//   close=CODE|none   close with CODE (`none`: a close frame without a code)...
//   reason=TEXT       ...and this reason...
//   after=N           ...once N messages have been received (default 0: right
//                     after the open actions above). On /echo the N-th
//                     message is echoed first.
//   drop=N            once N messages have been received (0: right after the
//                     open actions), drop the connection without a close
//                     frame: the server shuts down its side of the TCP
//                     connection (FIN, no RST) and waits for the client to
//                     close its side
//
// On open the actions run in this order: pings, send, binary, then close or
// drop when after=0 / drop=0. Messages that arrive after the server has
// started its close or drop are not counted and not echoed.
//
// When a connection has ended (or an upgrade was refused) the server prints
// ONE JSON line on stdout, keys always in this order:
//
//   {"path":"/echo","id":"...","status":101,"subprotocol":"",
//    "messages":N,"bytes":B,"sha256":"<hex>","pongs":P,
//    "close_code":C,"close_reason":"..."}
//
//   status        101, or the HTTP status of a refused upgrade
//   subprotocol   what the server put in Sec-WebSocket-Protocol ("" if none)
//   messages      messages received (text and binary)
//   bytes         their payload bytes
//   sha256        sha256 of every received message, each followed by "\n"
//                 (so `seq 1 100000 | sha256sum` matches 100000 lines)
//   pongs         pongs received for the server's pings
//   close_code    the code in the close frame the server received from the
//                 client (its own close or its echo of the server's); 1005
//                 for a close frame without a code; 1006 when no close frame
//                 came; null for a refused upgrade
//   close_reason  the reason in that close frame
//
// Both libraries accept every close code used by the suite (1000, 1001,
// 1008, 1011, 1013, 1014, 3000-4999) for sending and receiving, so no close
// frame is written by hand on the raw socket.
'use strict';

const crypto = require('crypto');
const http = require('http');
const { WebSocketServer } = require('ws');

const STATUS_TEXT = http.STATUS_CODES;
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function report(r) {
  process.stdout.write(JSON.stringify({
    path: r.path,
    id: r.id,
    status: r.status,
    subprotocol: r.subprotocol,
    messages: r.messages,
    bytes: r.bytes,
    sha256: r.sha.digest('hex'),
    pongs: r.pongs,
    close_code: r.closeCode,
    close_reason: r.closeReason,
  }) + '\n');
}

function newReport(path, q) {
  return {
    path,
    id: q.get('id') || '',
    status: 101,
    subprotocol: '',
    messages: 0,
    bytes: 0,
    sha: crypto.createHash('sha256'),
    pongs: 0,
    closeCode: null,
    closeReason: '',
  };
}

function intParam(q, name) {
  const v = q.get(name);
  if (v === null || v === '') return null;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? null : n;
}

function parse(req) {
  const u = new URL(req.url, 'http://127.0.0.1');
  return { path: u.pathname, q: u.searchParams };
}

// refuse writes an HTTP error response on the raw socket and ends it.
function refuse(socket, path, q, status, body) {
  const headers = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] || 'Unknown'}`];
  if (status === 401) headers.push('WWW-Authenticate: Basic realm="interop"');
  const b = Buffer.from(body, 'utf8');
  headers.push('Content-Type: text/plain', `Content-Length: ${b.length}`, 'Connection: close');
  socket.end(headers.join('\r\n') + '\r\n\r\n' + body);
  const r = newReport(path, q);
  r.status = status;
  report(r);
}

function protocolMode(req) {
  return parse(req).q.get('protocol') || 'first';
}

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 0, // no limit
  handleProtocols(protocols, req) {
    // Only called when the client offered some.
    if (protocolMode(req) === 'first') return protocols.values().next().value;
    return false;
  },
});

wss.on('headers', (headers, req) => {
  if (protocolMode(req) === 'bogus') headers.push('Sec-WebSocket-Protocol: bogus');
});

const server = http.createServer((req, res) => {
  res.writeHead(426, { 'Content-Type': 'text/plain' });
  res.end('a WebSocket upgrade is required\n');
});

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  const { path, q } = parse(req);
  if (path === '/reject') {
    refuse(socket, path, q, intParam(q, 'status') || 403, q.has('body') ? q.get('body') : 'rejected');
    return;
  }
  if (path !== '/echo' && path !== '/sink') {
    refuse(socket, path, q, 404, 'no such path');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => session(ws, req, path, q));
});

function session(ws, req, path, q) {
  const r = newReport(path, q);
  const mode = q.get('protocol') || 'first';
  r.subprotocol = mode === 'bogus' ? 'bogus' : ws.protocol;
  const closeParam = q.get('close');
  const after = intParam(q, 'after') || 0;
  const drop = intParam(q, 'drop');
  let done = false; // the server has started its close or drop

  const closeNow = () => {
    done = true;
    if (closeParam === 'none') ws.close();
    else ws.close(Number.parseInt(closeParam, 10), q.get('reason') || '');
  };
  const dropNow = () => {
    done = true;
    ws._socket.end(); // FIN without a close frame; ws reports 1006 later
  };

  ws.on('error', () => {});
  ws.on('pong', () => { r.pongs++; });
  ws.on('message', (data, isBinary) => {
    if (done) return;
    r.messages++;
    r.bytes += data.length;
    r.sha.update(data);
    r.sha.update('\n');
    if (path === '/echo') ws.send(data, { binary: isBinary });
    if (closeParam !== null && r.messages === after) closeNow();
    else if (drop !== null && r.messages === drop) dropNow();
  });
  ws.on('close', (code, reason) => {
    r.closeCode = code;
    r.closeReason = reason.toString('utf8');
    report(r);
  });

  const pings = intParam(q, 'pings') || 0;
  for (let i = 1; i <= pings; i++) ws.ping(`ping-${i}`);
  for (const text of q.getAll('send')) ws.send(text, { binary: false });
  const binary = intParam(q, 'binary') || 0;
  for (let i = 0; i < binary; i++) ws.send(BINARY, { binary: true });
  if (closeParam !== null && after === 0) closeNow();
  else if (drop === 0) dropNow();
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ws://127.0.0.1:${server.address().port}\n`);
});

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
