// A function's host calls at the edge (docs/edge.md, "Host calls at the
// edge"): Gojinn's host module (`gojinn`, docs/functions.md) as JavaScript
// imports of the guest V8 runs. A call that waits (KV on its Durable
// Object, outbound HTTP through fetch()) is a WebAssembly.Suspending import:
// V8 suspends the guest's stack while the promise is pending (JSPI) and the
// isolate serves other requests meanwhile; function.mjs enters the guest
// through WebAssembly.promising. Grants, namespacing, limits and return
// conventions are the native ones; what needs a native backend (jobs,
// databases, AI) answers as a call the block does not grant, since
// `ifrit edge config` refuses those grants.

// The KV Durable Object namespace (env.KV) worker.js hands over on each
// request (kv.mjs is its class); null under node (tests/edge/node_check.mjs),
// where KV calls answer UNAVAILABLE.
let kvBinding = null;
export function bindKv(namespace) {
  kvBinding = namespace ?? null;
}

// The object of one namespace, or null without a binding.
function kvStore(namespace) {
  return kvBinding ? kvBinding.get(kvBinding.idFromName(namespace)) : null;
}

// FN_PERM_* (src/fn/fn_host_conf.h).
const KV_READ = 1 << 0;
const KV_WRITE = 1 << 1;
const MUTEX = 1 << 2;
const HTTP_GET = 1 << 3;
const HTTP = 1 << 4;

const MAX_KEY = 1024;
// JS Promise Integration: workerd has it; node 20 does not.
export const JSPI = typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function";
const MAX_VALUE = 1 << 20;

// The guest broke the host's contract (a pointer or length outside its
// memory): the call traps, as natively; nothing is read or written.
class HostTrap extends WebAssembly.RuntimeError {}

// host: { name, perms, namespace, httpTimeoutMs, maxResponse, readPrefixes,
// writePrefixes, allowHosts, i64 (a Set of import names declared with an
// i64 result), deadline (Date.now() time, 0 none), log(text) (a line in
// the function's log, with its request) }. memory: () => the guest's
// WebAssembly.Memory. Returns the `gojinn` import object.
export function gojinnImports(host, memory) {
  const bytes = (call, what, ptr, len) => {
    const buf = memory().buffer;
    if (ptr + len > buf.byteLength) throw new HostTrap(`${call}: the ${what} (${len} bytes at ${ptr}) is outside the guest's memory`);
    return new Uint8Array(buf, ptr, len);
  };
  const u32 = (v) => v >>> 0;
  const result = (call, v) => (host.i64.has(call) ? BigInt(v) : v | 0);
  // The key as a byte string; null when longer than a key may be.
  const keyOf = (call, p, n) => {
    const b = bytes(call, "key", u32(p), u32(n));
    return b.length > MAX_KEY ? null : String.fromCharCode(...b);
  };
  const granted = (call, need, grant, prefixes, key) => {
    if (!(host.perms & need)) {
      host.log(`${call} denied: the function's permissions do not grant ${grant}`);
      return false;
    }
    if (key !== null && prefixes && prefixes.length && !prefixes.some((p) => p === "*" || key.startsWith(p))) {
      host.log(`${call} denied: ${grant} does not cover the key`);
      return false;
    }
    return true;
  };
  const keyOk = (call, key) => {
    if (key !== null && key.length >= 1) return true;
    host.log(`${call}: INVALID: a key is 1 to ${MAX_KEY} bytes`);
    return false;
  };
  // A store call, or null (logged) when the store fails.
  const store = async (call, fn) => {
    const kv = kvStore(host.namespace);
    if (!kv) {
      host.log(`${call}: UNAVAILABLE: no KV binding here (workerd's config.capnp declares it)`);
      return null;
    }
    try {
      return { value: await fn(kv) };
    } catch (err) {
      host.log(`${call}: UNAVAILABLE: ${err?.message ?? err}`);
      return null;
    }
  };

  const hostKvGet = async (kp, kl, out, max) => {
    const call = "host_kv_get";
    const key = keyOf(call, kp, kl);
    const dest = bytes(call, "buffer", u32(out), u32(max));
    if (!granted(call, KV_READ, "kv_read", host.readPrefixes, key) || !keyOk(call, key)) return result(call, -1);
    const got = await store(call, (kv) => kv.get(key));
    if (!got || got.value === null) return result(call, -1);
    const n = Math.min(got.value.length, dest.length);
    bytes(call, "buffer", u32(out), n).set(got.value.subarray(0, n));   // memory may have moved meanwhile
    return result(call, n);
  };

  const hostKvSet = async (kp, kl, vp, vl) => {
    const call = "host_kv_set";
    const key = keyOf(call, kp, kl);
    const value = bytes(call, "value", u32(vp), u32(vl)).slice();
    if (!granted(call, KV_WRITE, "kv_write", host.writePrefixes, key) || !keyOk(call, key)) return;
    if (value.length > MAX_VALUE) {
      host.log(`${call}: TOO_LARGE: a value is at most 1 MiB; nothing stored`);
      return;
    }
    await store(call, (kv) => kv.set(key, value, 0));
  };

  const hostMutexLock = async (kp, kl, ttlSeconds) => {
    const call = "host_mutex_lock";
    const key = keyOf(call, kp, kl);
    if (!granted(call, MUTEX, "mutex", null, key) || !keyOk(call, key)) return result(call, 0);
    const got = await store(call, (kv) => kv.lock(key, u32(ttlSeconds) * 1000));
    return result(call, got?.value ? 1 : 0);
  };

  const hostMutexUnlock = async (kp, kl) => {
    const call = "host_mutex_unlock";
    const key = keyOf(call, kp, kl);
    if (!granted(call, MUTEX, "mutex", null, key) || !keyOk(call, key)) return result(call, 0);
    const got = await store(call, (kv) => kv.unlock(key));
    return result(call, got?.value ? 1 : 0);
  };

  const hostHttpGet = async (up, ul, out, max) => {
    const call = "host_http_get";
    const url = new TextDecoder().decode(bytes(call, "URL", u32(up), u32(ul)));
    bytes(call, "buffer", u32(out), u32(max));
    const body = await outbound(host, call, url, Math.min(u32(max), host.maxResponse));
    if (!body) return result(call, 0);
    bytes(call, "buffer", u32(out), body.length).set(body);
    return result(call, body.length);
  };

  const log = (level, p, n) => {
    const text = new TextDecoder().decode(bytes("host_log", "text", u32(p), u32(n)));
    host.log(level === 3 ? `error: ${text}` : text);
  };
  const nativeOnly = (call, what) => {
    host.log(`${call} denied: ${what} are native-only (docs/edge.md)`);
  };
  const writeError = (call, out, max, text) => {
    const b = new TextEncoder().encode(text);
    const n = Math.min(b.length, u32(max));
    bytes(call, "buffer", u32(out), n).set(b.subarray(0, n));
    return n;
  };

  // A call that waits, suspending the guest. Without JSPI (node 20 runs
  // tests/edge/node_check.mjs) it fails at once, logged, with its failure
  // value (undefined: none).
  const waits = (call, fn, failure) =>
    JSPI ? new WebAssembly.Suspending(fn) : () => {
      host.log(`${call}: UNAVAILABLE: this JavaScript runtime cannot suspend a guest (no WebAssembly.Suspending)`);
      return failure === undefined ? undefined : result(call, failure);
    };

  return {
    host_log: log,
    host_kv_get: waits("host_kv_get", hostKvGet, -1),
    host_kv_set: waits("host_kv_set", hostKvSet),
    host_mutex_lock: waits("host_mutex_lock", hostMutexLock, 0),
    host_mutex_unlock: waits("host_mutex_unlock", hostMutexUnlock, 0),
    host_http_get: waits("host_http_get", hostHttpGet, 0),
    // Gojinn's failure values (docs/functions.md): 1 not queued; the error
    // written where the rows or the answer would go.
    host_enqueue: (mp, ml, pp, pl) => {
      bytes("host_enqueue", "module name", u32(mp), u32(ml));
      bytes("host_enqueue", "payload", u32(pp), u32(pl));
      nativeOnly("host_enqueue", "jobs");
      return result("host_enqueue", 1);
    },
    host_db_query: (sp, sl, out, max) => {
      bytes("host_db_query", "query", u32(sp), u32(sl));
      nativeOnly("host_db_query", "databases");
      return result("host_db_query", writeError("host_db_query", out, max, '[{"error": "databases are native-only"}]'));
    },
    host_ask_ai: (pp, pl, out, max) => {
      bytes("host_ask_ai", "prompt", u32(pp), u32(pl));
      nativeOnly("host_ask_ai", "AI calls");
      return result("host_ask_ai", writeError("host_ask_ai", out, max, '{"error":"DENIED: AI calls are native-only at the edge"}'));
    },
  };
}

// allow_host's verdict on host (fn_host_allowed): 2 named exactly (its
// private addresses allowed too), 1 by `*` or `*.domain`, 0 not at all.
function allowed(allowHosts, host) {
  let best = 0;
  for (let e of allowHosts) {
    e = e.toLowerCase();
    if (e.startsWith("[") && e.endsWith("]")) e = e.slice(1, -1);
    if (e === "*") best = Math.max(best, 1);
    else if (e.length > 2 && e.startsWith("*.")) {
      if (host.length > e.length - 1 && host.endsWith(e.slice(1))) best = Math.max(best, 1);
    } else if (e === host) best = 2;
  }
  return best;
}

// A host written as a loopback, private, link-local, shared or
// unspecified address (or `localhost`). fetch() resolves names itself, so
// a name is checked by the network workerd's config gives it (public
// addresses only, unless `ifrit edge config --outbound private`).
function privateHost(host) {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || a >= 224;
  }
  if (!host.includes(":")) return false;
  const h = host.replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) return privateHost(mapped[1]);
  return h === "::" || h === "::1" || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || /^ff/.test(h) || h.startsWith("::ffff:");
}

// One outbound GET in Gojinn's form: the body's first cap bytes whatever
// the status, or null (logged) when denied or failed.
async function outbound(host, call, url, cap) {
  if (!(host.perms & (HTTP_GET | HTTP))) {
    host.log(`${call} denied: the function's permissions do not grant http_get`);
    return null;
  }
  let u;
  try {
    u = new URL(url);
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== "http:" && u.protocol !== "https:") || u.username || u.password) {
    host.log(`${call}: INVALID: not an http:// or https:// URL without credentials`);
    return null;
  }
  const name = u.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const verdict = allowed(host.allowHosts, name);
  if (!verdict) {
    host.log(`${call} denied: allow_host does not name ${name}`);
    return null;
  }
  if (verdict < 2 && privateHost(name)) {
    host.log(`${call}: BLOCKED: ${name} is loopback, link-local or private and allow_host does not name it`);
    return null;
  }
  const left = host.deadline ? host.deadline - Date.now() : host.httpTimeoutMs;
  const timeoutMs = Math.max(1, Math.min(host.httpTimeoutMs, left));
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(u.href, { redirect: "manual", signal });
    const kept = new Uint8Array(cap);
    let n = 0;
    if (res.body) {
      const reader = res.body.getReader();
      while (n < cap) {
        const { done, value } = await reader.read();
        if (done) break;
        const take = Math.min(value.length, cap - n);
        kept.set(value.subarray(0, take), n);
        n += take;
      }
      reader.cancel().catch(() => {});
    }
    return kept.subarray(0, n);
  } catch (err) {
    const timedOut = signal.aborted;
    host.log(`${call}: ${timedOut ? "TIMEOUT: the outbound call did not finish within its timeout" : `NETWORK: ${err?.message ?? err}`}`);
    return null;
  }
}
