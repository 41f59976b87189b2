"""End-to-end tests of AI calls (issue 20): tests/guests/hostapi_ai.c asks
a small local chat-completions endpoint (http.server on 127.0.0.1, named
by allow_host) through Gojinn's host_ask_ai and ifrit's ai_ask/ai_answer,
in both providers' shapes: the request it got (model, prompt, bearer
token), the answer's text, permission denied, the endpoint down, an
answer over http_max_response, replies that are not completions, and the
token never in the log. No timing thresholds."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler

from ifrit_e2e import IO_TIMEOUT, Server, check
from local_http import LocalHTTP
from test_hostapi import call, config, expect, fn_block, guest, validate

TOKEN = "sk-test-Zq81secret"


class ChatEndpoint(LocalHTTP):
    """Answers POSTs like an OpenAI-compatible endpoint, the completion
    naming the model and the prompt it got: /v1/chat/completions
    (choices[0].message.content), /api/chat (Ollama's message.content),
    /big (a completion of 2000 bytes), /malformed (cut-off JSON),
    /nochoice (no choices), /status (401 with an OpenAI error body),
    /slow (answers once `release` is set; `arrived` is set when it has
    the request). `requests` keeps (path, authorization, parsed body) of
    each."""

    def __init__(self):
        self.requests = []
        ep = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    req = json.loads(data)
                except ValueError:
                    req = None
                ep.requests.append((self.path, self.headers.get("Authorization"), req))
                if req is None:
                    self.answer(400, b'{"error":{"message":"not JSON"}}')
                    return
                text = "model=%s said: %s" % (req["model"], req["messages"][-1]["content"])
                choice = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                       "finish_reason": "stop"}]}
                if self.path == "/slow":
                    ep.arrived.set()
                    ep.release.wait(IO_TIMEOUT)
                if self.path in ("/v1/chat/completions", "/slow"):
                    self.answer(200, json.dumps(choice).encode())
                elif self.path == "/api/chat":
                    self.answer(200, json.dumps({"model": req["model"], "done": True,
                                                 "message": {"role": "assistant", "content": text}}).encode())
                elif self.path == "/big":
                    choice["choices"][0]["message"]["content"] = "x" * 2000
                    self.answer(200, json.dumps(choice).encode())
                elif self.path == "/malformed":
                    self.answer(200, b'{"choices":[{"message":{"content":"cut off')
                elif self.path == "/nochoice":
                    self.answer(200, b'{"choices":[]}')
                else:
                    self.answer(401, b'{"error":{"message":"Incorrect API key"}}')

        super().__init__(Handler)


def ai_block(path, endpoint, extra="", perms="\t\t\tpermissions {\n\t\t\t\tai\n\t\t\t}\n", allow="127.0.0.1"):
    opts = perms + "\t\t\tallow_host %s\n\t\t\tai_endpoint %s\n%s" % (allow, endpoint, extra)
    return fn_block(path, guest("hostapi_ai"), opts)


def closed_port():
    """A port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_ai_openai_completion(binary):
    with ChatEndpoint() as ep:
        token = "\t\t\tai_model test-model\n\t\t\tai_token %s\n" % TOKEN
        cfg = config(ai_block("/ai", ep.url("/v1/chat/completions"), token) +
                     ai_block("/plain", ep.url("/v1/chat/completions")))
        with Server(binary, cfg) as s:
            text = b"model=test-model said: what is \"wasm\"?"
            r = call(s, "/ai", "gojinn what is \"wasm\"?")
            check(r.status == 200 and r.body == b"%d:%s" % (len(text), text), "Gojinn's form: %r" % r)
            path, auth, req = ep.requests[-1]
            check(path == "/v1/chat/completions" and auth == "Bearer " + TOKEN, (path, auth))
            check(req == {"model": "test-model", "stream": False,
                          "messages": [{"role": "user", "content": "what is \"wasm\"?"}]}, req)
            # Gojinn cuts the text at the buffer and returns what it wrote.
            check(call(s, "/ai", "gojinncut 9 hi").body == b"9:model=tes", "cut at max")
            text = b"model=test-model said: hello there"
            check(call(s, "/ai", "ask hello there").body == b"0 4/%d 0 %s" % (len(text), text),
                  "ifrit's form: the size, then the text")
            check(call(s, "/ai", "noanswer").body == b"12", "nothing held in a new request")
            # No ai_model: Gojinn's default; no ai_token: no Authorization.
            check(call(s, "/plain", "gojinn x").body.endswith(b"model=gpt-3.5-turbo said: x"), "the default model")
            check(ep.requests[-1][1] is None, "no token, no Authorization field")
            s.stop()
            check(TOKEN not in s.read_log(), "the token must never be logged")


def test_ai_ollama_shapes(binary):
    with ChatEndpoint() as ep:
        ollama = "\t\t\tai_provider ollama\n\t\t\tai_model llama3\n"
        cfg = config(ai_block("/native", ep.url("/api/chat"), ollama) +
                     ai_block("/compat", ep.url("/v1/chat/completions"), ollama) +
                     ai_block("/openai", ep.url("/api/chat")))
        with Server(binary, cfg) as s:
            want = b"0 4/21 0 model=llama3 said: hi"
            check(call(s, "/native", "ask hi").body == want, "Ollama's /api/chat")
            check(call(s, "/compat", "ask hi").body == want, "Ollama's /v1 endpoint")
            check(call(s, "/openai", "ask hi").body == b"14", "openai reads choices only")
            check(s.wait_log("no choices[0].message.content string"), "no line for the missing completion")


def test_ai_permission_denied(binary):
    with ChatEndpoint() as ep:
        cfg = config(ai_block("/no", ep.url("/v1/chat/completions"),
                              perms="\t\t\tpermissions {\n\t\t\t\thttp\n\t\t\t}\n"))
        with Server(binary, cfg) as s:
            r = call(s, "/no", "gojinn hi")
            want = b'{"error":"DENIED: the function\'s permissions do not grant this call"}'
            check(r.body == b"%d:%s" % (len(want), want), "Gojinn's form writes the error: %r" % r)
            check(call(s, "/no", "ask hi").body == b"2", "ifrit's form: DENIED")
            check(s.wait_log("host_ask_ai denied: the function's permissions do not grant ai"), "no denial line")
            check(not ep.requests, "nothing reached the endpoint")


def test_ai_endpoint_failures(binary):
    with ChatEndpoint() as ep:
        cfg = config(ai_block("/down", "http://127.0.0.1:%d/v1/chat/completions" % closed_port()) +
                     ai_block("/big", ep.url("/big"), "\t\t\thttp_max_response 1KiB\n") +
                     ai_block("/bigok", ep.url("/big")) +
                     ai_block("/malformed", ep.url("/malformed")) +
                     ai_block("/nochoice", ep.url("/nochoice")) +
                     ai_block("/status", ep.url("/status"), "\t\t\tai_token %s\n" % TOKEN) +
                     ai_block("/any", ep.url("/v1/chat/completions"), allow="*") +
                     "\trespond /alive \"alive\"\n")
        with Server(binary, cfg) as s:
            expect(s, [
                ("/down", "ask hi", b"10", "the endpoint down: NETWORK"),
                ("/big", "ask hi", b"11", "an answer over http_max_response"),
                ("/malformed", "ask hi", b"14", "malformed JSON: BAD_ANSWER"),
                ("/nochoice", "ask hi", b"14", "no choices: BAD_ANSWER"),
                ("/status", "ask hi", b"14", "an error status: BAD_ANSWER"),
                ("/any", "ask hi", b"7", "allow_host * does not open loopback"),
                ("/bigok", "askbig 1048577 p", b"3", "a prompt over 1 MiB: TOO_LARGE"),
                ("/bigok", "askbig 600000 \"", b"3", "a prompt whose request is over 1 MiB escaped"),
            ])
            check(s.wait_log("the prompt has 1048577 bytes, more than 1048576"), "no line for the prompt")
            check(s.wait_log("the request for a prompt of 600000 bytes has 1200"), "no line for the request")
            n = len(ep.requests)
            r = call(s, "/bigok", "askbig 300000 \"")
            check(r.body == b"0", "600 KB escaped goes: %r" % r)
            check(len(ep.requests) == n + 1 and len(ep.requests[-1][2]["messages"][0]["content"]) == 300000,
                  "the endpoint got the prompt whole")
            r = call(s, "/down", "gojinn hi")
            check(r.status == 200 and b'{"error":"NETWORK: ' in r.body, "Gojinn's form: %r" % r)
            r = call(s, "/malformed", "gojinn hi")
            check(r.status == 200 and b'{"error":"BAD_ANSWER: ' in r.body, "Gojinn's form: %r" % r)
            check(call(s, "/bigok", "ask hi").body == b"0 4/2000 0 " + b"x" * 2000, "under the default cap")
            for line in ("the reply is not JSON", "the endpoint answered status 401", "RESPONSE_TOO_LARGE",
                         "NETWORK"):
                check(s.wait_log(line), "no log line with " + line)
            check(s.request("GET", "/alive").body == b"alive", "the server keeps serving")
            s.stop()
            check(TOKEN not in s.read_log(), "the token must never be logged")


def test_ai_config_errors(binary):
    g = guest("hostapi_ai")
    ai = "\t\t\tpermissions {\n\t\t\t\tai\n\t\t\t}\n"
    for opts, want in (
        (ai + "\t\t\tallow_host example.com\n\t\t\tai_endpoint http://127.0.0.1:9/v1\n",
         "allow_host does not name 127.0.0.1"),
        (ai, "ai calls https://api.openai.com/v1/chat/completions, but allow_host does not name api.openai.com"),
        ("\t\t\tai_provider claude\n", "ai_provider: expected openai or ollama, got 'claude'"),
        ("\t\t\tai_endpoint ftp://x/\n", "ai_endpoint: the URL must start with http:// or https://"),
        ("\t\t\tai_token \"two words\"\n", "ai_token: expected 1 to 4096 printable ASCII bytes"),
        ("\t\t\tai_temperature 1\n", "option 'ai_temperature' is not supported yet by ifrit"),
    ):
        code, out = validate(binary, config(fn_block("/f", g, opts)))
        check(code != 0 and want in out, "%r: %r" % (opts, out))
    code, out = validate(binary, config(fn_block("/f", g, ai + "\t\t\tallow_host api.openai.com\n"
                                                 "\t\t\tai_model gpt-4o\n\t\t\tai_token sk-abc\n")))
    check(code == 0, "a complete ai block validates: %r" % out)


def test_ai_call_waits_without_holding_the_worker(binary):
    """workers 1: a function waits on an endpoint that holds its answer
    until the test releases it; respond requests meanwhile are answered
    (ordering, no time threshold). Then a bad buffer traps the call."""
    with ChatEndpoint() as ep:
        cfg = config(ai_block("/slow", ep.url("/slow")) + "\trespond /quick \"quick\"\n", workers=1)
        with Server(binary, cfg) as s:
            result = {}
            t = threading.Thread(target=lambda: result.update(r=call(s, "/slow", "ask patience")))
            t.start()
            check(ep.arrived.wait(IO_TIMEOUT), "the endpoint never got the function's call")
            for _ in range(3):
                r = s.request("GET", "/quick")
                check(r.status == 200 and r.body == b"quick", r)
            check("r" not in result, "the call cannot have finished: the endpoint holds it")
            ep.release.set()
            t.join(IO_TIMEOUT)
            text = b"model=gpt-3.5-turbo said: patience"
            check(result["r"].body == b"0 4/%d 0 %s" % (len(text), text), result.get("r"))
            r = call(s, "/slow", "badptr")
            check(r.status == 500, "a buffer outside memory traps: %r" % r)
            check(s.wait_log("host_ask_ai: the buffer (4096 bytes at 4294967040) is outside the guest's memory"),
                  "no trap line")
            check(s.request("GET", "/quick").body == b"quick", "the server keeps serving")


def test_ai_gojinn_import_types(binary):
    """host_ask_ai links as i64 and as i32, by the type the guest declares;
    any other type is a load error naming the forms."""
    check(shutil.which("wat2wasm") is not None, "wat2wasm (wabt) is needed")
    d = tempfile.mkdtemp(prefix="ifrit-e2e-ai-wat-")
    try:
        files = {}
        for name, result in (("i64", "i64"), ("i32", "i32"), ("f32", "f32")):
            wat = os.path.join(d, name + ".wat")
            with open(wat, "w") as f:
                f.write('(module (import "gojinn" "host_ask_ai" (func (param i32 i32 i32 i32) (result %s)))'
                        ' (memory (export "memory") 1) (func (export "_start")))' % result)
            subprocess.run(["wat2wasm", wat, "-o", os.path.join(d, name + ".wasm")], check=True)
            files[name + ".wasm"] = open(os.path.join(d, name + ".wasm"), "rb").read()
        block = "\twasm ./%s.wasm {\n\t\tpermissions {\n\t\t\tai\n\t\t}\n\t\tallow_host api.openai.com\n\t}\n"
        for name in ("i64", "i32"):
            code, out = validate(binary, config(block % name), files)
            check(code == 0, "the %s form links: %r" % (name, out))
        code, out = validate(binary, config(block % "f32"), files)
        check(code != 0 and "gojinn.host_ask_ai as (i32, i32, i32, i32) -> (f32); ifrit provides "
              "(i32, i32, i32, i32) -> (i64) or (i32, i32, i32, i32) -> (i32)" in out, out)
    finally:
        shutil.rmtree(d, ignore_errors=True)
