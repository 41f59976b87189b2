"""End-to-end tests of signed modules (issue 20): `security { policy
strict|audit; trusted_key HEX }`. Keys and signatures are made with the
openssl command (Ed25519): a detached FILE.wasm.sig (raw or hex) and
Gojinn's embedded form (module, signature, "GJSIG"). strict refuses a
module without a valid signature by a trusted key, naming why; audit logs
it and serves."""
import os
import shutil
import subprocess
import tempfile

from ifrit_e2e import Server, check
from test_hostapi import guest, validate


def keypair(d, name):
    """(private key PEM path, public key as 64 hex digits)."""
    key = os.path.join(d, name + ".pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return key, der[-32:].hex()


def sign(key, data, d):
    path = os.path.join(d, "msg.bin")
    with open(path, "wb") as f:
        f.write(data)
    return subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", path], check=True,
                          capture_output=True).stdout


def config(body):
    return "{\n\tadmin off\n}\n:@PORT@ {\n%s\n}\n" % body


def block(path, module, key_hex, policy="strict"):
    return "\twasm %s ./%s {\n\t\tsecurity {\n\t\t\tpolicy %s\n\t\t\ttrusted_key %s\n\t\t}\n\t}\n" % (
        path, module, policy, key_hex)


def test_hostapi_signed_modules(binary):
    d = tempfile.mkdtemp(prefix="ifrit-e2e-sign-")
    try:
        wasm = open(guest("fn_hello"), "rb").read()
        key, pub = keypair(d, "trusted")
        other, other_pub = keypair(d, "other")
        sig = sign(key, wasm, d)
        check(len(sig) == 64, "an Ed25519 signature has 64 bytes")
        embedded = wasm + sign(key, wasm, d) + b"GJSIG"
        files = {"raw.wasm": wasm, "raw.wasm.sig": sig, "hex.wasm": wasm, "hex.wasm.sig": sig.hex() + "\n",
                 "gojinn.wasm": embedded, "unsigned.wasm": wasm,
                 "tampered.wasm": wasm, "tampered.wasm.sig": sign(key, wasm + b"!", d),
                 "otherkey.wasm": wasm, "otherkey.wasm.sig": sign(other, wasm, d),
                 "badsig.wasm": wasm, "badsig.wasm.sig": b"not a signature"}
        ok = block("/raw", "raw.wasm", pub) + block("/hex", "hex.wasm", pub) + block("/gojinn", "gojinn.wasm", pub) + \
            block("/audit", "unsigned.wasm", pub, "audit") + \
            "\twasm /two ./otherkey.wasm {\n\t\tsecurity {\n\t\t\ttrusted_key %s %s\n\t\t}\n\t}\n" % (pub, other_pub)
        with Server(binary, config(ok), files=files) as s:
            for path in ("/raw", "/hex", "/gojinn", "/audit", "/two"):
                r = s.request("GET", path)
                check(r.status == 200 and r.body == b"hello from a function\n", (path, r))
            check(s.wait_log("security policy audit: no signature: "), "audit must log the missing signature")
        for module, why in (("unsigned.wasm", "no signature: "),
                            ("tampered.wasm", "the detached signature is not valid for any trusted_key"),
                            ("otherkey.wasm", "the detached signature is not valid for any trusted_key"),
                            ("badsig.wasm", "badsig.wasm.sig is not an Ed25519 signature")):
            code, out = validate(binary, config(block("/x", module, pub)), files)
            check(code != 0 and "security policy strict: " in out and why in out and module in out, (module, out))
        # Gojinn's embedded form, one byte changed.
        bad = bytearray(embedded)
        bad[100] ^= 1
        code, out = validate(binary, config(block("/x", "g.wasm", pub)), {"g.wasm": bytes(bad)})
        check(code != 0 and "the embedded signature is not valid" in out, out)
        for sec, why in (("security {\n\t\t\tpolicy strict\n\t\t}", "no trusted_key"),
                         ("security {\n\t\t\ttrusted_key abcd\n\t\t}", "64 hex digits"),
                         ("security {\n\t\t\tpolicy lax\n\t\t\ttrusted_key %s\n\t\t}" % pub, "expected strict or audit")):
            code, out = validate(binary, config("\twasm ./raw.wasm {\n\t\t%s\n\t}\n" % sec), files)
            check(code != 0 and why in out, (sec, out))
    finally:
        shutil.rmtree(d, ignore_errors=True)
