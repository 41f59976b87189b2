// A function's host calls at the edge (docs/edge.md, "Host calls at the
// edge"): what both host modules share (HostCalls, outbound), and Gojinn's
// module (`gojinn`, docs/functions.md) as JavaScript imports of the guest
// V8 runs (ifrit's own, `ifrit_host`, is hostapi_ifrit.mjs). A call that
// waits (KV on its Durable Object, outbound HTTP through fetch()) is a
// WebAssembly.Suspending import:
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
const MAX_VALUE = 1 << 20;
// JS Promise Integration: workerd has it; node 20 does not.
export const JSPI = typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function";

// The guest broke the host's contract (a pointer or length outside its
// memory): the call traps, as natively; nothing is read or written.
class HostTrap extends WebAssembly.RuntimeError {}

// ifrit's error codes (FN_HOST_ERRORS in src/fn/fn_host.h).
export const E = { OK: 0, NOT_FOUND: 1, DENIED: 2, TOO_LARGE: 3, BUFFER_TOO_SMALL: 4, INVALID: 5, UNAVAILABLE: 6,
                   BLOCKED: 7, TIMEOUT: 8, BUSY: 9, NETWORK: 10, RESPONSE_TOO_LARGE: 11, NO_RESPONSE: 12 };

// What both host modules share for one run: the guest's memory, the
// grants, the checks every call makes and the store.
// host: { perms, namespace, httpTimeoutMs, maxResponse, readPrefixes,
// writePrefixes, allowHosts, i64 (a Set of the `gojinn` import names
// declared with an i64 result), deadline (Date.now() time, 0 none),
// log(text) (a line in the function's log, with its request) }.
// memory: () => the guest's WebAssembly.Memory.
export class HostCalls {
  constructor(host, memory) {
    this.host = host;
    this.memory = memory;
  }

  log(text) {
    this.host.log(text);
  }

  // len bytes of guest memory at ptr (a view), or a trap.
  bytes(call, what, ptr, len) {
    ptr >>>= 0;
    len >>>= 0;
    const buf = this.memory().buffer;
    if (ptr + len > buf.byteLength) throw new HostTrap(`${call}: the ${what} (${len} bytes at ${ptr}) is outside the guest's memory`);
    return new Uint8Array(buf, ptr, len);
  }

  // Copies src to the guest at ptr (whose room was checked at the call:
  // memory may have moved since, never shrunk).
  put(call, ptr, src) {
    this.bytes(call, "buffer", ptr, src.length).set(src);
  }

  putU32(call, ptr, v) {
    new DataView(this.memory().buffer).setUint32(this.bytes(call, "length", ptr, 4).byteOffset, v >>> 0, true);
  }

  text(call, what, ptr, len) {
    return new TextDecoder().decode(this.bytes(call, what, ptr, len));
  }

  // The key as a byte string (one char per byte); null when longer than
  // a key may be.
  key(call, ptr, len) {
    const b = this.bytes(call, "key", ptr, len);
    return b.length > MAX_KEY ? null : String.fromCharCode(...b);
  }

  // The grant and the key of a KV call: E.OK, or the error (logged).
  check(call, need, grant, prefixes, key) {
    if (!(this.host.perms & need)) {
      this.log(`${call} denied: the function's permissions do not grant ${grant}`);
      return E.DENIED;
    }
    if (key === null) {
      this.log(`${call}: TOO_LARGE: a key is at most ${MAX_KEY} bytes`);
      return E.TOO_LARGE;
    }
    if (key.length === 0) {
      this.log(`${call}: INVALID: an empty key`);
      return E.INVALID;
    }
    if (prefixes && prefixes.length && !prefixes.some((p) => p === "*" || key.startsWith(p))) {
      this.log(`${call} denied: ${grant} does not cover the key`);
      return E.DENIED;
    }
    return E.OK;
  }

  checkRead(call, key) {
    return this.check(call, KV_READ, "kv_read", this.host.readPrefixes, key);
  }

  checkWrite(call, key) {
    return this.check(call, KV_WRITE, "kv_write", this.host.writePrefixes, key);
  }

  checkMutex(call, key) {
    return this.check(call, MUTEX, "mutex", null, key);
  }

  checkValue(call, value) {
    if (value.length <= MAX_VALUE) return E.OK;
    this.log(`${call}: TOO_LARGE: the value has ${value.length} bytes, more than the ${MAX_VALUE} a value may have`);
    return E.TOO_LARGE;
  }

  // A call on the namespace's Durable Object: { value }, or null (logged)
  // when the store fails.
  async store(call, fn) {
    const kv = kvStore(this.host.namespace);
    if (!kv) {
      this.log(`${call}: UNAVAILABLE: no KV binding here (workerd's config.capnp declares it)`);
      return null;
    }
    try {
      return { value: await fn(kv) };
    } catch (err) {
      this.log(`${call}: UNAVAILABLE: ${err?.message ?? err}`);
      return null;
    }
  }

  // A call that waits, suspending the guest. Without JSPI (node 20 runs
  // tests/edge/node_check.mjs) it fails at once, logged, with its
  // failure value (undefined: none).
  waits(call, fn, failure) {
    if (JSPI) return new WebAssembly.Suspending(fn);
    return () => {
      this.log(`${call}: UNAVAILABLE: this JavaScript runtime cannot suspend a guest (no WebAssembly.Suspending)`);
      return failure;
    };
  }
}

// Gojinn's module (`gojinn`, docs/functions.md "Gojinn's module") for one
// run; calls: a HostCalls.
export function gojinnImports(calls) {
  const host = calls.host;
  const result = (call, v) => (host.i64.has(call) ? BigInt(v) : v | 0);

  const hostKvGet = async (kp, kl, out, max) => {
    const call = "host_kv_get";
    const key = calls.key(call, kp, kl);
    const room = calls.bytes(call, "buffer", out, max).length;
    if (calls.checkRead(call, key) !== E.OK) return result(call, -1);
    const got = await calls.store(call, (kv) => kv.get(key));
    if (!got || got.value === null) return result(call, -1);
    const n = Math.min(got.value.length, room);
    calls.put(call, out, got.value.subarray(0, n));
    return result(call, n);
  };

  const hostKvSet = async (kp, kl, vp, vl) => {
    const call = "host_kv_set";
    const key = calls.key(call, kp, kl);
    const value = calls.bytes(call, "value", vp, vl);
    if (calls.checkWrite(call, key) !== E.OK || calls.checkValue(call, value) !== E.OK) return;
    const copy = value.slice();
    await calls.store(call, (kv) => kv.set(key, copy, 0));
  };

  const hostMutex = (call, unlock) => async (kp, kl, ttlSeconds) => {
    const key = calls.key(call, kp, kl);
    if (calls.checkMutex(call, key) !== E.OK) return result(call, 0);
    const got = await calls.store(call, (kv) => (unlock ? kv.unlock(key) : kv.lock(key, (ttlSeconds >>> 0) * 1000)));
    return result(call, got?.value ? 1 : 0);
  };

  const hostHttpGet = async (up, ul, out, max) => {
    const call = "host_http_get";
    const url = calls.text(call, "URL", up, ul);
    const room = calls.bytes(call, "buffer", out, max).length;
    const r = await outbound(calls, call, { method: "GET", url, cap: Math.min(room, host.maxResponse), truncate: true });
    if (r.error) return result(call, 0);
    calls.put(call, out, r.body);
    return result(call, r.body.length);
  };

  const nativeOnly = (call, what) => calls.log(`${call} denied: ${what} are native-only (docs/edge.md)`);
  const writeError = (call, out, max, text) => {
    const b = new TextEncoder().encode(text).subarray(0, calls.bytes(call, "buffer", out, max).length);
    calls.put(call, out, b);
    return b.length;
  };

  return {
    host_log: (level, p, n) => {
      const text = calls.text("host_log", "text", p, n);
      calls.log(level === 3 ? `error: ${text}` : text);
    },
    host_kv_get: calls.waits("host_kv_get", hostKvGet, result("host_kv_get", -1)),
    host_kv_set: calls.waits("host_kv_set", hostKvSet),
    host_mutex_lock: calls.waits("host_mutex_lock", hostMutex("host_mutex_lock", false), result("host_mutex_lock", 0)),
    host_mutex_unlock: calls.waits("host_mutex_unlock", hostMutex("host_mutex_unlock", true), result("host_mutex_unlock", 0)),
    host_http_get: calls.waits("host_http_get", hostHttpGet, result("host_http_get", 0)),
    // Gojinn's failure values (docs/functions.md): 1 not queued; the error
    // written where the rows or the answer would go.
    host_enqueue: (mp, ml, pp, pl) => {
      calls.bytes("host_enqueue", "module name", mp, ml);
      calls.bytes("host_enqueue", "payload", pp, pl);
      nativeOnly("host_enqueue", "jobs");
      return result("host_enqueue", 1);
    },
    host_db_query: (sp, sl, out, max) => {
      calls.bytes("host_db_query", "query", sp, sl);
      nativeOnly("host_db_query", "databases");
      return result("host_db_query", writeError("host_db_query", out, max, '[{"error": "databases are native-only"}]'));
    },
    host_ask_ai: (pp, pl, out, max) => {
      calls.bytes("host_ask_ai", "prompt", pp, pl);
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

// One outbound request: { error: 0, status, headers ("Name: value\r\n"
// lines), body } or { error: E.* } (logged). The body is kept up to cap
// bytes: past it cut there (truncate, Gojinn's form) or RESPONSE_TOO_LARGE.
// headers: [name, value] pairs, checked by the caller.
export async function outbound(calls, call, { method, url, headers = [], body = null, cap, truncate }) {
  const host = calls.host;
  const get = method === "GET";
  const fail = (error, text) => {
    calls.log(`${call} ${method} ${url.slice(0, 200)}: ${text}`);
    return { error };
  };
  if (!(host.perms & (get ? HTTP_GET | HTTP : HTTP))) {
    calls.log(`${call} denied: the function's permissions do not grant ${get ? "http_get" : "http"}`);
    return { error: E.DENIED };
  }
  let u;
  try {
    u = new URL(url);
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== "http:" && u.protocol !== "https:") || u.username || u.password)
    return fail(E.INVALID, "INVALID (not an http:// or https:// URL without credentials)");
  const name = u.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const verdict = allowed(host.allowHosts, name);
  if (!verdict) {
    calls.log(`${call} denied: allow_host does not name ${name}`);
    return { error: E.DENIED };
  }
  if (verdict < 2 && privateHost(name))
    return fail(E.BLOCKED, `BLOCKED (${name} is not a public address and allow_host does not name it)`);
  const left = host.deadline ? host.deadline - Date.now() : host.httpTimeoutMs;
  const signal = AbortSignal.timeout(Math.max(1, Math.min(host.httpTimeoutMs, left)));
  try {
    const res = await fetch(u.href, { method, headers, body: body && body.length ? body : undefined, redirect: "manual", signal });
    const kept = new Uint8Array(cap);
    let n = 0;
    let over = false;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const take = Math.min(value.length, cap - n);
        kept.set(value.subarray(0, take), n);
        n += take;
        if (take < value.length) {
          over = true;
          break;
        }
      }
      reader.cancel().catch(() => {});
    }
    if (over && !truncate) return fail(E.RESPONSE_TOO_LARGE, `RESPONSE_TOO_LARGE (more than ${cap} bytes)`);
    let lines = "";
    for (const [k, v] of res.headers) lines += `${k}: ${v}\r\n`;
    return { error: 0, status: res.status, headers: new TextEncoder().encode(lines), body: kept.subarray(0, n) };
  } catch (err) {
    if (signal.aborted) return fail(E.TIMEOUT, "TIMEOUT (the outbound call did not finish within its timeout)");
    return fail(E.NETWORK, `NETWORK (${err?.message ?? err})`);
  }
}
