// A quick check of the edge core without workerd (tests/edge/suite.sh):
//  1. build/edge/ifrit.wasm under node's own WASI (node:wasi), driven
//     through its raw exports, serving a file from a real preopened dir;
//  2. the same core through the project's shim (edge/core.mjs, wasi.mjs,
//     serve.mjs) with Request/Response, including a real trap inside the
//     core: it must answer 500 and the next request must be served, and a
//     `wasm` function run by node's V8 through edge/function.mjs.
// Prints PASS/FAIL lines. Usage: node tests/edge/node_check.mjs ROOT
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WASI } from "node:wasi";

const root = process.argv[2];
const { EdgeCore } = await import(path.join(root, "edge", "core.mjs"));
const { createFetch } = await import(path.join(root, "edge", "serve.mjs"));
const module = new WebAssembly.Module(fs.readFileSync(path.join(root, "build", "edge", "ifrit.wasm")));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ifrit-edge-node-"));
fs.writeFileSync(path.join(dir, "hello.txt"), "from a file\n");
const caddyfile = `:8080 {
\trespond /hi "hi {http.request.method} {query.q}"
\theader /who +Set-Cookie a=1
\theader /who +Set-Cookie b=2
\theader /who X-Echo "{http.request.header.X-Latin}"
\trespond /who "{http.request.remote.host} {http.request.header.X-Latin}"
\troot * ${dir}
\tfile_server
}
`;
const quiet = { log() {}, error() {} };

function check(name, fn) {
  return Promise.resolve()
    .then(fn)
    .then(() => console.log(`PASS edge-node/${name}`))
    .catch((e) => console.log(`FAIL edge-node/${name}: ${e?.message ?? e}`));
}
function equal(got, want, what) {
  if (got !== want) throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

// 1. node:wasi, raw exports.
await check("core under node:wasi", () => {
  // file_server resolves every component from "/", so "/" is the preopen.
  const wasi = new WASI({ version: "preview1", preopens: { "/": "/" } });
  const inst = new WebAssembly.Instance(module, wasi.getImportObject());
  wasi.initialize(inst);
  const x = inst.exports;
  const put = (s) => {
    const b = new TextEncoder().encode(s);
    const p = x.edge_alloc(b.length);
    new Uint8Array(x.memory.buffer, p, b.length).set(b);
    return [p, b.length];
  };
  equal(x.edge_init(...put(caddyfile)), 0, "edge_init");
  const run = (target) => {
    const status = x.edge_handle(...put(`GET ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`), 0, 0, ...put("127.0.0.1"), 0);
    const body = new TextDecoder().decode(new Uint8Array(x.memory.buffer, x.edge_resp_body(), x.edge_resp_body_len()));
    // A file's bytes are left to the host: the answer names the open file.
    const file = x.edge_resp_file_fd() >= 0 ? `fd+${x.edge_resp_file_offset()}:${x.edge_resp_file_len()}` : "";
    x.edge_release();
    return [status, body + file];
  };
  equal(run("/hi?q=1").join(" "), "200 hi GET 1", "respond");
  equal(run("/hello.txt").join(" "), "200 fd+0:12", "file_server");
  equal(run("/missing")[0], 404, "missing file");
});

// 2. The shim: Request in, Response out, and a trap contained.
const assets = [[path.join(dir, "hello.txt"), fs.readFileSync(path.join(dir, "hello.txt")), 0n]];
await check("shim answers a Request", async () => {
  const core = await EdgeCore.create(module, { caddyfile, assets }, quiet);
  const r = await core.handle(new Request("http://localhost/hi?q=2", { method: "POST", body: "x" }));
  equal(`${r.status} ${await r.text()} ${r.headers.get("server")}`, "200 hi POST 2 ifrit", "answer");
  const f = await core.handle(new Request("http://localhost/hello.txt"));
  equal(`${f.status} ${await f.text()}`, "200 from a file\n", "embedded asset");
});

await check("shim streams a big embedded file from its bytes, whole and in ranges", async () => {
  const big = new Uint8Array(700 * 1024).map((_, i) => (i * 7) & 0xff);
  const withBig = [...assets, [path.join(dir, "big.bin"), big, 0n]];
  const core = await EdgeCore.create(module, { caddyfile, assets: withBig }, quiet);
  const whole = await core.handle(new Request("http://localhost/big.bin"));
  equal(whole.body instanceof ReadableStream, true, "a stream");
  equal(Buffer.compare(new Uint8Array(await whole.arrayBuffer()), big), 0, "all the bytes");
  const part = await core.handle(new Request("http://localhost/big.bin", { headers: { range: "bytes=100000-499999" } }));
  equal(part.status, 206, "range status");
  equal(Buffer.compare(new Uint8Array(await part.arrayBuffer()), big.subarray(100000, 500000)), 0, "the range");
  const again = await core.handle(new Request("http://localhost/big.bin"));
  equal((await again.arrayBuffer()).byteLength, big.length, "the asset is intact for the next request");
});

await check("shim: client address, byte-string fields both ways, a repeated field", async () => {
  const core = await EdgeCore.create(module, { caddyfile, assets }, quiet);
  const r = await core.handle(
    new Request("http://localhost/who", { headers: { "cf-connecting-ip": "10.1.2.3", "x-latin": "caf\u00e9" } }),
  );
  const body = new Uint8Array(await r.arrayBuffer());
  equal([...body].join(","), [..."10.1.2.3 caf"].map((c) => c.charCodeAt(0)).concat(0xe9).join(","), "body bytes");
  equal(r.headers.get("x-echo"), "caf\u00e9", "a latin-1 field value");
  equal(r.headers.getSetCookie().join(" "), "a=1 b=2", "both Set-Cookie fields");
  const plain = await core.handle(new Request("http://localhost/who"));
  equal(await plain.text(), "127.0.0.1 ", "no CF-Connecting-IP");
});

await check("a trap in the core answers 500, then a fresh core serves", async () => {
  let made = 0;
  const fetch = createFetch(async () => {
    const core = await EdgeCore.create(module, { caddyfile, assets }, quiet);
    if (made++ === 0) {
      // The first core traps for real: its parser reads a head from an
      // address past the end of linear memory.
      core.handle = async () => core.x.edge_handle(0xfffffff0, 4096, 0, 0, 0, 0, 0);
    }
    return core;
  });
  const saved = console.error;
  console.error = () => {};
  try {
    equal((await fetch(new Request("http://localhost/hi"))).status, 500, "trapping request");
  } finally {
    console.error = saved;
  }
  const r = await fetch(new Request("http://localhost/hi?q=3"));
  equal(`${r.status} ${await r.text()}`, "200 hi GET 3", "next request");
  equal(made, 2, "cores made");
});

await check("a function runs on V8 through the shim", async () => {
  const echo = path.join(root, "build", "guests", "fn_echo.wasm");
  if (!fs.existsSync(echo)) throw new Error(`${echo} not built (scripts/build-guests.sh tests)`);
  const functions = [[echo, new WebAssembly.Module(fs.readFileSync(echo))]];
  const core = await EdgeCore.create(module, { caddyfile: `:8080 {\n\twasm ${echo}\n}\n`, functions }, quiet);
  const r = await core.handle(new Request("http://localhost/", { method: "POST", body: "[1]" }));
  equal(`${r.status} ${r.headers.get("content-type")} ${await r.text()}`, "200 application/json [1]", "answer");
});

fs.rmSync(dir, { recursive: true, force: true });
