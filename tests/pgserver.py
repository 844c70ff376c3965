"""A private, throw-away PostgreSQL server on loopback for tests and benchmarks.

Debian's `postgresql` package is installed by `make`; we start our own cluster with its
initdb/pg_ctl (as the `postgres` user when we run as root, since PostgreSQL refuses root)
rather than relying on a system service that CI may not have running.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid

from app.net.demo_network import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found; `make test` installs Debian's postgresql package"
        )
    return found[-1]


class PgServer:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="cityledger-pg-")
        self.port = free_port()
        self.datadir = os.path.join(self.dir, "data")
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PgServer:
        if self._as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._run(
            _bin("initdb"),
            "-D",
            self.datadir,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.dir} -c fsync=on "
            f"-c max_connections=200 -c shared_buffers=128MB"
        )
        self._run(
            _bin("pg_ctl"),
            "-D",
            self.datadir,
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "-l",
            os.path.join(self.dir, "log"),
            "start",
        )
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(_bin("pg_ctl"), "-D", self.datadir, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of this server's processes: the postmaster, its
        background workers and the backends still connected (a backend that has exited
        is no longer counted, so read this while the clients are connected)."""
        try:
            with open(os.path.join(self.datadir, "postmaster.pid")) as f:
                master = int(f.readline())
        except (OSError, ValueError):
            return 0.0
        ticks = 0
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                with open(stat) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            pid = int(stat.split("/")[2])
            if pid == master or int(fields[1]) == master:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextlib.contextmanager
def running_server():
    srv = PgServer().start()
    try:
        yield srv
    finally:
        srv.stop()


if __name__ == "__main__":
    with running_server() as s:
        print(s.create_database())
        time.sleep(0.1)
