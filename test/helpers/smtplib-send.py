"""Sends message files over SMTP with Python's smtplib for test/integration/smtp-to-pop3.test.ts.

Usage: smtplib-send.py HOST PORT FROM TO FILE...
Each FILE is sent unchanged as the DATA of one transaction (smtplib dot-stuffs it; the files end
in CRLF, so it adds nothing else), all in one session. Prints one JSON array: for each file, the
[code, text] of the server's reply to the end of DATA.
"""
import json
import smtplib
import sys

host, port, sender, recipient, *files = sys.argv[1:]
replies = []
with smtplib.SMTP(host, int(port), timeout=30) as client:
    client.ehlo('smtplib.test')
    for name in files:
        with open(name, 'rb') as file:
            message = file.read()
        client.mail(sender)
        code, text = client.rcpt(recipient)
        if code != 250:
            raise SystemExit(f'RCPT TO:<{recipient}> refused: {code} {text.decode()}')
        code, text = client.data(message)
        replies.append([code, text.decode()])
print(json.dumps(replies))
