"""The server's DuckDB memory per open version is bounded (issue 18 §3), and the bound can be configured."""

import duckdb

from queries import runner


def _db(tmp_path):
    path = tmp_path / "v.duckdb"
    duckdb.connect(str(path)).close()
    return path


def _limit(database) -> int:
    return database._con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_an_open_version_gets_the_default_bound(tmp_path, monkeypatch):
    monkeypatch.delenv("WARROOM_DUCKDB_MEMORY", raising=False)
    with runner.Database(_db(tmp_path)) as database:
        assert _limit(database) in ("488.2 MiB", "512.0 MB", "512.0 MiB")


def test_the_bound_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WARROOM_DUCKDB_MEMORY", "300MB")
    with runner.Database(_db(tmp_path)) as database:
        assert _limit(database) in ("286.1 MiB", "300.0 MB")
