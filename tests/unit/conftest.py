"""Fixtures for the library's tests that need more than a table: a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.unit import postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.Server]:
    """A throwaway PostgreSQL server for the test session (see tests/unit/postgres.py); about a
    second to start. ``postgres_server.database()`` makes an empty database and gives its URL.

    When the machine has no PostgreSQL the tests that use it fail, loudly, rather than skip: the run
    store must be checked against a real server, and ``make postgres`` (a prerequisite of ``make
    test`` and ``make test-unit``) installs Debian's. Set ``BALANCER_SKIP_POSTGRES=1`` to skip them
    instead, on a machine that cannot have PostgreSQL.
    """
    if os.environ.get("BALANCER_SKIP_POSTGRES") == "1":
        pytest.skip("BALANCER_SKIP_POSTGRES=1: the PostgreSQL tests are skipped")
    bindir = postgres.find_bin()
    if bindir is None:
        pytest.fail("no PostgreSQL here (initdb, pg_ctl): run `make postgres`, or set "
                    "BALANCER_SKIP_POSTGRES=1 to skip the PostgreSQL tests", pytrace=False)
    with postgres.server(bindir) as server:
        yield server
