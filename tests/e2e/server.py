"""Start the real app (flask run on a free port) on a fresh SQLite demo bank."""

import os
import signal
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


class LiveServer:
    """A server process that a test may SIGKILL and start again on the same port and data."""

    def __init__(self, folder: Path, dist: Path | None = None):
        self.folder = folder
        self.database = folder / "e2e.db"
        self.env = {**os.environ, "FLASK_APP": "wsgi", "RM_ENV": "development",
                    "PWA_DIST": str(dist or ROOT / "pwa" / "dist"),
                    "DATABASE_URL": f"sqlite:///{self.database}",
                    "DEMO_TRUTH_PATH": str(folder / "truth.csv"),
                    "MESSAGE_ADAPTER": "file", "MESSAGE_OUTBOX_FILE": str(folder / "outbox.jsonl"),
                    "VAPID_FILE": str(folder / "vapid.json"),
                    "LOGIN_RATE_LIMIT": "1000 per minute"}
        self.env.pop("TEST_DATABASE_URL", None)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def _flask(self, *args):
        subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def load(self, customers: int = 150, months: int = 6, nightly: bool = False) -> None:
        """A demo bank, with its moments and plans; `nightly`: trained models and the whole
        nightly run too (scores, risk cases), as `make run` has them."""
        self._flask("db", "upgrade")
        self._flask("push", "keys", "--if-missing")
        self._flask("demo", "load", "--customers", str(customers), "--months", str(months),
                    "--seed", "5")
        if nightly:
            self._flask("demo", "models")
            self._flask("pipeline", "run")
        else:  # the steps that need no trained model: moments and the plan for Today
            self._flask("pipeline", "run", "--step", "moments", "--step", "plan")

    def start(self) -> None:
        log = open(self.folder / "server.log", "a")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port",
             str(self.port)], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/openapi.json", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + (self.folder / "server.log").read_text())

    def kill(self) -> None:
        """SIGKILL: no cleanup, no finished responses, as in a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@contextmanager
def serve(folder: Path, customers: int = 150, months: int = 6, dist: Path | None = None,
          nightly: bool = False):
    """Yield the base URL of a server with a demo bank loaded in `folder`."""
    server = LiveServer(folder, dist)
    server.load(customers, months, nightly)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
