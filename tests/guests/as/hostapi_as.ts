// A function in AssemblyScript on Gojinn's host module (host_kv_get
// declared returning u32, as Gojinn's Go SDK does). The request body is
// one command: "incr KEY" (a counter in KV, printed) or "fetch URL"
// (host_http_get: the body's length, then the body).
@external("gojinn", "host_kv_set")
declare function host_kv_set(k: usize, kl: u32, v: usize, vl: u32): void;
@external("gojinn", "host_kv_get")
declare function host_kv_get(k: usize, kl: u32, out: usize, max: u32): u32;
@external("gojinn", "host_http_get")
declare function host_http_get(u: usize, ul: u32, out: usize, max: u32): u64;

function readStdin(): string {
  const buf = new ArrayBuffer(65536);
  let total = 0;
  for (;;) {
    const n = process.stdin.read(buf, total);
    if (n <= 0) break;
    total += n;
  }
  return String.UTF8.decode(buf.slice(0, total));
}

const body = readStdin();
const space = body.indexOf(" ");
const cmd = space < 0 ? body : body.substring(0, space);
const arg = space < 0 ? "" : body.substring(space + 1).trim();
const key = String.UTF8.encode(arg);
const out = new ArrayBuffer(65536);
if (cmd == "incr") {
  const n = host_kv_get(changetype<usize>(key), key.byteLength, changetype<usize>(out), 32);
  let count: i64 = 0;
  if (n != 0xFFFFFFFF) count = I64.parseInt(String.UTF8.decode(out.slice(0, n)));
  const next = String.UTF8.encode((count + 1).toString());
  host_kv_set(changetype<usize>(key), key.byteLength, changetype<usize>(next), next.byteLength);
  process.stdout.write((count + 1).toString());
} else if (cmd == "fetch") {
  const n = host_http_get(changetype<usize>(key), key.byteLength, changetype<usize>(out), out.byteLength);
  process.stdout.write(n.toString() + ":" + String.UTF8.decode(out.slice(0, <i32>n)));
} else {
  process.exit(2);
}
