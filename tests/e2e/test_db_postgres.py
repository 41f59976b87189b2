"""End-to-end tests of functions' PostgreSQL databases (issue 20,
`db_driver postgres` with `db_dsn`, server/srv_fnhost_pg.c): Debian's
PostgreSQL started here (initdb into a temp dir, pg_ctl on a free port
on 127.0.0.1, its socket directory in the temp dir; as the postgres user
when the test runs as root, since initdb refuses root), queried through
tests/guests/hostapi_db.c in both forms: JSON rows in Gojinn's shape,
bound parameters, errors, a query waiting on a lock while the worker
serves others, the server stopped in the middle of a query and started
again, a job's query, and config errors. Every wait is bounded."""
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time

from ifrit_e2e import E2EError, IO_TIMEOUT, Server, check, free_port
from test_hostapi import guest, validate

PG_TIMEOUT = 60   # bound on initdb and pg_ctl (not a performance threshold)


class Postgres:
    """A PostgreSQL cluster of its own in a temp dir, trust auth."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            raise E2EError("PostgreSQL is not installed (scripts/install-deps.sh installs postgresql)")
        self.bin = os.path.dirname(bins[-1])
        self.dir = tempfile.mkdtemp(prefix="ifrit-e2e-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:   # initdb and postgres refuse to run as root
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def run(self, tool, *args):
        p = subprocess.run(self.as_user + [os.path.join(self.bin, tool)] + list(args), capture_output=True,
                           timeout=PG_TIMEOUT, cwd=self.dir)
        if p.returncode != 0:
            raise E2EError("%s failed: %s %s" % (tool, p.stdout.decode()[-1000:], p.stderr.decode()[-1000:]))

    def start(self):
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (self.port, self.dir)
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o", opts, "-w", "-t",
                 str(PG_TIMEOUT), "start")

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", str(PG_TIMEOUT), "stop")

    def dsn(self):
        return "host=127.0.0.1 port=%d user=postgres dbname=postgres" % self.port

    def psql(self):
        """An interactive psql session (a second client, to hold locks)."""
        return subprocess.Popen([os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                                 "postgres", "-d", "postgres", "-X", "-q", "-A", "-t"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        try:
            self.stop("immediate")
        except E2EError:
            pass   # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


def psql_line(p, sql):
    """Sends one statement to a psql session: its first output line."""
    p.stdin.write(sql + "\n")
    p.stdin.flush()
    return p.stdout.readline().strip()


def config(dsn, workers=1, extra=""):
    return ("{\n\tadmin off\n\tworkers %d\n\tstorage file_system @DIR@/data\n}\n:@PORT@ {\n"
            "\twasm /db %s {\n\t\tpermissions {\n\t\t\tdb\n\t\t\tenqueue\n\t\t}\n\t\tdb_driver postgres\n"
            "\t\tdb_dsn \"%s\"\n\t}\n%s\trespond /up \"up\"\n}\n" % (workers, guest("hostapi_db"), dsn, extra))


def call(s, command, path="/db"):
    return s.request("POST", path, body=command.encode()).body.decode()


def test_db_postgres_queries(binary):
    with Postgres() as pg, Server(binary, config(pg.dsn(), extra=(
            "\twasm /url %s {\n\t\tpermissions {\n\t\t\tdb\n\t\t}\n\t\tdb_driver postgresql\n"
            "\t\tdb_dsn postgres://postgres@127.0.0.1:%d/postgres\n\t}\n" % (guest("hostapi_db"), pg.port)))) as s:
        check(call(s, "q |CREATE TABLE items (id serial PRIMARY KEY, name text, price float8, qty int, "
                      "ok bool, note text, amount numeric, at date)") == "0 0 []", "create")
        # Bound parameters, never spliced into the SQL.
        check(call(s, 'q ["o\'brien; DROP TABLE items", 3.25, 2, true, null, "1.50", "2026-12-07"]|'
                      "INSERT INTO items (name, price, qty, ok, note, amount, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
              == "0 0 []", "insert")
        check(call(s, 'q ["tea", 2, 5, false, "x", "10", "2026-01-01"]|'
                      "INSERT INTO items (name, price, qty, ok, note, amount, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
              == "0 0 []", "insert")
        out = call(s, "q [1]|SELECT id, name, price, qty, ok, note, amount, at FROM items WHERE id = $1")
        check(out == '0 0 [{"id":1,"name":"o\'brien; DROP TABLE items","price":3.25,"qty":2,"ok":true,'
                     '"note":null,"amount":"1.50","at":"2026-12-07"}]', out)
        # Gojinn's form: the JSON's length, then the rows; cut at the buffer.
        out = call(s, "g SELECT name, qty FROM items ORDER BY id")
        n, rows = out.split(":", 1)
        check(int(n) == len(rows.encode()) and json.loads(rows) == [
            {"name": "o'brien; DROP TABLE items", "qty": 2}, {"name": "tea", "qty": 5}], out)
        check(call(s, "gcut 10 SELECT name FROM items ORDER BY id") == '10:[{"name":"', "cut at the buffer")
        check(call(s, "q |SELECT count(*) AS n, 'NaN'::float8 AS f, NULL::int AS z FROM items")
              == '0 0 [{"n":2,"f":"NaN","z":null}]', "a count, NaN as a string, NULL")
        check(call(s, "q |SELECT 1 AS one", "/url") == '0 0 [{"one":1}]', "the URL form of the DSN")
        check(call(s, "q |DROP TABLE IF EXISTS nothing_here") == "0 0 []", "a statement with a notice")
        check(s.wait_log('does not exist, skipping'), "the server's notice is logged")
        raw = [line for line in s.read_log().splitlines() if "skipping" in line and not line.startswith("{")]
        check(not raw, "libpq printed the notice itself: %r" % raw)
        # Errors: the server's message, first line, in the log.
        check(call(s, "q |SELECT * FROM nowhere") == "13", "QUERY")
        check(s.wait_log('db_query: QUERY (ERROR:  relation \\"nowhere\\" does not exist)'), "the log line")
        out = call(s, "g SELECT * FROM nowhere")
        check('relation \\"nowhere\\" does not exist' in out and '[{"error": ' in out, out)
        check(call(s, "q |SELECT 1; SELECT 2") == "13", "one statement per query (the server refuses more)")
        check(call(s, 'q {"a": 1}|SELECT $1') == "5", "parameters must be an array")
        check(call(s, 'q [[1]]|SELECT $1') == "5", "a parameter is a scalar")
        check(call(s, "q [1, 2]|SELECT $1::int") == "13", "more parameters than the statement has")


def test_db_postgres_waits_on_the_loop_and_goes_away(binary):
    """A query waiting on a lock another client holds leaves the one
    worker free; PostgreSQL stopped under it fails it (UNAVAILABLE), the
    server serves on, queries fail while it is down and work again once
    it is back."""
    with Postgres() as pg, Server(binary, config(pg.dsn())) as s:
        check(call(s, "q |SELECT 1 AS one") == '0 0 [{"one":1}]', "connected")
        holder = pg.psql()
        try:
            check(psql_line(holder, "SELECT pg_advisory_lock(7);") == "", "the lock is held by psql")
            answers = []
            waiter = threading.Thread(target=lambda: answers.append(call(s, "q |SELECT pg_advisory_lock(7) AS l")))
            waiter.start()
            deadline = time.monotonic() + IO_TIMEOUT
            seen = ""
            while time.monotonic() < deadline and "pg_advisory_lock(7) AS l" not in seen:
                seen = psql_line(holder, "SELECT string_agg(query, ';') FROM pg_stat_activity "
                                         "WHERE wait_event_type = 'Lock';")
            check("pg_advisory_lock(7) AS l" in seen, "the function's query waits for the lock: %r" % seen)
            r = s.request("GET", "/up")
            check(r.status == 200 and r.body == b"up" and waiter.is_alive(), "the worker serves while it waits")
            pg.stop("immediate")
            waiter.join(timeout=IO_TIMEOUT)
            check(answers == ["6"], "the waiting query: UNAVAILABLE, not %r" % answers)
        finally:
            holder.kill()
            holder.wait(timeout=IO_TIMEOUT)
        check(s.wait_log("queries fail (UNAVAILABLE) until it is back"), "the loss is logged")
        check(call(s, "q |SELECT 1") == "6", "while it is down")
        check(s.request("GET", "/up").status == 200, "the server serves on")
        pg.start()
        deadline = time.monotonic() + 30
        out = ""
        while time.monotonic() < deadline and out != '0 0 [{"two":2}]':
            out = call(s, "q |SELECT 2 AS two")
            time.sleep(0.05)
        check(out == '0 0 [{"two":2}]', "queries work again: %r" % out)
        check(s.wait_log("connected again"), "the return is logged")


def test_db_postgres_from_a_job(binary):
    """A job runs with no loop: its query blocks its own thread."""
    with Postgres() as pg, Server(binary, config(pg.dsn())) as s:
        check(call(s, "q |CREATE TABLE seen (what text)") == "0 0 []", "create")
        r = s.request("POST", "/db", headers=[("X-Gojinn-Async", "true")],
                      body=b"q [\"from a job\"]|INSERT INTO seen VALUES ($1)")
        check(r.status == 202, "queued: %d %r" % (r.status, r.body))
        deadline = time.monotonic() + 20
        out = ""
        while time.monotonic() < deadline and out != '0 0 [{"what":"from a job"}]':
            out = call(s, "q |SELECT what FROM seen")
            time.sleep(0.05)
        check(out == '0 0 [{"what":"from a job"}]', "the job's insert: %r" % out)


def test_db_postgres_config_errors(binary):
    g = guest("hostapi_db")
    for block, want in (("permissions {\n\t\t\tdb\n\t\t}\n\t\tdb_driver postgres\n\t\tdb_dsn nonsense",
                         "db_dsn is not a DSN libpq reads"),
                        ("permissions {\n\t\t\tdb\n\t\t}\n\t\tdb_driver postgres", "db needs a database"),
                        ("db_driver mysql", "db_driver: 'mysql' is not supported yet by ifrit (sqlite and postgres"),
                        ("db_driver sqlite\n\t\tdb_dsn postgres://u@h/db", "'postgres://u@h/db' is a URL")):
        code, out = validate(binary, "{\n\tadmin off\n}\n:@PORT@ {\n\twasm %s {\n\t\t%s\n\t}\n}\n" % (g, block))
        check(code != 0 and want in out, (block, out))
