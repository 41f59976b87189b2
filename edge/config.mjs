#!/usr/bin/env node
// Writes a workerd bundle for one Caddyfile (docs/edge.md):
//
//   node edge/config.mjs --config Caddyfile --out DIR [--wasm build/edge/ifrit.wasm]
//                        [--listen 127.0.0.1:8080] [--outbound public|private]
//
// --outbound private lets reverse_proxy reach private and loopback
// addresses (tests); the default, as workerd's, is public addresses only.
// DIR gets config.capnp (run it with `workerd serve DIR/config.capnp`), the
// shim (worker.js, core.mjs, wasi.mjs, function.mjs), ifrit.wasm, the
// Caddyfile, every file under each `root` the Caddyfile names, as data
// modules that bundle.mjs lists with their absolute path and mtime (so ETag
// and Last-Modified come out as the native server's), and the module of
// every `wasm` function, as wasm modules (compiled once per isolate).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHIM = ["worker.js", "serve.mjs", "core.mjs", "wasi.mjs", "function.mjs"];
const FUNCTION_DIRECTIVES = new Set(["wasm", "reactor", "gojinn"]);
const MAX_ASSET = 25 * 1024 * 1024; // the Workers limit for one asset

function parseArgs(argv) {
  const opts = { wasm: path.join(HERE, "..", "build", "edge", "ifrit.wasm"), listen: "127.0.0.1:8080", outbound: "public" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in { config: 1, out: 1, wasm: 1, listen: 1, outbound: 1 }) || argv[i + 1] === undefined) {
      throw new Error("usage: config.mjs --config Caddyfile --out DIR [--wasm FILE] [--listen HOST:PORT] [--outbound public|private]");
    }
    opts[key] = argv[i + 1];
  }
  if (!opts.config || !opts.out) throw new Error("--config and --out are required");
  return opts;
}

// The Caddyfile's tokens, line by line: enough to find `root` directives
// (quotes and comments handled; placeholders are left as written).
function tokenLines(text) {
  const lines = [];
  for (const raw of text.split("\n")) {
    const tokens = [];
    const re = /"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)/g;
    for (let m; (m = re.exec(raw)); ) {
      if (m[3]?.startsWith("#")) break;
      tokens.push(m[1] ?? m[2] ?? m[3]);
    }
    if (tokens.length) lines.push(tokens);
  }
  return lines;
}

// Directories named by `root [matcher] PATH` (and file_server's `root PATH`),
// as the native server resolves them: relative to the working directory.
function rootDirs(caddyfile) {
  const dirs = new Set();
  for (const tokens of tokenLines(caddyfile)) {
    if (tokens[0] !== "root" || tokens.length < 2) continue;
    const dir = tokens.at(-1);
    if (dir.includes("{")) {
      console.error(`edge config: root ${dir} has placeholders; its files are not embedded`);
      continue;
    }
    dirs.add(dir);
  }
  // Without any root, file_server serves the working directory (as Caddy).
  if (!dirs.size && tokenLines(caddyfile).some((t) => t[0] === "file_server")) dirs.add(".");
  return [...dirs];
}

// The modules of `wasm [matcher] PATH` (also `reactor`, `gojinn`) as
// [PATH as written, where it is here]: the core looks a module up by the
// path as written (inside the edge there is no directory to resolve it
// against), the native server resolves it against the Caddyfile's directory.
function functionModules(caddyfile, configPath) {
  const found = new Map();
  for (const tokens of tokenLines(caddyfile)) {
    const args = tokens.slice(1).filter((t) => t !== "{");
    if (!FUNCTION_DIRECTIVES.has(tokens[0]) || !args.length) continue;
    const written = args.at(-1);
    const real = path.resolve(path.dirname(configPath), written);
    if (fs.statSync(real, { throwIfNoEntry: false })?.isFile()) found.set(written, real);
    else console.error(`edge config: function module ${written} is not a file here; not embedded`);
  }
  return [...found];
}

// [pathInsideTheEdge, realPath] for every regular file under dir. A
// relative root becomes relative to "/", the core's working directory.
function walk(dir) {
  const edgeBase = path.isAbsolute(dir) ? dir : path.posix.join("/", dir);
  const out = [];
  const visit = (real, inEdge) => {
    for (const ent of fs.readdirSync(real, { withFileTypes: true })) {
      const r = path.join(real, ent.name);
      const e = path.posix.join(inEdge, ent.name);
      const st = fs.statSync(r, { throwIfNoEntry: false });
      if (st?.isDirectory()) visit(r, e);
      else if (st?.isFile() && st.size <= MAX_ASSET) out.push([e, r]);
      else if (st?.isFile()) console.error(`edge config: ${r} is over 25 MiB; not embedded`);
    }
  };
  if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) visit(dir, edgeBase);
  else console.error(`edge config: root ${dir} is not a directory here; nothing embedded for it`);
  return out;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const caddyfile = fs.readFileSync(opts.config, "utf8");
  fs.mkdirSync(path.join(opts.out, "assets"), { recursive: true });
  fs.mkdirSync(path.join(opts.out, "functions"), { recursive: true });
  for (const f of SHIM) fs.copyFileSync(path.join(HERE, f), path.join(opts.out, f));
  fs.copyFileSync(opts.wasm, path.join(opts.out, "ifrit.wasm"));
  fs.writeFileSync(path.join(opts.out, "Caddyfile"), caddyfile);

  const assets = rootDirs(caddyfile).flatMap(walk);
  const imports = [];
  const entries = [];
  const modules = [];
  assets.forEach(([inEdge, real], i) => {
    fs.copyFileSync(real, path.join(opts.out, "assets", String(i)));
    const mtimeNs = fs.statSync(real, { bigint: true }).mtimeNs;
    imports.push(`import a${i} from "./assets/${i}";`);
    entries.push(`  [${JSON.stringify(inEdge)}, a${i}, ${mtimeNs}n],`);
    modules.push(`    (name = "assets/${i}", data = embed "assets/${i}"),`);
  });
  const functions = functionModules(caddyfile, opts.config);
  functions.forEach(([written, real], i) => {
    fs.copyFileSync(real, path.join(opts.out, "functions", `${i}.wasm`));
    imports.push(`import f${i} from "./functions/${i}.wasm";`);
    modules.push(`    (name = "functions/${i}.wasm", wasm = embed "functions/${i}.wasm"),`);
  });
  fs.writeFileSync(
    path.join(opts.out, "bundle.mjs"),
    [
      "// Generated by edge/config.mjs: the Caddyfile, the files its roots hold, its functions.",
      'import caddyfile from "./Caddyfile";',
      ...imports,
      "export { caddyfile };",
      "export const assets = [",
      ...entries,
      "];",
      "export const functions = [",
      ...functions.map(([written], i) => `  [${JSON.stringify(written)}, f${i}],`),
      "];",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(
    path.join(opts.out, "config.capnp"),
    `# Generated by edge/config.mjs. Serve with: workerd serve config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "ifrit", worker = .ifrit),
    # fetch() goes out through "internet": reverse_proxy's upstreams.
    (name = "internet", network = (allow = ${JSON.stringify(opts.outbound === "private" ? ["public", "private"] : ["public"])})),
  ],
  sockets = [(name = "http", address = ${JSON.stringify(opts.listen)}, http = (), service = "ifrit")],
);

const ifrit :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "serve.mjs", esModule = embed "serve.mjs"),
    (name = "core.mjs", esModule = embed "core.mjs"),
    (name = "wasi.mjs", esModule = embed "wasi.mjs"),
    (name = "function.mjs", esModule = embed "function.mjs"),
    (name = "bundle.mjs", esModule = embed "bundle.mjs"),
    (name = "ifrit.wasm", wasm = embed "ifrit.wasm"),
    (name = "Caddyfile", text = embed "Caddyfile"),
${modules.join("\n")}
  ],
  compatibilityDate = "2025-01-01",
);
`,
  );
  console.log(`edge config: wrote ${opts.out}/config.capnp (${assets.length} assets, ${functions.length} functions)`);
}

try {
  main();
} catch (err) {
  console.error(`edge config: ${err.message}`);
  process.exit(1);
}
