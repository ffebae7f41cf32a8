"""A loopback HTTP server for the client tests: `python3 serve.py DIR`. Prints its port on the
first line of standard output, then serves DIR until killed. Misbehaviours, by path prefix:
/endless/ answers with an endless stream of bytes; /stall/ never answers; /drop/PATH announces
PATH's length, sends half and drops the connection; /liar/PATH announces fewer bytes than PATH
has and sends them all; /trickle/PATH sends PATH one byte every 0.2 seconds. With
SERVE_KEEP_ALIVE=1 in the environment it answers in HTTP/1.1 and keeps connections open, as a
CDN does (the benchmarks use this; the misbehaviours are for HTTP/1.0)."""
import http.server
import os
import signal
import sys
import time

root = os.path.abspath(sys.argv[1])
# The parent may have left SIGTERM ignored; make it stop the server.
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def log_message(self, format, *args):  # keep test output clean
        pass

    def do_GET(self):
        if self.path.startswith("/endless/"):
            self.send_response(200)
            self.end_headers()
            chunk = b" " * 65536
            try:
                while True:
                    self.wfile.write(chunk)
                    # Endless, but not faster than a client on a loaded machine reads: URLSession
                    # on Linux buffers what its starved delegate has not taken yet.
                    time.sleep(0.005)
            except OSError:
                return
        if self.path.startswith("/stall/"):
            time.sleep(3600)
            return
        for prefix in ("/drop/", "/liar/", "/trickle/"):
            if self.path.startswith(prefix):
                self.misbehave(prefix, self.path[len(prefix) - 1 :])
                return
        super().do_GET()

    def misbehave(self, prefix, path):
        try:
            with open(os.path.join(root, path.lstrip("/")), "rb") as f:
                data = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        announced = len(data) // 2 if prefix == "/liar/" else len(data)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        try:
            if prefix == "/drop/":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.connection.shutdown(2)
            elif prefix == "/liar/":
                self.wfile.write(data)
            else:
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
        except OSError:
            return
        self.close_connection = True


if os.environ.get("SERVE_KEEP_ALIVE") == "1":
    Handler.protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm holds the body
    # until the client's delayed acknowledgement, tens of milliseconds per request.
    Handler.disable_nagle_algorithm = True
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
