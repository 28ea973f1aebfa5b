"""Start the real app (flask run on a free port) on a fresh SQLite demo bank."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env, *args):
    subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


@contextmanager
def serve(folder: Path, customers: int = 150, months: int = 6, dist: Path | None = None):
    """Yield the base URL of a server with a demo bank loaded in `folder`."""
    env = {**os.environ, "FLASK_APP": "wsgi", "RM_ENV": "development",
           "PWA_DIST": str(dist or ROOT / "pwa" / "dist"),
           "DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}",
           "DEMO_TRUTH_PATH": str(folder / "truth.csv"), "LOGIN_RATE_LIMIT": "1000 per minute"}
    env.pop("TEST_DATABASE_URL", None)
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "load", "--customers", str(customers), "--months", str(months),
           "--seed", "5")
    port = _free_port()
    with open(folder / "server.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("server did not start: " + (folder / "server.log").read_text())
            yield url
        finally:
            process.terminate()
            process.wait(10)
