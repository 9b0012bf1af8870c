"""Drives Mailwright's POP3 server with Python's poplib for test/integration/pop3.test.ts.

Usage: pop3-clients.py MODE HOST PORT USER PASSWORD
MODE: plain (USER/PASS), stls (STLS then USER/PASS), ssl (pop3s, AUTH via USER/PASS),
      apop (APOP with the greeting's timestamp; password is the legacy secret).
Prints one JSON object: capabilities, stat, list, uidl, each message's RETR bytes and TOP 1 bytes
(base64, lines joined with CRLF as they arrived, un-stuffed by poplib), then QUIT's reply.
With DELETE set in the environment, DELE's the message numbers it lists (comma-separated).
"""
import base64
import json
import os
import poplib
import ssl
import sys

mode, host, port, user, password = sys.argv[1:6]
port = int(port)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

if mode == 'ssl':
    client = poplib.POP3_SSL(host, port, context=context, timeout=20)
else:
    client = poplib.POP3(host, port, timeout=20)
caps_before = client.capa()
if mode == 'stls':
    client.stls(context=context)
if mode == 'apop':
    client.apop(user, password)
else:
    client.user(user)
    client.pass_(password)

def joined(lines):
    return base64.b64encode(b''.join(line + b'\r\n' for line in lines)).decode()

count, octets = client.stat()
_, listing, _ = client.list()
_, uidls, _ = client.uidl()
messages = []
for number in range(1, count + 1):
    _, retr, retr_octets = client.retr(number)
    _, top, _ = client.top(number, 1)
    messages.append({'retr': joined(retr), 'top': joined(top), 'octets': retr_octets})
for number in filter(None, os.environ.get('DELETE', '').split(',')):
    client.dele(int(number))
quit_reply = client.quit().decode()
print(json.dumps({
    'capa': sorted(caps_before.keys()),
    'stat': [count, octets],
    'list': [line.decode() for line in listing],
    'uidl': [line.decode() for line in uidls],
    'messages': messages,
    'quit': quit_reply,
}))
