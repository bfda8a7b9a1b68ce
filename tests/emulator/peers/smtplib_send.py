#!/usr/bin/python3
"""Sends one message with Debian's smtplib: STARTTLS (certificate verified
against --ca, host name "localhost"), then AUTH XOAUTH2 in the one-line form
(initial response on the AUTH line) or the two-step form (AUTH XOAUTH2 / 334 /
response). Exit codes: 0 sent, 3 SMTP error (code printed), 4 TLS error."""
import argparse
import smtplib
import ssl
import sys

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--ca", required=True)
p.add_argument("--mailbox", required=True)
p.add_argument("--token", required=True)
p.add_argument("--rcpt", required=True)
p.add_argument("--file", required=True)
p.add_argument("--mode", choices=["oneline", "twostep"], default="oneline")
a = p.parse_args()

auth_string = "user=%s\x01auth=Bearer %s\x01\x01" % (a.mailbox, a.token)


def xoauth2(challenge=None):
    # A non-empty challenge is an error report: answer with an empty line.
    return "" if challenge else auth_string


with open(a.file, "rb") as f:
    data = f.read()
try:
    with smtplib.SMTP("localhost", a.port, timeout=15) as s:
        s.ehlo("peer.example")
        s.starttls(context=ssl.create_default_context(cafile=a.ca))
        s.ehlo("peer.example")
        s.auth("XOAUTH2", xoauth2, initial_response_ok=(a.mode == "oneline"))
        s.sendmail(a.mailbox, [a.rcpt], data)
    print("SENT")
except smtplib.SMTPResponseException as e:
    print("SMTP_ERROR %d %s" % (e.smtp_code, e.smtp_error.decode(errors="replace")))
    sys.exit(3)
except ssl.SSLError as e:
    print("TLS_ERROR %s" % e)
    sys.exit(4)
