"""php_fastcgi and reverse_proxy's transport fastcgi against Debian's real
php-fpm (tests/e2e/php_fpm.py starts a pool of its own on 127.0.0.1 and a
unix socket): a small PHP application with a front controller, PATH_INFO,
$_SERVER, a form and a file upload, headers and statuses set by PHP, a
redirect, a large streamed answer and PHP's errors on stderr."""
import hashlib
import json
import os

from ifrit_e2e import Server, check
from php_fpm import PhpFpm

APP = {
    # The front controller: what PHP saw of the request.
    "app/index.php": """<?php
header('Content-Type: application/json');
header('X-Front: index');
$keys = ['SCRIPT_FILENAME', 'SCRIPT_NAME', 'PATH_INFO', 'PATH_TRANSLATED', 'DOCUMENT_ROOT', 'DOCUMENT_URI',
         'REQUEST_URI', 'QUERY_STRING', 'REQUEST_METHOD', 'REQUEST_SCHEME', 'SERVER_NAME', 'SERVER_PORT',
         'SERVER_PROTOCOL', 'CONTENT_TYPE', 'CONTENT_LENGTH', 'GATEWAY_INTERFACE', 'PHP_SELF', 'REMOTE_ADDR',
         'HTTP_X_CUSTOM', 'HTTP_X_FORWARDED_FOR', 'HTTP_X_FORWARDED_PROTO', 'HTTP_HOST', 'HTTPS', 'APP_ENV',
         'SERVER_SOFTWARE'];
$out = [];
foreach ($keys as $k) $out[$k] = $_SERVER[$k] ?? null;
$out['get'] = $_GET;
$out['post'] = $_POST;
$out['files'] = [];
foreach ($_FILES as $name => $f)
    $out['files'][$name] = ['name' => $f['name'], 'size' => $f['size'], 'error' => $f['error'],
                            'sha1' => $f['error'] === 0 ? sha1_file($f['tmp_name']) : null];
$out['input'] = strlen(file_get_contents('php://input'));
echo json_encode($out, JSON_UNESCAPED_SLASHES);
""",
    "app/blog/index.php": "<?php echo 'blog index';\n",
    "app/status.php": """<?php
http_response_code(418);
header('X-Teapot: short and stout');
header('Cache-Control: no-store');
setcookie('session', 'abc123');
echo "I'm a teapot";
""",
    "app/created.php": "<?php header('HTTP/1.1 201 Created'); header('Location: /things/7'); echo 'made';\n",
    "app/redirect.php": "<?php header('Location: /elsewhere?from=php');\n",
    "app/big.php": """<?php
header('Content-Type: application/octet-stream');
for ($i = 0; $i < 160; $i++) { echo str_repeat(chr(65 + $i % 26), 65536); flush(); }
""",
    "app/warn.php": """<?php
error_log('the cache is cold');
trigger_error('a deprecated call', E_USER_WARNING);
echo 'done';
""",
    "app/fatal.php": "<?php undefined_function_here();\n",
    "app/slow.php": "<?php sleep(5); echo 'late';\n",
    "app/head.php": "<?php header('X-Head: seen'); echo str_repeat('x', 1000);\n",
    "app/style.css": "body { color: red }\n",
}


def php_config(fpm_addr, extra=""):
    return """:@PORT@ {
	root * @DIR@/app
	php_fastcgi %s {
		env APP_ENV testing
		capture_stderr
%s	}
	file_server
}
""" % (fpm_addr, extra)


def json_of(r):
    check(r.status == 200 and r.header("content-type") == "application/json", r)
    return json.loads(r.body)


def test_front_controller_and_path_info(binary):
    with PhpFpm() as fpm, Server(binary, php_config(fpm.addr), files=APP) as srv:
        root = os.path.join(srv.dir, "app")
        # A script with PATH_INFO after .php.
        v = json_of(srv.request("GET", "/index.php/users/42?tab=posts"))
        check(v["SCRIPT_FILENAME"] == root + "/index.php" and v["SCRIPT_NAME"] == "/index.php", v)
        check(v["PATH_INFO"] == "/users/42" and v["PATH_TRANSLATED"] == root + "/users/42", v)
        check(v["DOCUMENT_ROOT"] == root and v["DOCUMENT_URI"] == "/index.php", v)
        check(v["REQUEST_URI"] == "/index.php/users/42?tab=posts" and v["QUERY_STRING"] == "tab=posts", v)
        check(v["get"] == {"tab": "posts"} and v["PHP_SELF"] == "/index.php/users/42", v)
        check(v["GATEWAY_INTERFACE"] == "CGI/1.1" and v["SERVER_PROTOCOL"] == "HTTP/1.1", v)
        check(v["REQUEST_SCHEME"] == "http" and v["HTTPS"] is None and v["APP_ENV"] == "testing", v)
        check(v["SERVER_NAME"] == "localhost" and v["SERVER_PORT"] == "80" and v["REMOTE_ADDR"] == "127.0.0.1", v)
        check(v["SERVER_SOFTWARE"] == "ifrit", v)
        # A path that is no file: the front controller, with the original URI.
        r = srv.request("GET", "/articles/2024/hello-world?draft=1", headers=[("X-Custom", "yes")],
                        host="example.com:8080")
        check(r.header("x-front") == "index", r)
        v = json_of(r)
        check(v["SCRIPT_NAME"] == "/index.php" and v["PATH_INFO"] == "", v)
        check(v["REQUEST_URI"] == "/articles/2024/hello-world?draft=1", v)
        check(v["HTTP_X_CUSTOM"] == "yes" and v["HTTP_X_FORWARDED_FOR"] == "127.0.0.1", v)
        check(v["HTTP_X_FORWARDED_PROTO"] == "http", v)
        check(v["SERVER_NAME"] == "example.com" and v["SERVER_PORT"] == "8080" and v["HTTP_HOST"] == "example.com:8080", v)
        # A directory with an index.php: the canonical redirect, then its index.
        r = srv.request("GET", "/blog")
        check(r.status == 308 and r.header("location") == "/blog/", r)
        r = srv.request("GET", "/blog/")
        check(r.status == 200 and r.body == b"blog index", r)
        # Files that are not PHP are file_server's.
        r = srv.request("GET", "/style.css")
        check(r.status == 200 and r.body == b"body { color: red }\n" and r.header("x-front") is None, r)


def test_post_form_and_upload(binary):
    with PhpFpm() as fpm, Server(binary, php_config(fpm.addr), files=APP) as srv:
        v = json_of(srv.request("POST", "/submit", headers=[("Content-Type", "application/x-www-form-urlencoded")],
                                body="name=Ada+Lovelace&lang=%C3%A9"))
        check(v["REQUEST_METHOD"] == "POST" and v["CONTENT_LENGTH"] == "29", v)
        check(v["post"] == {"name": "Ada Lovelace", "lang": "\u00e9"}, v)
        # A multipart upload of 300 KB (more than one STDIN record, and more
        # than the proxy's first buffer).
        data = os.urandom(300 * 1000)
        boundary = "----ifritboundary7"
        body = ("--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nholiday\r\n"
                "--%s\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"beach.jpg\"\r\n"
                "Content-Type: image/jpeg\r\n\r\n" % (boundary, boundary)).encode() + data + \
            ("\r\n--%s--\r\n" % boundary).encode()
        v = json_of(srv.request("POST", "/upload", body=body,
                                headers=[("Content-Type", "multipart/form-data; boundary=" + boundary)]))
        check(v["post"] == {"title": "holiday"}, v)
        f = v["files"].get("photo")
        check(f and f["name"] == "beach.jpg" and f["size"] == len(data) and f["error"] == 0, v)
        check(f["sha1"] == hashlib.sha1(data).hexdigest(), "the upload arrived changed")
        # A raw body PHP reads from php://input.
        v = json_of(srv.request("PUT", "/things/7", body=b"x" * 70000, headers=[("Content-Type", "text/plain")]))
        check(v["input"] == 70000 and v["REQUEST_METHOD"] == "PUT", v)


def test_status_headers_and_redirects_from_php(binary):
    with PhpFpm() as fpm, Server(binary, php_config(fpm.addr), files=APP) as srv:
        r = srv.request("GET", "/status.php")
        check(r.status == 418 and r.body == b"I'm a teapot", r)
        check(r.header("x-teapot") == "short and stout" and r.header("cache-control") == "no-store", r)
        check(r.header("set-cookie") == "session=abc123", r)
        r = srv.request("GET", "/created.php")
        check(r.status == 201 and r.header("location") == "/things/7" and r.body == b"made", r)
        r = srv.request("GET", "/redirect.php")
        check(r.status == 302 and r.header("location") == "/elsewhere?from=php", r)
        # HEAD: the head PHP gives, no body.
        r = srv.request("HEAD", "/head.php")
        check(r.status == 200 and r.header("x-head") == "seen" and r.body == b"", r)


def test_large_streamed_answer(binary):
    with PhpFpm() as fpm, Server(binary, php_config(fpm.addr), files=APP) as srv:
        r = srv.request("GET", "/big.php")
        check(r.status == 200 and len(r.body) == 160 * 65536, "%d bytes" % len(r.body))
        want = b"".join(bytes([65 + i % 26]) * 65536 for i in range(160))
        check(r.body == want, "the body arrived changed")


def test_php_errors_on_stderr(binary):
    with PhpFpm() as fpm, Server(binary, php_config(fpm.addr), files=APP) as srv:
        r = srv.request("GET", "/warn.php")
        check(r.status == 200 and r.body == b"done", r)
        check(srv.wait_log("the cache is cold"), srv.read_log()[-2000:])
        log = srv.read_log()
        check("a deprecated call" in log and '"level":"warn"' in log, log[-2000:])
        # A fatal error: PHP answers 500 itself; the line is logged at error level.
        r = srv.request("GET", "/fatal.php")
        check(r.status == 500, r)
        check(srv.wait_log("undefined_function_here"), srv.read_log()[-2000:])
        line = [l for l in srv.read_log().splitlines() if "undefined_function_here" in l][0]
        check('"level":"error"' in line, line)


def test_unix_socket_and_transport_block(binary):
    """reverse_proxy with transport fastcgi (the expanded form's core) over
    php-fpm's unix socket, and kept connections with keepalive."""
    config = """:@PORT@ {
	root * @DIR@/app
	@php path *.php *.php/*
	reverse_proxy @php unix/%s {
		transport fastcgi {
			split .php
			env APP_ENV from-the-transport
			keepalive 30s
		}
	}
}
"""
    with PhpFpm() as fpm, Server(binary, config % fpm.sock, files=APP) as srv:
        v = json_of(srv.request("GET", "/index.php/a/b"))
        check(v["PATH_INFO"] == "/a/b" and v["APP_ENV"] == "from-the-transport", v)
        # Many requests on kept connections: each answered whole.
        with srv.conn() as c:
            for i in range(30):
                c.send(b"GET /index.php?n=%d HTTP/1.1\r\nHost: localhost\r\n\r\n" % i)
                r = c.read_response()
                check(r.status == 200 and json.loads(r.body)["get"] == {"n": str(i)}, r)
        r = srv.request("GET", "/status.php")
        check(r.status == 418, r)


def test_php_fpm_absent_or_slow(binary):
    """Nobody listening: 502. A script slower than read_timeout: 504. As Caddy."""
    with PhpFpm() as fpm:
        gone = "127.0.0.1:%d" % fpm.port
    with Server(binary, php_config(gone), files=APP) as srv:
        r = srv.request("GET", "/index.php")
        check(r.status == 502, r)
        check(srv.wait_log("refused"), srv.read_log()[-1500:])
    with PhpFpm() as fpm, Server(binary, php_config(fpm.addr, "\t\tread_timeout 1s\n"), files=APP) as srv:
        r = srv.request("GET", "/slow.php")
        check(r.status == 504, r)
        check(srv.wait_log("read_timeout"), srv.read_log()[-1500:])
        # The pool is still there for the next request.
        check(srv.request("GET", "/status.php").status == 418, "after the timeout")
