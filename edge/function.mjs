// `wasm` functions at the edge (docs/edge.md): V8 itself runs the guest, a
// WASI command, through the project's WASI shim (wasi.mjs) without files.
// The core decides everything else (protocol, env, the response); this
// only runs one request's guest in a fresh instance of the module the
// bundle compiled once per isolate, and says how it ended.
import { Wasi, WasiDeadline, WasiExit } from "./wasi.mjs";

// How a run ended, as the core's edge_fn_done takes it (fn_host_end_t).
export const EXITED = 0;
export const TRAPPED = 1;
export const TIMED_OUT = 2;

// module: a WebAssembly.Module; args and env: byte arrays; stdin: bytes.
// Returns { how, code, stdout, stderr, detail }.
export function runFunction(module, { args, env, stdin, timeoutMs }) {
  const started = Date.now();
  const wasi = new Wasi({ tree: null, args, env, stdin, capture: true, deadline: timeoutMs > 0 ? started + timeoutMs : 0 });
  let how = EXITED;
  let code = 0;
  let detail = "";
  try {
    const instance = new WebAssembly.Instance(module, wasi.imports);
    wasi.bind(instance);
    instance.exports._start();
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
