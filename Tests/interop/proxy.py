"""A loopback HTTP proxy for the client tests: `python3 proxy.py LOG`. Prints its port on the
first line of standard output, then tunnels CONNECT requests and forwards absolute-URI ones,
appending each request line to the file LOG, until killed."""
import select
import signal
import socket
import sys
import threading
import os
from urllib.parse import urlsplit

log_path = sys.argv[1]
log_lock = threading.Lock()
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def relay(client, upstream):
    try:
        while True:
            ready, _, _ = select.select([client, upstream], [], [], 30)
            if not ready:
                return
            for source in ready:
                data = source.recv(65536)
                if not data:
                    return
                (upstream if source is client else client).sendall(data)
    except OSError:
        return
    finally:
        client.close()
        upstream.close()


def handle(client):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(65536)
        if not data or len(head) > 65536:
            client.close()
            return
        head += data
    head, rest = head.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    method, target, _ = lines[0].decode().split(" ")
    with log_lock, open(log_path, "a") as log:
        log.write(lines[0].decode() + "\n")
    try:
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
        else:
            url = urlsplit(target)
            upstream = socket.create_connection((url.hostname, url.port or 80))
            path = (url.path or "/") + ("?" + url.query if url.query else "")
            lines[0] = f"{method} {path} HTTP/1.1".encode()
            upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + rest)
    except OSError:
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    relay(client, upstream)


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=handle, args=(connection,), daemon=True).start()
