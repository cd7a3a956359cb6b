#!/usr/bin/env node
// client.js: an independent WebSocket client on Node's `ws`, used by
// scripts/interop.sh to check `wsx serve` from the other side. client.py is
// the same client on Python's `websockets`; both take the same arguments and
// print the same line.
//
// Usage: node scripts/interop/client.js URL [--protocol P]... [--count N]
//            [--close CODE] [--reason TEXT] [MESSAGE...]
//
// It connects (offering each --protocol), sends each MESSAGE as a text
// message, waits until N messages have arrived (default: as many as it sent),
// then closes with CODE (default 1000) and TEXT, and waits for the close to
// finish. If the server closes first, it stops there. It prints ONE JSON line:
//
//   {"subprotocol":"...","received":["..."],"close_code":C,"close_reason":"...",
//    "closed_by":"client|server"}
//
// close_code and close_reason are those of the close frame it received from
// the server (the echo of its own close, or the server's close): 1005 for a
// frame without a code, 1006 for none. Exit 0 when it got that far, 1 on an
// error (the line then has an "error" key instead) or after 15 seconds.
'use strict';

const WebSocket = require('ws');

function usage(msg) {
  process.stderr.write(`client.js: ${msg}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let url = null;
const protocols = [];
const messages = [];
let count = null;
let code = 1000;
let reason = '';
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => (i + 1 < args.length ? args[++i] : usage(`${a} needs a value`));
  if (a === '--protocol') protocols.push(value());
  else if (a === '--count') count = Number.parseInt(value(), 10);
  else if (a === '--close') code = Number.parseInt(value(), 10);
  else if (a === '--reason') reason = value();
  else if (url === null) url = a;
  else messages.push(a);
}
if (url === null) usage('a URL is needed');
if (count === null) count = messages.length;

const received = [];
let closedBy = 'server';
let closing = false;

const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
const timer = setTimeout(() => finish({ error: 'timed out after 15s' }, 1), 15000);

function finish(extra, status) {
  clearTimeout(timer);
  process.stdout.write(JSON.stringify({ subprotocol: ws.protocol, received, ...extra }) + '\n');
  process.exit(status);
}

function closeNow() {
  if (closing) return;
  closing = true;
  closedBy = 'client';
  ws.close(code, reason);
}

ws.on('open', () => {
  for (const m of messages) ws.send(m, { binary: false });
  if (received.length >= count) closeNow();
});
ws.on('message', (data, isBinary) => {
  if (closing) return;
  received.push(isBinary ? data.toString('base64') : data.toString('utf8'));
  if (received.length >= count) closeNow();
});
ws.on('close', (c, r) => {
  finish({ close_code: c, close_reason: r.toString('utf8'), closed_by: closedBy }, 0);
});
ws.on('error', (err) => finish({ error: String(err.message || err) }, 1));
