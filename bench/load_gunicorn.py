"""gunicorn settings for the load test (bench/load.py): each request's CPU time in its worker.

A sync worker serves one request at a time, so the worker process's CPU time from the start of
a request to its end is that request's own: what the page costs the web server, however busy
the machine is. One line per request (method, path, milliseconds) goes to a file per worker in
``LOAD_CPU_DIR``.
"""

import os
import time


def pre_request(worker, req):
    worker.load_cpu_started = time.process_time()


def post_request(worker, req, environ, resp):
    took_ms = (time.process_time() - worker.load_cpu_started) * 1000
    path = os.path.join(os.environ["LOAD_CPU_DIR"], f"cpu-{os.getpid()}.tsv")
    with open(path, "a") as out:
        out.write(f"{req.method}\t{req.path}\t{took_ms:.2f}\n")
