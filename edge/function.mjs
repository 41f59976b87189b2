// `wasm` functions at the edge (docs/edge.md): V8 itself runs the guest, a
// WASI command, through the project's WASI shim (wasi.mjs) without files,
// and the host modules through hostapi.mjs (gojinn) and hostapi_ifrit.mjs. The core decides
// everything else (protocol, env, the response); this only runs one
// request's guest in a fresh instance of the module the bundle compiled
// once per isolate, and says how it ended.
import { HostCalls, JSPI, gojinnImports } from "./hostapi.mjs";
import { ifritImports } from "./hostapi_ifrit.mjs";
import { Wasi, WasiDeadline, WasiExit } from "./wasi.mjs";

// How a run ended, as the core's edge_fn_done takes it (fn_host_end_t).
export const EXITED = 0;
export const TRAPPED = 1;
export const TIMED_OUT = 2;

// module: a WebAssembly.Module; args and env: byte arrays; stdin: bytes;
// host: the grants of its host calls (hostapi.mjs) without deadline and log.
// The guest runs under WebAssembly.promising, so a host call that waits
// suspends it (JSPI) and the isolate serves other requests meanwhile.
// Resolves to { how, code, stdout, stderr, detail }.
export async function runFunction(module, { args, env, stdin, timeoutMs, host }) {
  const started = Date.now();
  const deadline = timeoutMs > 0 ? started + timeoutMs : 0;
  const wasi = new Wasi({ tree: null, args, env, stdin, capture: true, deadline });
  let how = EXITED;
  let code = 0;
  let detail = "";
  // A host call's log line goes where the guest's stderr goes: the core
  // logs it as fn:NAME with the request, under the same budget.
  const log = (text) => wasi.captured[2].push(new TextEncoder().encode(`${text}\n`));
  let instance = null;
  const calls = new HostCalls({ ...host, deadline, log }, () => instance.exports.memory);
  const imports = { ...wasi.imports, gojinn: gojinnImports(calls), ifrit_host: ifritImports(calls) };
  try {
    instance = new WebAssembly.Instance(module, imports);
    wasi.bind(instance);
    if (JSPI) await WebAssembly.promising(instance.exports._start)();
    else instance.exports._start();
  } catch (err) {
    if (err instanceof WasiExit) code = err.code;
    else if (err instanceof WasiDeadline) how = TIMED_OUT;
    else {
      how = TRAPPED;
      detail = String(err?.message ?? err);
    }
  }
  // JavaScript cannot interrupt a running guest: the timeout stops it at
  // its next WASI call after the deadline, or is checked once it stops
  // (docs/edge.md says what a guest that never calls out does).
  if (timeoutMs > 0 && Date.now() - started > timeoutMs) how = TIMED_OUT;
  return { how, code, stdout: wasi.output(1), stderr: wasi.output(2), detail };
}
