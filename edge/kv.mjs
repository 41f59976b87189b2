// Functions' KV at the edge (docs/edge.md, "Host calls at the edge"): one
// Durable Object per namespace (the function's module path, or its
// kv_namespace), declared in the config.capnp `ifrit edge config` writes
// and kept on its local disk. A Durable Object runs one call at a time
// and its storage calls inside one method are not interleaved with
// another's (workerd's input gate), so each get, set or lock is atomic and
// every call sees the writes before it: a counter kept under a lock is
// exact however many isolates ask.
//
// Storage keeps a value in pieces of CHUNK bytes (a Durable Object's value
// has a limit of its own, lower than ifrit's 1 MiB): "m:KEY" holds
// { n, exp } (pieces, expiry in ms since the epoch or 0), "c:KEY:i" piece
// i. Keys arrive as byte strings (one char per byte), so any bytes work.
// Locks are kept in the object's memory, as the native embedded store
// keeps them in the server's: a restart of workerd frees them, and any
// request may unlock a held one (as natively).
import { DurableObject } from "cloudflare:workers";

const CHUNK = 64 * 1024;
const MAX_LOCKS = 1 << 20;   // held at once per namespace, as natively per store

export class IfritKv extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.locks = new Map();   // key -> expiry in ms since the epoch (0: until unlocked)
  }

  async #meta(key) {
    const m = await this.ctx.storage.get(`m:${key}`);
    if (m && m.exp && m.exp <= Date.now()) {
      await this.#drop(key, m);
      return null;
    }
    return m ?? null;
  }

  async #drop(key, m) {
    const names = [`m:${key}`];
    for (let i = 0; i < m.n; i++) names.push(`c:${key}:${i}`);
    await this.ctx.storage.delete(names);
  }

  // The value (a Uint8Array), or null when absent or expired.
  async get(key) {
    const m = await this.#meta(key);
    if (!m) return null;
    const names = [];
    for (let i = 0; i < m.n; i++) names.push(`c:${key}:${i}`);
    const pieces = names.length ? await this.ctx.storage.get(names) : new Map();
    const value = new Uint8Array(m.len);
    let at = 0;
    for (const name of names) {
      const piece = pieces.get(name);
      value.set(piece, at);
      at += piece.length;
    }
    return value;
  }

  // ttlMs 0: kept until replaced or deleted.
  async set(key, value, ttlMs) {
    const old = await this.ctx.storage.get(`m:${key}`);
    if (old) await this.#drop(key, old);
    const entries = { [`m:${key}`]: { n: Math.ceil(value.length / CHUNK), len: value.length, exp: ttlMs > 0 ? Date.now() + ttlMs : 0 } };
    for (let i = 0, at = 0; at < value.length; i++, at += CHUNK) entries[`c:${key}:${i}`] = value.slice(at, at + CHUNK);
    await this.ctx.storage.put(entries);
  }

  // true when it was there.
  async delete(key) {
    const m = await this.#meta(key);
    if (m) await this.#drop(key, m);
    return m !== null;
  }

  #held(key, now) {
    const exp = this.locks.get(key);
    if (exp === undefined) return false;
    if (exp && exp <= now) {
      this.locks.delete(key);
      return false;
    }
    return true;
  }

  // Never waits: true when taken, false when held; throws (the caller
  // answers UNAVAILABLE) past MAX_LOCKS.
  lock(key, ttlMs) {
    const now = Date.now();
    if (this.#held(key, now)) return false;
    if (this.locks.size >= MAX_LOCKS) {
      for (const [k, exp] of this.locks) if (exp && exp <= now) this.locks.delete(k);
      if (this.locks.size >= MAX_LOCKS) throw new Error(`more than ${MAX_LOCKS} locks are held`);
    }
    this.locks.set(key, ttlMs > 0 ? now + ttlMs : 0);
    return true;
  }

  // true when it was held.
  unlock(key) {
    const held = this.#held(key, Date.now());
    this.locks.delete(key);
    return held;
  }
}
