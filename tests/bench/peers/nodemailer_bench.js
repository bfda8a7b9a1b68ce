#!/usr/bin/env node
// Peer for notify-bench: sends one message file COUNT times with nodemailer's
// pooled SMTP transport (pool: true, up to --connections connections, up to
// --per-connection messages each), STARTTLS required with the certificate
// checked against --ca for "localhost", AUTH XOAUTH2 (auth type OAuth2) with
// the access token read from --token-file (never printed). Every message is
// handed to the pool at once, as an application sending a batch would.
// nodemailer is found through NODE_PATH (scripts/bench.sh installs it into
// the build tree). Prints one JSON line. Exit codes: 0 all sent, 3 an error.
'use strict';
const fs = require('fs');
const nodemailer = require('nodemailer');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i]] = process.argv[i + 1];
for (const name of ['--port', '--ca', '--mailbox', '--token-file', '--rcpt', '--file', '--count']) {
  if (!(name in args)) {
    console.error('missing ' + name);
    process.exit(2);
  }
}
const token = fs.readFileSync(args['--token-file'], 'utf8').trim();
const raw = fs.readFileSync(args['--file']);
const count = parseInt(args['--count'], 10);

const transport = nodemailer.createTransport({
  host: 'localhost',
  port: parseInt(args['--port'], 10),
  secure: false,
  requireTLS: true,
  tls: {ca: fs.readFileSync(args['--ca']), servername: 'localhost'},
  pool: true,
  maxConnections: parseInt(args['--connections'] || '3', 10),
  maxMessages: parseInt(args['--per-connection'] || '100', 10),
  auth: {type: 'OAuth2', user: args['--mailbox'], accessToken: token},
});

const envelope = {from: args['--mailbox'], to: [args['--rcpt']]};
let sent = 0;
let firstError = null;
const jobs = [];
for (let i = 0; i < count; i++) {
  jobs.push(transport.sendMail({envelope, raw}).then(
      () => { sent++; },
      (e) => { if (firstError === null) firstError = String(e && e.message).slice(0, 200); }));
}
Promise.all(jobs).then(() => {
  transport.close();
  const out = {sent};
  if (firstError !== null) out.error = firstError;
  console.log(JSON.stringify(out));
  process.exit(sent === count ? 0 : 3);
});
