"""A static file server that waits before every answer (a slow peer). argv: port dir delay"""

import functools
import http.server
import sys
import time

port, directory, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])


class Slow(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        time.sleep(delay)
        super().do_GET()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(
    ("127.0.0.1", port), functools.partial(Slow, directory=directory)
)
server.serve_forever()
