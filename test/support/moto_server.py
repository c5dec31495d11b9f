"""moto in server mode, as the tests run it: `moto_server` with one difference. DynamoDB applies each
item's conditional write atomically; moto's threaded server does not (two racing conditional puts of
one item were both seen to pass under load), so here DynamoDB's requests are handled one at a time.
Everything else (S3, SQS long polls, SSM, SES) stays concurrent.

Usage: python moto_server.py -H 127.0.0.1 -p PORT
"""

import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def dynamodb_one_at_a_time(app):
    lock = threading.Lock()

    def wrapped(environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return app(environ, start_response)
        with lock:
            # The answer is produced whole inside the lock: a lazy body would run the write after it.
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()

    return wrapped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    run_simple(args.host, args.port, dynamodb_one_at_a_time(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
