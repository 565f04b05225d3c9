"""A tiny SMTP server for tests: stores every received message as one JSON line.

Usage: smtp_sink.py READY_FILE MESSAGES_FILE
Listens on 127.0.0.1 on a free port, writes the port to READY_FILE once listening, and
appends {"from", "to", "data"} per message to MESSAGES_FILE. Runs until killed.
"""
import asyncore
import json
import os
import smtpd
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)


class Sink(smtpd.SMTPServer):
    def __init__(self, messages_path):
        super().__init__(("127.0.0.1", 0), None, decode_data=True)
        self.messages_path = messages_path

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        with open(self.messages_path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"from": mailfrom, "to": rcpttos, "data": data}) + "\n")


def main():
    ready_path, messages_path = sys.argv[1], sys.argv[2]
    sink = Sink(messages_path)
    port = sink.socket.getsockname()[1]
    temporary = ready_path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(str(port))
    os.rename(temporary, ready_path)
    asyncore.loop(timeout=0.2)


if __name__ == "__main__":
    main()
