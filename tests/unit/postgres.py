"""A throwaway PostgreSQL server for the run store's tests, made with the machine's own PostgreSQL.

:func:`find_bin` finds ``initdb`` and ``pg_ctl`` (Debian's ``/usr/lib/postgresql/<version>/bin``, the
newest version first, then ``PATH``; ``make postgres`` installs Debian's ``postgresql`` when there is
none). :func:`server` makes a cluster in a temporary folder, starts it on a free TCP port of 127.0.0.1
(its unix socket stays inside the folder), trusts local connections, and stops and removes it at the
end. PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user that
Debian's package creates and every server command runs through ``runuser``. Durability is switched
off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the data lives for one test session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The superuser of the throwaway cluster (no password: only local connections, trusted).
SUPERUSER = "balancer"
_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


@dataclass(frozen=True)
class Server:
    """A running throwaway server: its port, and a fresh database for each call of :meth:`database`."""

    port: int

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server (psycopg 3)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """Create an empty database with a new name and return its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def find_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: the newest Debian version, else from PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb and shutil.which("pg_ctl") else None


@contextlib.contextmanager
def server(bindir: Path) -> Iterator[Server]:
    """Run a throwaway cluster from ``bindir`` for the length of the ``with`` block."""
    owner = _owner()
    root = Path(tempfile.mkdtemp(prefix="balancer-pg-"))
    data = root / "data"
    try:
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        _run(owner, bindir / "initdb", "-D", data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
             "--locale=C", "-N")
        port = _start(owner, bindir, data, root / "log")
        try:
            yield Server(port)
        finally:
            _run(owner, bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _owner() -> pwd.struct_passwd | None:
    """The user the cluster runs as when the tests run as root (None otherwise)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("PostgreSQL will not run as root and there is no 'postgres' user: "
                           "install Debian's postgresql (make postgres)") from None


def _start(owner: pwd.struct_passwd | None, bindir: Path, data: Path, log: Path) -> int:
    """Start the server on a free port (a few tries, in case another process takes the port first)."""
    for _ in range(3):
        port = _free_port()
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data} {_FAST}"
        done = _run(owner, bindir / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t", "60",
                    "start", check=False)
        if done.returncode == 0:
            return port
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else done.stderr
    raise RuntimeError(f"the throwaway PostgreSQL server did not start:\n{tail}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(owner: pwd.struct_passwd | None, *args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a server command, as ``owner`` when given; a failure raises with the command's output."""
    command = [str(arg) for arg in args]
    if owner is not None:
        command = ["runuser", "-u", owner.pw_name, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done
