"""A function's memory_limit covers all of its guest's memories together
(issue 22 follow-up, multiple memories): a guest with two memories cannot
use the limit once per memory. The guest is WebAssembly text (wabt's
wat2wasm): memory 0 grows to 20 pages, then memory 1 asks for 19 more, and
the guest prints whether it got them. Under memory_limit 2MB (32 pages)
memory 1's growth is refused (40 pages together); under 4MB it is granted.
A guest whose two memories start at 20 pages each does not load under 2MB."""
import os
import shutil
import subprocess
import tempfile

from ifrit_e2e import Server, check

GROW_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory $m0 (export "memory") 1)
  (memory $m1 1)
  (data (memory $m0) (i32.const 16) "granted\\n")
  (data (memory $m0) (i32.const 32) "refused\\n")
  (data (memory $m0) (i32.const 48) "memory 0 refused\\n")
  (func (export "_start")
    (local $msg i32) (local $len i32)
    (local.set $msg (i32.const 16))
    (local.set $len (i32.const 8))
    (if (i32.eq (memory.grow $m0 (i32.const 19)) (i32.const -1))
      (then (local.set $msg (i32.const 48)) (local.set $len (i32.const 17)))
      (else (if (i32.eq (memory.grow $m1 (i32.const 19)) (i32.const -1))
        (then (local.set $msg (i32.const 32))))))
    (i32.store $m0 (i32.const 0) (local.get $msg))
    (i32.store $m0 (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""

BIG_WAT = """(module
  (memory $m0 (export "memory") 20)
  (memory $m1 20)
  (func (export "_start")))
"""


def wasm_files(d):
    files = {}
    for name, text in (("grow", GROW_WAT), ("big", BIG_WAT)):
        wat = os.path.join(d, name + ".wat")
        with open(wat, "w") as f:
            f.write(text)
        out = os.path.join(d, name + ".wasm")
        subprocess.run(["wat2wasm", "--enable-multi-memory", wat, "-o", out], check=True, timeout=30)
        files[name + ".wasm"] = open(out, "rb").read()
    return files


def config(body):
    return "{\n\tadmin off\n\tworkers 1\n}\n:@PORT@ {\n%s\n}\n" % body


def test_memcap_fn_limit_covers_all_memories(binary):
    check(shutil.which("wat2wasm") is not None, "wat2wasm (wabt) is needed")
    d = tempfile.mkdtemp(prefix="ifrit-memcap-")
    try:
        files = wasm_files(d)
        cfg = config("\twasm /small ./grow.wasm {\n\t\tmemory_limit 2MB\n\t}\n"
                     "\twasm /roomy ./grow.wasm {\n\t\tmemory_limit 4MB\n\t}\n")
        with Server(binary, cfg, files=files) as s:
            r = s.request("GET", "/small")
            check(r.status == 200 and r.body == b"refused\n", r)
            r = s.request("GET", "/roomy")
            check(r.status == 200 and r.body == b"granted\n", r)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_memcap_fn_initial_sizes_together_over_the_limit(binary):
    check(shutil.which("wat2wasm") is not None, "wat2wasm (wabt) is needed")
    d = tempfile.mkdtemp(prefix="ifrit-memcap-")
    try:
        files = wasm_files(d)
        srv = Server(binary, config("\twasm ./big.wasm {\n\t\tmemory_limit 2MB\n\t}\n"), files=files)
        try:
            srv.port, srv.port2 = 1, 2
            srv.write_files(files)
            srv.write_config(srv.config_template)
            p = subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True,
                               timeout=30, cwd=srv.dir)
            out = (p.stdout + p.stderr).decode()
            check(p.returncode != 0 and "exceed the memory limit" in out and "big.wasm" in out, out)
        finally:
            shutil.rmtree(srv.dir, ignore_errors=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
