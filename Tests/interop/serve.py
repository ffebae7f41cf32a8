"""A loopback HTTP server for the client tests: `python3 serve.py DIR`. Prints its port on the
first line of standard output, then serves DIR until killed. Under /endless/ every request is
answered with an endless stream of bytes; under /stall/ nothing is ever sent."""
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
            except OSError:
                return
        if self.path.startswith("/stall/"):
            time.sleep(3600)
            return
        super().do_GET()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
