"""End-to-end tests of functions' SQL database (issue 20): db_driver
sqlite with db_dsn, Gojinn's host_db_query (JSON rows cut at the buffer,
errors as [{"error": ...}]) and ifrit's db_query with bound parameters and
db_result; the db grant; config errors for other drivers. The database
file is made by the test with Python's sqlite3."""
import json
import os
import sqlite3

from ifrit_e2e import Server, check
from test_hostapi import guest, validate


def config(body):
    return "{\n\tadmin off\n\tworkers 1\n}\n:@PORT@ {\n%s\n}\n" % body


def call(s, path, command):
    return s.request("POST", path, body=command.encode()).body.decode()


def test_hostapi_sqlite_database(binary):
    g = guest("hostapi_db")
    cfg = config("""
	wasm /db %s {
		permissions {
			db
		}
		db_driver sqlite
		db_dsn ./app.db
	}
	wasm /nodb %s {
		db_driver sqlite
		db_dsn ./app.db
	}
""" % (g, g))
    with Server(binary, cfg) as s:
        con = sqlite3.connect(os.path.join(s.dir, "app.db"))
        con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, note BLOB)")
        con.execute("INSERT INTO items VALUES (1, 'tea', 2.5, NULL), (2, 'cake \"big\"', 4.0, 'x')")
        con.commit()
        con.close()
        out = call(s, "/db", "g SELECT id, name, price, note FROM items ORDER BY id")
        n, rows = out.split(":", 1)
        check(int(n) == len(rows.encode()), out)
        check(json.loads(rows) == [{"id": 1, "name": "tea", "price": 2.5, "note": None},
                                   {"id": 2, "name": 'cake "big"', "price": 4.0, "note": "x"}], out)
        check(rows.startswith('[{"id":1,"name":"tea"'), "columns in column order: " + rows)
        check(call(s, "/db", "gcut 10 SELECT id, name FROM items") == '10:[{"id":1,"', "cut at the buffer")
        out = call(s, "/db", "g SELECT * FROM nowhere")
        check(json.loads(out.split(":", 1)[1])[0]["error"].startswith("no such table"), out)
        # ifrit's form: bound parameters (never spliced into the SQL).
        check(call(s, "/db", 'q ["o\'brien; DROP TABLE items", 3.25]|INSERT INTO items (name, price) VALUES (?1, ?2)')
              == "0 0 []", "insert")
        out = call(s, "/db", 'q [3]|SELECT name, price FROM items WHERE id = ?1')
        check(out == '0 0 [{"name":"o\'brien; DROP TABLE items","price":3.25}]', out)
        check(call(s, "/db", "q |SELECT count(*) AS n FROM items") == '0 0 [{"n":3}]', "the table is whole")
        check(call(s, "/db", "q |SELECT * FROM nowhere") == "13", "QUERY")
        check(s.wait_log("db_query: QUERY (no such table: nowhere)"), "no log line for the failed query")
        check(call(s, "/db", "q [1, 2]|SELECT ?1") == "5", "more parameters than the statement has")
        check(call(s, "/db", "q {\"a\": 1}|SELECT ?1") == "5", "parameters must be an array")
        check(call(s, "/db", "q |SELECT 1; SELECT 2") == "5", "one statement per query")
        # The grant.
        out = call(s, "/nodb", "g SELECT 1")
        check(json.loads(out.split(":", 1)[1]) == [{"error": "DENIED"}], out)
        check(call(s, "/nodb", "q |SELECT 1") == "2", "DENIED")
        check(s.wait_log("db_query denied: the function's permissions do not grant db"), "no denial line")


def test_hostapi_database_config_errors(binary):
    for block, want in (("permissions {\n\t\t\tdb\n\t\t}", "db needs a database: db_driver sqlite and db_dsn"),
                        ("db_driver mysql", "db_driver: 'mysql' is not supported yet"),
                        ("db_dsn ./x.db", "db_dsn needs db_driver sqlite"),
                        ("db_driver sqlite\n\t\tdb_dsn postgres://u@h/db", "'postgres://u@h/db' is a URL"),
                        ("permissions {\n\t\t\tdb\n\t\t}\n\t\tdb_driver sqlite\n\t\tdb_dsn /proc/no/such/dir/x.db",
                         "the database: cannot open /proc/no/such/dir/x.db")):
        code, out = validate(binary, config("\twasm %s {\n\t\t%s\n\t}\n" % (guest("hostapi_db"), block)))
        check(code != 0 and want in out, (block, out))
