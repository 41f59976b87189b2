// The ifrit core (ifrit.wasm) as the shim sees it: instantiated once with
// the embedded Caddyfile and assets, then one call per request. A Request
// goes in as an HTTP/1.1 head plus the whole body, so the core parses it
// with the same parser the native server uses; the answer comes back as a
// status, header fields and body bytes read out of linear memory.
import { Wasi, buildTree } from "./wasi.mjs";
import { TRAPPED, runFunction } from "./function.mjs";
import { fieldLines } from "./fields.mjs";

// Framing belongs to the core's own parser (Content-Length is recomputed
// from the body we pass) and hop-by-hop fields to workerd.
const DROP_REQUEST_FIELDS = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive"]);
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

// Header values are byte strings: one char per byte (latin-1), both ways.
function latin1Bytes(s) {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}
// ASCII (the common case) through the native decoder, else one char per byte.
const decoder = new TextDecoder();
const NOT_ASCII = /[^\x00-\x7f]/;
function latin1String(bytes) {
  const ascii = decoder.decode(bytes);
  if (ascii.length === bytes.length && !NOT_ASCII.test(ascii)) return ascii;
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

// Writes byte string s at ptr in memory (room for s.length bytes): native
// encodeInto when s is ASCII (the common case), else one byte per char.
const encoder = new TextEncoder();
function putLatin1(memory, ptr, s) {
  const dst = new Uint8Array(memory.buffer, ptr, s.length);
  if (!NOT_ASCII.test(s)) encoder.encodeInto(s, dst);
  else for (let i = 0; i < s.length; i++) dst[i] = s.charCodeAt(i) & 0xff;
}

// A string as the byte string of its UTF-8 encoding (how the core sees paths).
const utf8ByteString = (s) => latin1String(new TextEncoder().encode(s));

// Lists of byte strings cross the boundary as (u32 little-endian length, bytes) items.
// The block becomes one string (one conversion call) and items are cut from it.
function readItems(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const all = latin1String(bytes);
  const items = [];
  for (let off = 0; off + 4 <= bytes.length; ) {
    const n = dv.getUint32(off, true);
    items.push(all.substring(off + 4, off + 4 + n));
    off += 4 + n;
  }
  return items;
}
function writeItems(strings) {
  const parts = strings.map(latin1Bytes);
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const dv = new DataView(out.buffer);
  let off = 0;
  for (const p of parts) {
    dv.setUint32(off, p.length, true);
    out.set(p, off + 4);
    off += 4 + p.length;
  }
  return out;
}

// Response headers from [name, value, ...]: a plain object (the cheapest
// init for workerd's Response), pairs when a name repeats (Set-Cookie).
function fieldsInit(items) {
  const record = Object.create(null);
  for (let i = 0; i + 1 < items.length; i += 2) {
    if (items[i] in record) {
      const pairs = [];
      for (let j = 0; j + 1 < items.length; j += 2) pairs.push([items[j], items[j + 1]]);
      return pairs;
    }
    record[items[i]] = items[i + 1];
  }
  return record;
}

// A file_server answer straight from the embedded asset's bytes, never
// through core memory: a copy up to STREAM_FROM bytes, else a stream fed in
// STREAM_CHUNK pieces as the client reads (workerd's FixedLengthStream
// keeps Content-Length; where there is none, as under node, a plain
// ReadableStream). Pieces are copies: the asset's own buffer must never be
// handed over (a Response may take ownership of it).
const STREAM_FROM = 256 * 1024;
const STREAM_CHUNK = 64 * 1024;
function fileBody(data, offset, length) {
  const end = Math.min(offset + length, data.length);
  if (end - offset <= STREAM_FROM) return data.slice(offset, end).buffer;
  if (typeof FixedLengthStream === "function") {
    const { readable, writable } = new FixedLengthStream(end - offset);
    const writer = writable.getWriter();
    (async () => {
      for (let at = offset; at < end; at += STREAM_CHUNK) await writer.write(data.slice(at, Math.min(at + STREAM_CHUNK, end)));
      await writer.close();
    })().catch(() => {}); // the client went away: nothing left to do
    return readable;
  }
  let at = offset;
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(data.slice(at, Math.min(at + STREAM_CHUNK, end)));
      at += STREAM_CHUNK;
      if (at >= end) controller.close();
    },
  });
}

// What edge_handle and friends return while the core waits (src/edge/edge_exchange.h).
const WAIT_FETCH = 1;
const WAIT_TIMER = 2;
const WAIT_FUNCTION = 3;
const WAIT_BODY = 4;
const WAIT_REQUEST_BODY = 5;
const waiting = (status) => status >= WAIT_FETCH && status <= WAIT_REQUEST_BODY;

export class EdgeCore {
  // module: the compiled ifrit.wasm; bundle (bundle.mjs): caddyfile, its
  // text, and caddyfilePath, its path inside the edge (imports resolve from
  // there); assets, [absolutePath, ArrayBuffer, mtimeNs] for every file
  // file_server may serve; functions, [path as the Caddyfile writes it,
  // WebAssembly.Module, memory_limit (0: none), the `gojinn` imports it
  // declares with an i64 result] for every `wasm` function.
  static async create(module, { caddyfile, caddyfilePath = "", assets = [], functions = [] }, log = console) {
    const wasi = new Wasi({ tree: buildTree(assets), stdout: (s) => log.log(s), stderr: (s) => log.error(s) });
    const instance = await WebAssembly.instantiate(module, wasi.imports);
    wasi.bind(instance);
    instance.exports._initialize();
    // One module per path and memory_limit (`ifrit edge config` caps each
    // copy's memory): keyed "PATH\0LIMIT", as #function asks.
    const modules = new Map(functions.map(([p, m, limit = 0, i64 = []]) =>
      [`${utf8ByteString(p)}\0${limit}`, { module: m, i64: new Set(i64) }]));
    const core = new EdgeCore(instance, wasi, modules);
    const text = new TextEncoder().encode(caddyfile);
    const paths = writeItems([...new Set(functions.map(([p]) => utf8ByteString(p)))]);
    const name = new TextEncoder().encode(caddyfilePath);
    const rc = core.#withBytes([text, paths, name], ([t, p, n]) =>
      instance.exports.edge_init(t, text.length, p, paths.length, n, name.length));
    wasi.flush();
    if (rc !== 0) throw new Error("ifrit: the Caddyfile does not load (see the log above)");
    return core;
  }

  constructor(instance, wasi, modules) {
    this.x = instance.exports;
    this.wasi = wasi;
    this.modules = modules;
    // The request's bytes go through one buffer in core memory, reused
    // (the core copies what it keeps before each call returns).
    this.scratch = 0;
    this.scratchSize = 0;
    this.broken = false;   // it trapped while a body streamed: replace it
  }

  // Copies each byte array into core memory, runs fn with the pointers,
  // frees them whatever happens.
  #withBytes(arrays, fn) {
    const ptrs = arrays.map((a) => {
      const p = this.x.edge_alloc(a.length);
      new Uint8Array(this.x.memory.buffer, p, a.length).set(a);
      return p;
    });
    try {
      return fn(ptrs);
    } finally {
      for (const p of ptrs) this.x.edge_free(p);
    }
  }

  #input(n) {
    if (n > this.scratchSize) {
      if (this.scratch) this.x.edge_free(this.scratch);
      this.scratchSize = Math.max(n, 2 * this.scratchSize, 4096);
      this.scratch = this.x.edge_alloc(this.scratchSize);
    }
    return this.scratch;
  }

  // Runs one request through the core: a Response, or a promise of one
  // when the request has a body to read or the core waits on the host (a
  // fetch, a timer, a function, an upstream's body). The common case stays
  // synchronous: no promise for workerd to wait on. Requests do not wait
  // for each other: each has its own exchange in the core, selected again
  // (#enter) whenever its turn comes back after an await. A trap inside the
  // core throws (a WebAssembly.RuntimeError): the caller then answers 500
  // and replaces this instance.
  // A request body past STREAM_FROM bytes whose length is declared stays
  // with the request: read whole only if a handler asks for it, else
  // streamed to the upstream (#fetch). Smaller ones are read first.
  handle(request) {
    if (!request.body) return this.#run(request, null, -1);
    const declared = Number(request.headers.get("content-length") ?? NaN);
    return declared > STREAM_FROM ? this.#run(request, null, declared) : this.#handleWithBody(request);
  }

  async #handleWithBody(request) {
    return this.#run(request, new Uint8Array(await request.arrayBuffer()), -1);
  }

  // pending: the length of a body still in the request (-1: none).
  #run(request, body, pending) {
    // request.url is absolute and already normalised by the runtime.
    const url = request.url;
    const hostAt = url.indexOf("//") + 2;
    let pathAt = url.indexOf("/", hostAt);
    if (pathAt < 0) pathAt = url.length;
    const bodyLen = body ? body.length : 0;
    let head = `${request.method} ${pathAt < url.length ? url.substring(pathAt) : "/"} HTTP/1.1\r\nHost: ${url.substring(hostAt, pathAt)}\r\n`;
    // workerd gives no client address; Cloudflare's edge adds this field.
    let remoteIp = "127.0.0.1";
    for (const [name, value] of request.headers) {
      // workerd joins a repeated field into one, "a, b": fields.mjs takes
      // apart what can be (docs/edge.md, "Repeated request fields").
      if (DROP_REQUEST_FIELDS.has(name)) continue;
      if (value.includes(", ")) for (const line of fieldLines(name, value)) head += `${name}: ${line}\r\n`;
      else head += `${name}: ${value}\r\n`;
      if (name === "cf-connecting-ip") remoteIp = value;
    }
    if (bodyLen || pending >= 0) head += `Content-Length: ${pending >= 0 ? pending : bodyLen}\r\n`;
    head += "\r\n";
    const p = this.#input(head.length + remoteIp.length + bodyLen);
    putLatin1(this.x.memory, p, head);
    putLatin1(this.x.memory, p + head.length, remoteIp);
    if (bodyLen) new Uint8Array(this.x.memory.buffer, p + head.length + remoteIp.length, bodyLen).set(body);
    const status = this.x.edge_handle(p, head.length, p + head.length + remoteIp.length, bodyLen,
                                      p + head.length, remoteIp.length, url.startsWith("https:") ? 1 : 0,
                                      pending >= 0 ? 1 : 0);
    // This request's exchange: its id in the core, and what the shim keeps
    // for it while it waits.
    const ex = { id: this.x.edge_exchange_id(), method: request.method, fetched: false, reader: null, fed: 0, done: false,
                 request: pending >= 0 ? request : null, pending, bodyRead: false };
    if (waiting(status)) return this.#wait(ex, status, body ?? new Uint8Array(0));
    return this.#finish(ex, status, true);
  }

  // Makes ex the core's current exchange again (after an await, another
  // request may have run in between).
  #enter(ex) {
    if (this.x.edge_select(ex.id) !== 0) throw new Error(`ifrit: exchange ${ex.id} is gone`);
  }

  // Ends ex in the core (access log, memory), once.
  // current: ex is the current exchange still (nothing ran since its last call).
  #release(ex, current = false) {
    if (ex.done) return;
    ex.done = true;
    ex.reader?.cancel().catch(() => {});
    ex.reader = null;
    if (current || this.x.edge_select(ex.id) === 0) this.x.edge_release();
    this.wasi.flush();
  }

  // The core waits for what only the host can do: a fetch, a timer, a
  // function, the next piece of an upstream's body. Once the answer's head
  // is decided and more than STREAM_FROM bytes of the upstream's body went
  // through, the rest streams (#stream) instead of being gathered.
  async #wait(ex, status, body) {
    try {
      while (waiting(status)) {
        this.wasi.flush();
        if (status === WAIT_FETCH) status = await this.#fetch(ex, body);
        else if (status === WAIT_TIMER) status = await this.#timer(ex);
        else if (status === WAIT_FUNCTION) status = await this.#function(ex);
        else if (status === WAIT_REQUEST_BODY) [status, body] = await this.#requestBody(ex);
        else if (ex.fed > STREAM_FROM && (this.#enter(ex), this.x.edge_resp_status() > 0)) return this.#stream(ex);
        else status = await this.#feed(ex);
      }
    } catch (err) {
      this.#release(ex);
      throw err;
    }
    return this.#finish(ex, status);
  }

  #finish(ex, status, current = false) {
    let entered = current;
    try {
      if (!entered) {
        this.#enter(ex);
        entered = true;
      }
      return status < 0 ? new Response(null, { status: 500 }) : this.#response(ex, status);
    } finally {
      this.#release(ex, entered);
    }
  }

  // A handler asks for the request body the shim kept: read it whole.
  async #requestBody(ex) {
    const body = new Uint8Array(await ex.request.arrayBuffer());
    ex.request = null;
    ex.bodyRead = true;
    this.#enter(ex);
    const p = this.#input(body.length);
    new Uint8Array(this.x.memory.buffer, p, body.length).set(body);
    return [this.x.edge_request_body(p, body.length), body];
  }

  // The body of a request that kept it goes to the upstream as a stream,
  // once (a retry after it went has none to send); FixedLengthStream keeps
  // its Content-Length.
  #bodyStream(ex) {
    const stream = ex.request?.body;
    ex.request = null;
    if (!stream) return null;
    return typeof FixedLengthStream === "function" ? stream.pipeThrough(new FixedLengthStream(ex.pending)) : stream;
  }

  // reverse_proxy's upstream request (src/edge/edge_proxy.h), through
  // fetch(). The answer's head goes to the core at once; its body follows
  // piece by piece as the core asks (#feed).
  async #fetch(ex, body) {
    this.#enter(ex);
    const ptr = this.x.edge_fetch_request();
    if (!ptr) return this.#fetchFailed("the upstream is not reachable from the edge");
    const items = readItems(new Uint8Array(this.x.memory.buffer, ptr, this.x.edge_fetch_request_len()));
    const [method, url] = items;
    const headers = new Headers();
    for (let i = 2; i + 1 < items.length; i += 2) headers.append(items[i], items[i + 1]);
    const withBody = this.x.edge_fetch_with_body() !== 0 && method !== "GET" && method !== "HEAD";
    ex.fetched = true;
    let send;
    if (withBody && ex.pending >= 0 && !ex.bodyRead) {
      send = this.#bodyStream(ex);
      if (!send) return this.#fetchFailed("the request body already went to an earlier upstream");
    } else if (withBody) send = body;
    let res;
    try {
      res = await fetch(url, { method, headers, body: send, redirect: "manual", duplex: "half" });
    } catch (err) {
      this.#enter(ex);
      return this.#fetchFailed(String(err?.message ?? err));
    }
    this.#enter(ex);
    // fetch() joined the upstream's repeated fields too (Set-Cookie apart).
    const fields = [];
    for (const [name, value] of res.headers) {
      if (value.includes(", ")) for (const line of fieldLines(name, value)) fields.push(name, line);
      else fields.push(name, value);
    }
    const encoded = writeItems(fields);
    // fetch() decodes a compressed body, so its Content-Length no longer counts it.
    const declared = res.headers.get("content-length");
    const length = declared !== null && !res.headers.has("content-encoding") ? Number(declared) : -1;
    ex.reader = res.body ? res.body.getReader() : null;
    const status = this.#withBytes([encoded], ([f]) => this.x.edge_fetch_head(res.status, f, encoded.length, length));
    if (status !== WAIT_BODY && ex.reader) {
      ex.reader.cancel().catch(() => {});
      ex.reader = null;
    }
    return status;
  }

  #fetchFailed(why) {
    const msg = latin1Bytes(why);
    return this.#withBytes([msg], ([m]) => this.x.edge_fetch_failed(m, msg.length));
  }

  // The next piece of the upstream's body into the core (its end, or that
  // it broke off).
  async #feed(ex) {
    let piece;
    try {
      piece = ex.reader ? await ex.reader.read() : { done: true };
    } catch {
      this.#enter(ex);
      ex.reader = null;
      return this.x.edge_fetch_body(0, 0, -1);
    }
    this.#enter(ex);
    if (piece.done) {
      ex.reader = null;
      return this.x.edge_fetch_body(0, 0, 1);
    }
    const bytes = piece.value;
    ex.fed += bytes.length;
    const p = this.#input(bytes.length);
    new Uint8Array(this.x.memory.buffer, p, bytes.length).set(bytes);
    return this.x.edge_fetch_body(p, bytes.length, 0);
  }

  // The body bytes the core made since last time (a copy), taken out of it.
  #take() {
    const at = this.x.edge_resp_body();
    const bytes = new Uint8Array(this.x.memory.buffer, at, this.x.edge_resp_body_len()).slice();
    this.x.edge_resp_drain();
    return bytes;
  }

  // The answer goes out while the upstream's body is still coming: each
  // read by the client feeds the core one more piece and passes on what
  // came out, so memory stays bounded by a piece or two whatever the size.
  // The exchange ends with the body (or when the client goes away).
  #stream(ex) {
    const status = this.x.edge_resp_status();
    const items = readItems(new Uint8Array(this.x.memory.buffer, this.x.edge_resp_fields(), this.x.edge_resp_fields_len()));
    const encoded = items.some((item, i) => i % 2 === 0 && item.toLowerCase() === "content-encoding");
    const length = this.x.edge_resp_length();
    const encodeBody = ex.fetched || this.x.edge_resp_host_encodes() ? "automatic" : "manual";
    const first = this.#take();
    let state = WAIT_BODY;
    const core = this;
    const source = new ReadableStream({
      start(controller) {
        if (first.length) controller.enqueue(first);
      },
      async pull(controller) {
        try {
          while (state === WAIT_BODY) {
            state = await core.#feed(ex);
            core.#enter(ex);   // others may have run since #feed returned
            if (core.x.edge_resp_aborted()) throw new Error("the answer broke off");
            const piece = core.#take();
            if (piece.length) {
              controller.enqueue(piece);
              if (state === WAIT_BODY) return;
            }
          }
          if (state < 0 || waiting(state)) throw new Error("the answer broke off");
          core.#release(ex);
          controller.close();
        } catch (err) {
          // A trap here reaches no fetch handler: the core is marked for
          // replacement instead (serve.mjs).
          if (err instanceof WebAssembly.RuntimeError) core.broken = true;
          try {
            core.#release(ex);
          } finally {
            controller.error(err);
          }
        }
      },
      cancel() {
        core.#release(ex);
      },
    });
    // workerd's FixedLengthStream keeps the Content-Length the core decided
    // (unless workerd is to compress the body, which changes its length).
    const body = length >= 0 && !encoded && typeof FixedLengthStream === "function"
      ? source.pipeThrough(new FixedLengthStream(length)) : source;
    return new Response(body, { status, headers: fieldsInit(items), encodeBody });
  }

  // A `wasm` function's run (src/edge/edge_function.h): path, timeout in
  // ms, memory_limit, the host calls' grants, argc, argv..., env...; stdin
  // apart. The guest runs on V8 here; while its host calls wait, other
  // requests run in the core, so ex is entered again before the answer.
  async #function(ex) {
    this.#enter(ex);
    const ptr = this.x.edge_fn_request();
    const items = ptr ? readItems(new Uint8Array(this.x.memory.buffer, ptr, this.x.edge_fn_request_len())) : [];
    const fn = this.modules.get(`${items[0]}\0${items[2]}`);
    let r = { how: TRAPPED, code: 0, stdout: new Uint8Array(0), stderr: new Uint8Array(0), detail: "no module to run" };
    if (fn) {
      let at = 3;
      const list = () => items.slice(at + 1, (at += 1 + Number(items[at])));
      const host = { perms: Number(items[at++]), namespace: items[at++], httpTimeoutMs: Number(items[at++]),
                     maxResponse: Number(items[at++]), i64: fn.i64 };
      host.readPrefixes = list();
      host.writePrefixes = list();
      host.allowHosts = list();
      const argc = Number(items[at]);
      const stdin = new Uint8Array(this.x.memory.buffer, this.x.edge_fn_stdin(), this.x.edge_fn_stdin_len()).slice();
      r = await runFunction(fn.module, {
        args: items.slice(at + 1, at + 1 + argc).map(latin1Bytes),
        env: items.slice(at + 1 + argc).map(latin1Bytes),
        stdin,
        timeoutMs: Number(items[1]),
        host,
      });
      this.#enter(ex);
    }
    const detail = new TextEncoder().encode(r.detail);
    return this.#withBytes([r.stdout, r.stderr, detail], ([o, e, d]) =>
      this.x.edge_fn_done(r.how, r.code, o, r.stdout.length, e, r.stderr.length, d, detail.length),
    );
  }

  async #timer(ex) {
    this.#enter(ex);
    await new Promise((resolve) => setTimeout(resolve, this.x.edge_timer_ms()));
    this.#enter(ex);
    return this.x.edge_timer_fire();
  }

  // Reads the last answer out of core memory (copied: edge_release frees it).
  #response(ex, status) {
    const method = ex.method;
    const mem = this.x.memory.buffer;
    const items = readItems(new Uint8Array(mem, this.x.edge_resp_fields(), this.x.edge_resp_fields_len()));
    const noBody = method === "HEAD" || NULL_BODY_STATUS.has(status);
    const fd = noBody ? -1 : this.x.edge_resp_file_fd();
    let body = null;
    if (fd >= 0) {
      const data = this.wasi.fileData(fd) ?? new Uint8Array(0);
      body = fileBody(data, this.x.edge_resp_file_offset(), this.x.edge_resp_file_len());
    } else if (!noBody) {
      const at = this.x.edge_resp_body();
      body = mem.slice(at, at + this.x.edge_resp_body_len());
    }
    // workerd compresses a body whose Content-Encoding it knows unless told
    // "manual": only when the core's gzip codec asked for it (edge_codec.c),
    // or for an upstream's answer, which fetch() decoded but still labels.
    const encodeBody = ex.fetched || this.x.edge_resp_host_encodes() ? "automatic" : "manual";
    return new Response(body, { status, headers: fieldsInit(items), encodeBody });
  }
}
