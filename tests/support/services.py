"""Private PostgreSQL, Redis and gunicorn processes for the live (fault and HTTP) tests.

Each one runs on a spare port under /tmp and is stopped by whoever started it: these tests never
touch the shared PostgreSQL (5432) or Redis (6379) that the rest of the suite and other people use.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else "python3"


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries installed (Debian keeps them out of PATH)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres_user(argv: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; the Debian package creates a `postgres` user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@dataclass
class PrivatePostgres:
    """A throwaway PostgreSQL cluster: `initdb` into a temp dir, trust auth, one port."""

    port: int = field(default_factory=free_port)
    datadir: Path | None = None
    bindir: Path | None = field(default_factory=postgres_bin_dir)

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def init(self) -> PrivatePostgres:
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb) are not installed")
        self.datadir = Path(tempfile.mkdtemp(prefix="h9-pg-", dir="/tmp"))
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
        subprocess.run(
            _as_postgres_user([
                str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ]),
            check=True, capture_output=True, timeout=120,
        )
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        subprocess.run(
            _as_postgres_user([
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", options,
                "-l", str(self.datadir / "server.log"), "-w", "-t", "60", "start",
            ]),
            check=True, capture_output=True, timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast` closes every session (clients see their connection die); `immediate` is a crash."""
        subprocess.run(
            _as_postgres_user([
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "-t", "60",
                "stop",
            ]),
            check=False, capture_output=True, timeout=90,
        )

    def is_running(self) -> bool:
        return port_open(self.port)

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        result = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", dbname, "-c", sql],
            check=True, capture_output=True, text=True, timeout=60,
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> None:
        self.psql(f'CREATE DATABASE "{name}"')

    def streaming_replica(self) -> PrivatePostgres:
        """A hot standby of this cluster: `pg_basebackup -R` into a new directory, its own port.

        initdb's trust rules already let 127.0.0.1 connect for replication; the standby streams
        the WAL from this cluster from then on (start it with `start()`).
        """
        replica = PrivatePostgres(bindir=self.bindir)
        replica.datadir = Path(tempfile.mkdtemp(prefix="h9-pg-replica-", dir="/tmp"))
        if os.geteuid() == 0:
            shutil.chown(replica.datadir, "postgres", "postgres")
        subprocess.run(
            _as_postgres_user([
                str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port),
                "-U", "postgres", "-D", str(replica.datadir), "-R", "-X", "stream",
                "--checkpoint=fast", "--no-sync",
            ]),
            check=True, capture_output=True, timeout=180,
        )
        return replica

    def destroy(self) -> None:
        if self.datadir and self.datadir.exists():
            if self.is_running():
                self.stop("immediate")
            shutil.rmtree(self.datadir, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A redis-server with no persistence on a spare port."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), timeout=20, what="redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


def manage(*args: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `manage.py` in a child process with this environment; raises on a non-zero exit."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def django_script(code: str, *, env: dict, timeout: float = 120):
    """Run Python inside the project (django.setup() done) and return what it printed as JSON.

    The live tests arrange and inspect data this way, in their own database, through the same
    models and services the app uses.
    """
    prelude = "import django, json; django.setup()\n"
    result = subprocess.run(
        [PYTHON, "-c", prelude + code], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"script failed:\n{result.stdout}\n{result.stderr}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def app_env(*, database_url: str, redis_url: str | None = None, **extra: str) -> dict:
    """The environment a production-like process of the app gets (DEBUG off, a real secret)."""
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST", "DJANGO_SETTINGS"))
    }
    env.update({
        "SECRET_KEY": "live-test-" + "k" * 50,
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "OPENAI_API_KEY": "",
        "THROTTLE_ANON": "100000/min",
        "THROTTLE_LOGIN": "100000/min",
        "THROTTLE_USER": "100000/min",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


@dataclass
class Gunicorn:
    """The app served by gunicorn, as `make run` serves it, on a spare port."""

    env: dict
    workers: int = 4
    threads: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handle, path = tempfile.mkstemp(prefix="h9-gunicorn-", suffix=".log", dir="/tmp")
        os.close(handle)
        self.log_path = Path(path)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--threads", str(self.threads), "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT, env=self.env, stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._answers, timeout=60, interval=0.25, what="gunicorn to answer /health")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
        try:
            with urllib.request.urlopen(self.base_url + "/health", timeout=2) as response:
                return response.status in (200, 503)
        except urllib.error.HTTPError as error:
            return error.code == 503
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
