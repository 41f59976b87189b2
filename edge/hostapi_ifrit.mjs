// ifrit's own host module (`ifrit_host`, docs/functions.md "ifrit's
// module", include/ifrit_host.h) at the edge: the same checks, limits and
// error codes as natively, on the KV Durable Object and fetch()
// (hostapi.mjs). Databases, jobs and AI calls answer DENIED with a log
// line: `ifrit edge config` refuses their grants.
import { E, outbound } from "./hostapi.mjs";

const MAX_REQUEST_BODY = 1 << 20;
const SET_BY_IFRIT = new Set(["host", "content-length", "transfer-encoding", "connection"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

// The guest's "Name: value" lines (\n or \r\n) as [name, value] pairs, or
// a sentence saying what is wrong (as fn_host_http.c checks them).
function headerPairs(text) {
  const pairs = [];
  for (let line of text.split("\n")) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (!line) continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) return "a header line is not 'Name: value'";
    if (/[\r\0]/.test(line)) return "a header value has a CR or NUL byte";
    if (SET_BY_IFRIT.has(name.toLowerCase())) return `${name} is set by ifrit, not by the guest`;
    pairs.push([name, line.slice(colon + 1).trim()]);
  }
  return pairs;
}

// calls: a HostCalls (hostapi.mjs) for one run.
export function ifritImports(calls) {
  let response = null;   // the last http_request's, until the next one

  // Copies src to the guest's (out, cap) and its length to lenPtr: OK, or
  // BUFFER_TOO_SMALL with the first cap bytes.
  const fill = (call, out, cap, lenPtr, src) => {
    const room = calls.bytes(call, "buffer", out, cap).length;
    calls.bytes(call, "length", lenPtr, 4);
    calls.put(call, out, src.subarray(0, Math.min(room, src.length)));
    calls.putU32(call, lenPtr, src.length);
    return src.length > room ? E.BUFFER_TOO_SMALL : E.OK;
  };

  const kvGet = async (kp, kl, out, cap, lenPtr) => {
    const call = "kv_get";
    const key = calls.key(call, kp, kl);
    calls.bytes(call, "buffer", out, cap);
    calls.bytes(call, "length", lenPtr, 4);
    const e = calls.checkRead(call, key);
    if (e) return e;
    const got = await calls.store(call, (kv) => kv.get(key));
    if (!got) return E.UNAVAILABLE;
    return got.value === null ? E.NOT_FOUND : fill(call, out, cap, lenPtr, got.value);
  };

  const kvSet = async (kp, kl, vp, vl, ttl) => {
    const call = "kv_set";
    const key = calls.key(call, kp, kl);
    const value = calls.bytes(call, "value", vp, vl);
    let e = calls.checkWrite(call, key) || calls.checkValue(call, value);
    if (!e && ttl < 0n) {
      calls.log(`${call}: a negative TTL`);
      e = E.INVALID;
    }
    if (e) return e;
    const copy = value.slice();
    return (await calls.store(call, (kv) => kv.set(key, copy, Number(ttl)))) ? E.OK : E.UNAVAILABLE;
  };

  const kvDelete = async (kp, kl) => {
    const call = "kv_delete";
    const key = calls.key(call, kp, kl);
    const e = calls.checkWrite(call, key);
    if (e) return e;
    const got = await calls.store(call, (kv) => kv.delete(key));
    return !got ? E.UNAVAILABLE : got.value ? E.OK : E.NOT_FOUND;
  };

  const lock = async (kp, kl, ttl) => {
    const call = "lock";
    const key = calls.key(call, kp, kl);
    if (ttl < 0n) return E.INVALID;
    const e = calls.checkMutex(call, key);
    if (e) return e;
    const got = await calls.store(call, (kv) => kv.lock(key, Number(ttl)));
    return !got ? E.UNAVAILABLE : got.value ? E.OK : E.BUSY;
  };

  const unlock = async (kp, kl) => {
    const call = "unlock";
    const key = calls.key(call, kp, kl);
    const e = calls.checkMutex(call, key);
    if (e) return e;
    const got = await calls.store(call, (kv) => kv.unlock(key));
    return !got ? E.UNAVAILABLE : got.value ? E.OK : E.NOT_FOUND;
  };

  const httpRequest = async (mp, ml, up, ul, hp, hl, bp, bl) => {
    const call = "http_request";
    const method = calls.text(call, "method", mp, ml);
    const url = calls.text(call, "URL", up, ul);
    const head = calls.text(call, "headers", hp, hl);
    const body = calls.bytes(call, "body", bp, bl);
    response = null;
    if (!TOKEN.test(method)) {
      calls.log(`${call}: the method is not an HTTP token`);
      return E.INVALID;
    }
    if (body.length > MAX_REQUEST_BODY) {
      calls.log(`${call}: the body has ${body.length} bytes, more than ${MAX_REQUEST_BODY}`);
      return E.TOO_LARGE;
    }
    const headers = headerPairs(head);
    if (typeof headers === "string") {
      calls.log(`${call}: ${headers}`);
      return E.INVALID;
    }
    const r = await outbound(calls, call, { method, url, headers, body: body.slice(), cap: calls.host.maxResponse, truncate: false });
    if (!r.error) response = r;
    return r.error;
  };

  // A part of the held response, or NO_RESPONSE (the buffer checked first).
  const held = (call, out, cap, lenPtr, part) => {
    calls.bytes(call, "buffer", out, cap);
    calls.bytes(call, "length", lenPtr, 4);
    return response ? fill(call, out, cap, lenPtr, response[part]) : E.NO_RESPONSE;
  };

  const denied = (call, what) => () => {
    calls.log(`${call} denied: ${what} are native-only (docs/edge.md)`);
    return E.DENIED;
  };

  return {
    log: (level, p, n) => {
      const text = calls.text("log", "text", p, n);
      calls.log(level >= 3 ? `error: ${text}` : level === 2 ? `warn: ${text}` : text);
    },
    kv_get: calls.waits("kv_get", kvGet, E.UNAVAILABLE),
    kv_set: calls.waits("kv_set", kvSet, E.UNAVAILABLE),
    kv_delete: calls.waits("kv_delete", kvDelete, E.UNAVAILABLE),
    lock: calls.waits("lock", lock, E.UNAVAILABLE),
    unlock: calls.waits("unlock", unlock, E.UNAVAILABLE),
    http_request: calls.waits("http_request", httpRequest, E.UNAVAILABLE),
    http_status: () => (response ? response.status : 0),
    http_headers: (out, cap, lenPtr) => held("http_headers", out, cap, lenPtr, "headers"),
    http_body: (out, cap, lenPtr) => held("http_body", out, cap, lenPtr, "body"),
    db_query: denied("db_query", "databases"),
    db_result: () => E.NO_RESPONSE,
    enqueue: denied("enqueue", "jobs"),
    ai_ask: denied("ai_ask", "AI calls"),
    ai_answer: () => E.NO_RESPONSE,
  };
}
