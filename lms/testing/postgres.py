"""A throwaway PostgreSQL cluster for the test suite, and scratch databases on a server.

``with TemporaryPostgres() as url:`` runs ``initdb`` in a temporary directory, starts the
server on a free port of 127.0.0.1 (durability off: it is thrown away), creates the database
``lms_test`` and gives its SQLAlchemy URL, ``postgresql+psycopg://postgres@127.0.0.1:<port>/
lms_test``. Leaving the block (or the interpreter exiting) stops the server and removes the
directory. As root, the server runs as the ``postgres`` OS user, as PostgreSQL requires.

``create_database(url)`` and ``drop_database(url)`` make and remove one uniquely named
database on the server ``url`` points at, so that every test app has a database of its own.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

DATABASE = "lms_test"
SUPERUSER = "postgres"
#: The OS user the server runs as when we are root (PostgreSQL refuses to run as root).
OS_USER = "postgres"
_TOOLS = ("initdb", "pg_ctl", "postgres")
_START_ATTEMPTS = 5


class PostgresNotFound(RuntimeError):
    """The PostgreSQL server binaries (``initdb``, ``pg_ctl``, ``postgres``) are missing."""


class PostgresStartError(RuntimeError):
    """``initdb`` or ``pg_ctl start`` failed; the message carries their output."""


@dataclass(frozen=True)
class Binaries:
    initdb: str
    pg_ctl: str


def _candidate_dirs() -> list[Path]:
    dirs: list[Path] = []
    if os.environ.get("LMS_PG_BINDIR"):
        dirs.append(Path(os.environ["LMS_PG_BINDIR"]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
        dirs.append(Path(on_path).parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = sorted(
            (p for p in debian.iterdir() if p.name.isdigit()),
            key=lambda p: (p.name != "15", -int(p.name)),  # 15 first, then the newest
        )
        dirs.extend(p / "bin" for p in versions)
    dirs.extend(Path(p) for p in ("/usr/pgsql-15/bin", "/usr/local/pgsql/bin", "/usr/local/bin"))
    return dirs


def find_binaries() -> Binaries:
    """``initdb`` and ``pg_ctl`` from one installation, or :class:`PostgresNotFound`."""
    for folder in _candidate_dirs():
        if all(os.access(folder / tool, os.X_OK) for tool in _TOOLS):
            return Binaries(initdb=str(folder / "initdb"), pg_ctl=str(folder / "pg_ctl"))
    raise PostgresNotFound(
        "PostgreSQL server binaries not found: need initdb, pg_ctl and postgres on PATH, in "
        "/usr/lib/postgresql/<version>/bin or in $LMS_PG_BINDIR "
        "(Debian/Ubuntu: apt-get install postgresql-15)."
    )


def available() -> bool:
    """Whether a throwaway cluster can be started here (the binaries are installed)."""
    try:
        find_binaries()
    except PostgresNotFound:
        return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` run as the ``postgres`` OS user when we are root, else as ourselves."""
    if not _is_root():
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", OS_USER, "--", *command]
    su = shutil.which("su") or "su"
    return [su, OS_USER, "-s", "/bin/sh", "-c", shlex.join(command)]


def _run(command: list[str], what: str, timeout: float = 120) -> str:
    result = subprocess.run(  # noqa: S603 - our own binaries and arguments
        _as_server_user(command),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise PostgresStartError(f"{what} failed (exit {result.returncode}):\n{output}")
    return output


def _base_dir() -> str | None:
    """Where to make the cluster's folder: the temp dir, unless ``postgres`` can't reach it."""
    base = Path(tempfile.gettempdir()).resolve()
    if not _is_root():
        return None
    for folder in (base, *base.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return "/tmp"  # noqa: S108 - world-traversable, the folder itself is private
    return None


class TemporaryPostgres:
    """A PostgreSQL cluster that lives in a temporary directory until :meth:`stop`."""

    def __init__(self, database: str = DATABASE) -> None:
        self.database = database
        self.binaries = find_binaries()
        self.directory: Path | None = None
        self.port: int | None = None
        self._running = False

    @property
    def data(self) -> Path:
        assert self.directory is not None
        return self.directory / "data"

    @property
    def url(self) -> str:
        assert self.port is not None
        return URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            host="127.0.0.1",
            port=self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    def start(self) -> str:
        """Create, start and fill the cluster; returns the URL of its test database."""
        if self._running:
            return self.url
        self.directory = Path(tempfile.mkdtemp(prefix="lms-pg-", dir=_base_dir()))
        atexit.register(self.stop)
        try:
            if _is_root():
                import pwd

                try:
                    entry = pwd.getpwnam(OS_USER)
                except KeyError:
                    raise PostgresStartError(
                        f"running as root, the server needs the OS user {OS_USER!r} "
                        "(PostgreSQL refuses to run as root); create it or run as another user"
                    ) from None
                os.chown(self.directory, entry.pw_uid, entry.pw_gid)
            _run(
                [
                    self.binaries.initdb,
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ],
                "initdb",
            )
            self._start_server()
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self.url

    def _start_server(self) -> None:
        assert self.directory is not None
        log = self.directory / "server.log"
        for attempt in range(_START_ATTEMPTS):
            self.port = free_port()
            options = (
                f"-F -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                f"-k {self.directory} -p {self.port} -c listen_addresses=127.0.0.1"
            )
            try:
                command = [self.binaries.pg_ctl, "start", "-w", "-t", "60", "-D", str(self.data)]
                _run([*command, "-l", str(log), "-o", options], "pg_ctl start")
            except PostgresStartError as error:
                server_log = log.read_text(errors="replace") if log.exists() else ""
                in_use = "already in use" in server_log or "could not bind" in server_log
                if in_use and attempt + 1 < _START_ATTEMPTS:
                    continue  # another process took the port between probe and start
                raise PostgresStartError(f"{error}\n--- server log ---\n{server_log}") from None
            self._running = True
            return

    def _create_database(self) -> None:
        admin = make_url(self.url).set(database="postgres")
        engine = create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
        finally:
            engine.dispose()

    def stop(self) -> None:
        """Stop the server (if started) and remove its directory. Safe to call twice."""
        atexit.unregister(self.stop)
        started = self.directory is not None and (self.data / "postmaster.pid").exists()
        if self._running or started:
            self._running = False
            with contextlib.suppress(PostgresStartError, subprocess.TimeoutExpired):
                _run(
                    [self.binaries.pg_ctl, "stop", "-D", str(self.data), "-m", "immediate", "-w"],
                    "pg_ctl stop",
                    timeout=60,
                )
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def is_postgres(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _admin_engine(url: str | URL) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(url: str | URL, prefix: str = "lms_") -> str:
    """Create an empty, uniquely named database on the server of ``url``; returns its URL.

    ``url`` is any database the role can connect to and that role needs CREATEDB.
    """
    name = f"{prefix}{uuid.uuid4().hex}"
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str | URL, admin_url: str | URL | None = None) -> None:
    """Drop the database of ``url``, closing any connections still open to it.

    The DROP runs on a connection to ``admin_url`` (default: the ``postgres`` database of
    the same server), since a database can't be dropped from a connection to itself.
    """
    target = make_url(url)
    name = target.database
    assert name, "no database in the URL"
    engine = _admin_engine(admin_url or target.set(database="postgres"))
    try:
        with engine.connect() as conn:
            version = conn.dialect.server_version_info or (0,)
            if version >= (13,):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        engine.dispose()
