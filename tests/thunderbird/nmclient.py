#!/usr/bin/python3
"""A native-messaging client for inkan-native-host, as Thunderbird speaks it:
uint32 native-endian length + UTF-8 JSON.  Used by tests/thunderbird/*.sh and
bench/tb-host.sh.

  nmclient.py HOST call METHOD [PARAMS-JSON]       one request, prints the reply
  nmclient.py HOST raw < frames                    raw bytes in, replies out (one JSON per line)
"""
import json, os, struct, subprocess, sys


class Host:
    def __init__(self, path, env=None):
        self.p = subprocess.Popen([path, "/fake/manifest.json", "thunderbird-helper@inkan"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.next = 1

    def send_bytes(self, b):
        self.p.stdin.write(b)
        self.p.stdin.flush()

    def send_frame(self, payload):
        self.send_bytes(struct.pack("=I", len(payload)) + payload)

    def recv(self):
        h = self.p.stdout.read(4)
        if len(h) < 4:
            return None
        n = struct.unpack("=I", h)[0]
        body = self.p.stdout.read(n)
        assert len(body) == n, "short reply"
        return json.loads(body.decode("utf-8"))

    def call(self, method, params=None):
        req = {"jsonrpc": "2.0", "id": self.next, "method": method}
        if params is not None:
            req["params"] = params
        self.next += 1
        self.send_frame(json.dumps(req).encode())
        return self.recv()

    def close(self):
        self.p.stdin.close()
        rest = self.p.stdout.read()
        rc = self.p.wait(timeout=30)
        return rc, rest


def main():
    host, mode = sys.argv[1], sys.argv[2]
    h = Host(host)
    if mode == "call":
        params = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
        print(json.dumps(h.call(sys.argv[3], params), indent=1))
    rc, rest = h.close()
    sys.exit(rc)


if __name__ == "__main__":
    main()
