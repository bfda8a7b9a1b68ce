#!/usr/bin/python3
"""Peer for notify-bench: sends one message file COUNT times over ONE SMTP
connection with Debian's smtplib: STARTTLS (certificate checked against --ca,
host name "localhost"), AUTH XOAUTH2 with the token read from --token-file
(never printed), then MAIL/RCPT/DATA per message. Prints one JSON line.
Exit codes: 0 all sent, 3 an SMTP error, 4 a TLS error."""
import argparse
import json
import smtplib
import ssl
import sys

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--ca", required=True)
p.add_argument("--mailbox", required=True)
p.add_argument("--token-file", required=True)
p.add_argument("--rcpt", required=True)
p.add_argument("--file", required=True)
p.add_argument("--count", type=int, default=1)
a = p.parse_args()

with open(a.token_file) as f:
    token = f.read().strip()
with open(a.file, "rb") as f:
    data = f.read()
auth_string = "user=%s\x01auth=Bearer %s\x01\x01" % (a.mailbox, token)

sent = 0
try:
    with smtplib.SMTP("localhost", a.port, timeout=30) as s:
        s.ehlo("peer.example")
        s.starttls(context=ssl.create_default_context(cafile=a.ca))
        s.ehlo("peer.example")
        # smtplib's default: the initial response on the AUTH line.
        s.auth("XOAUTH2", lambda challenge=None: "" if challenge else auth_string)
        for _ in range(a.count):
            s.sendmail(a.mailbox, [a.rcpt], data)
            sent += 1
    print(json.dumps({"sent": sent}))
except smtplib.SMTPResponseException as e:
    print(json.dumps({"sent": sent, "error": "%d %s" % (e.smtp_code, e.smtp_error.decode(errors="replace"))}))
    sys.exit(3)
except ssl.SSLError as e:
    print(json.dumps({"sent": sent, "error": "TLS: %s" % e}))
    sys.exit(4)
