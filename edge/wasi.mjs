// WASI preview1 for the edge, written for the shim: the core (ifrit.wasm)
// reads the Caddyfile's static files through wasi-libc, so this gives it a
// read-only file tree built from the assets embedded in the bundle, stdout
// and stderr to the console, clocks and random. A `wasm` function's guest
// (function.mjs) gets it without files: stdin from bytes, stdout and
// stderr collected, args and env. Nothing here touches the host: workerd
// has no file system to offer.
//
// Layouts and numbers are those of the wasi_snapshot_preview1 ABI
// (filestat 64 bytes, fdstat 24, dirent 24 + name, little-endian).

const E = { SUCCESS: 0, ACCES: 2, BADF: 8, INVAL: 28, ISDIR: 31, NOENT: 44, NOSYS: 52, NOTDIR: 54, ROFS: 69 };
const FILETYPE = { CHAR: 2, DIR: 3, FILE: 4 };
const OFLAG = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 };
const RIGHT_FD_WRITE = 1n << 6n;
const ALL_RIGHTS = (1n << 30n) - 1n;

// Thrown by proc_exit so the caller can tell an exit from a trap.
export class WasiExit extends Error {
  constructor(code) {
    super(`wasi exit ${code}`);
    this.code = code;
  }
}

// Thrown out of a WASI call made after the guest's deadline: it unwinds the
// guest, which JavaScript cannot otherwise interrupt (edge/function.mjs).
export class WasiDeadline extends Error {
  constructor() {
    super("the function's timeout passed");
  }
}

// A tree of { dir: Map } and { data: Uint8Array, mtimeNs: bigint } nodes
// from [absolutePath, bytes, mtimeNs] triples.
export function buildTree(files) {
  let ino = 1n;
  const root = { dir: new Map(), ino: ino++, mtimeNs: 0n };
  for (const [path, bytes, mtimeNs] of files) {
    const parts = path.split("/").filter(Boolean);
    let node = root;
    for (const name of parts.slice(0, -1)) {
      if (!node.dir.has(name)) node.dir.set(name, { dir: new Map(), ino: ino++, mtimeNs: 0n });
      node = node.dir.get(name);
    }
    node.dir.set(parts.at(-1), { data: new Uint8Array(bytes), ino: ino++, mtimeNs: BigInt(mtimeNs ?? 0) });
  }
  return root;
}

// A NUL-terminated copy of a string (UTF-8) or of bytes as they are.
function cString(s) {
  const bytes = typeof s === "string" ? new TextEncoder().encode(s) : s;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

export class Wasi {
  // tree: buildTree's result, preopened as "/", or null for no files.
  // args/env: lists of strings or byte arrays. stdin: bytes. capture: keep
  // stdout and stderr as bytes (output()) instead of console lines.
  // deadline: a Date.now() time after which every WASI call throws
  // WasiDeadline (a function's timeout); 0: none.
  constructor({ tree = buildTree([]), args = [], env = [], stdin = new Uint8Array(0), capture = false, stdout, stderr,
                deadline = 0 } = {}) {
    this.tree = tree;
    this.args = args;
    this.env = env;
    this.stdin = stdin;
    this.stdinPos = 0;
    this.captured = capture ? { 1: [], 2: [] } : null;
    this.out = { 1: stdout ?? ((s) => console.log(s)), 2: stderr ?? ((s) => console.error(s)) };
    this.pending = { 1: "", 2: "" };
    this.fds = new Map(tree ? [[3, { node: tree, pos: 0, preopen: "/" }]] : []);
    this.nextFd = 4;
    this.memory = null;
    // Time the guest asked to sleep (poll_oneoff): it passes at once, on
    // the guest's clocks only (a Worker cannot block).
    this.slept = 0n;
    this.sleptMs = 0;
    const calls = this.#calls();
    const late = () => Date.now() + this.sleptMs > deadline;
    this.imports = {
      wasi_snapshot_preview1: new Proxy(calls, {
        get: (t, name) => {
          const call = t[name] ?? (() => E.NOSYS);
          return deadline ? (...args) => { if (late()) throw new WasiDeadline(); return call(...args); } : call;
        },
      }),
    };
  }

  // The bytes of the embedded file open as fd (an asset), or null.
  fileData(fd) {
    return this.fds.get(fd)?.node?.data ?? null;
  }

  // The instance's memory; call before running any export.
  bind(instance) {
    this.memory = instance.exports.memory;
  }

  // Everything captured on fd 1 or 2, as one byte array.
  output(fd) {
    const chunks = this.captured[fd];
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  // Flushes partial console lines (a guest that ends without a newline).
  flush() {
    for (const fd of [1, 2]) {
      if (this.pending[fd]) this.out[fd](this.pending[fd]);
      this.pending[fd] = "";
    }
  }

  #view() {
    return new DataView(this.memory.buffer);
  }
  #bytes(ptr, len) {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }
  #string(ptr, len) {
    return new TextDecoder().decode(this.#bytes(ptr, len));
  }

  // Resolves path (relative to the directory of fd) to a node, or an errno.
  #lookup(fd, path) {
    const base = this.fds.get(fd);
    if (!base || !base.node.dir) return E.BADF;
    const stack = [base.node];
    for (const part of path.split("/")) {
      if (part === "" || part === ".") continue;
      const top = stack.at(-1);
      if (!top.dir) return E.NOTDIR;
      if (part === "..") {
        if (stack.length > 1) stack.pop(); // never above the preopen
        continue;
      }
      const next = top.dir.get(part);
      if (!next) return E.NOENT;
      stack.push(next);
    }
    return stack.at(-1);
  }

  #writeFilestat(ptr, node) {
    const v = this.#view();
    new Uint8Array(this.memory.buffer, ptr, 64).fill(0);
    v.setBigUint64(ptr + 8, node.ino, true);
    v.setUint8(ptr + 16, node.dir ? FILETYPE.DIR : FILETYPE.FILE);
    v.setBigUint64(ptr + 24, 1n, true);
    v.setBigUint64(ptr + 32, BigInt(node.dir ? 0 : node.data.length), true);
    for (const off of [40, 48, 56]) v.setBigUint64(ptr + off, node.mtimeNs, true);
  }

  // Scatters bytes into an iovec list; returns how many were copied.
  #scatter(iovs, iovsLen, src) {
    const v = this.#view();
    let done = 0;
    for (let i = 0; i < iovsLen && done < src.length; i++) {
      const buf = v.getUint32(iovs + i * 8, true);
      const len = v.getUint32(iovs + i * 8 + 4, true);
      const chunk = src.subarray(done, done + len);
      this.#bytes(buf, chunk.length).set(chunk);
      done += chunk.length;
    }
    return done;
  }

  #calls() {
    const strings = (list) => list.map(cString);
    const sizes = (list) => (countPtr, sizePtr) => {
      const enc = strings(list);
      const v = this.#view();
      v.setUint32(countPtr, enc.length, true);
      v.setUint32(sizePtr, enc.reduce((n, b) => n + b.length, 0), true);
      return E.SUCCESS;
    };
    const fill = (list) => (ptrs, buf) => {
      const v = this.#view();
      for (const [i, b] of strings(list).entries()) {
        v.setUint32(ptrs + i * 4, buf, true);
        this.#bytes(buf, b.length).set(b);
        buf += b.length;
      }
      return E.SUCCESS;
    };
    const file = (fd) => this.fds.get(fd);

    const calls = {
      args_sizes_get: sizes(this.args),
      args_get: fill(this.args),
      environ_sizes_get: sizes(this.env),
      environ_get: fill(this.env),
      poll_oneoff: (inPtr, outPtr, nsubs, neventsPtr) => this.#poll(inPtr, outPtr, nsubs, neventsPtr),
      clock_res_get: (_id, ptr) => (this.#view().setBigUint64(ptr, 1000n, true), E.SUCCESS),
      clock_time_get: (id, _precision, ptr) => {
        // Workers coarsen both clocks on purpose; realtime is what they give.
        const ns = id === 0 ? BigInt(Date.now()) * 1000000n : BigInt(Math.round(performance.now() * 1e6));
        this.#view().setBigUint64(ptr, ns + this.slept, true);
        return E.SUCCESS;
      },
      random_get: (ptr, len) => {
        for (let off = 0; off < len; off += 65536)
          crypto.getRandomValues(this.#bytes(ptr + off, Math.min(65536, len - off)));
        return E.SUCCESS;
      },
      sched_yield: () => E.SUCCESS,
      proc_exit: (code) => {
        throw new WasiExit(code);
      },
      fd_write: (fd, iovs, iovsLen, nPtr) => {
        if (fd !== 1 && fd !== 2) return file(fd) ? E.ROFS : E.BADF;
        const v = this.#view();
        let n = 0;
        for (let i = 0; i < iovsLen; i++) {
          const buf = v.getUint32(iovs + i * 8, true);
          const len = v.getUint32(iovs + i * 8 + 4, true);
          if (this.captured) this.captured[fd].push(this.#bytes(buf, len).slice());
          else this.pending[fd] += this.#string(buf, len);
          n += len;
        }
        const lines = this.pending[fd].split("\n");
        this.pending[fd] = lines.pop();
        for (const line of lines) this.out[fd](line);
        v.setUint32(nPtr, n, true);
        return E.SUCCESS;
      },
      fd_read: (fd, iovs, iovsLen, nPtr) => {
        const f = file(fd);
        if (fd === 0) {
          const n = this.#scatter(iovs, iovsLen, this.stdin.subarray(this.stdinPos));
          this.stdinPos += n;
          this.#view().setUint32(nPtr, n, true);
          return E.SUCCESS;
        }
        if (!f) return E.BADF;
        if (f.node.dir) return E.ISDIR;
        const n = this.#scatter(iovs, iovsLen, f.node.data.subarray(f.pos));
        f.pos += n;
        this.#view().setUint32(nPtr, n, true);
        return E.SUCCESS;
      },
      fd_pread: (fd, iovs, iovsLen, offset, nPtr) => {
        const f = file(fd);
        if (!f) return E.BADF;
        if (f.node.dir) return E.ISDIR;
        const n = this.#scatter(iovs, iovsLen, f.node.data.subarray(Number(offset)));
        this.#view().setUint32(nPtr, n, true);
        return E.SUCCESS;
      },
      fd_seek: (fd, offset, whence, ptr) => {
        const f = file(fd);
        if (!f || f.node.dir) return E.BADF;
        const base = [0, f.pos, f.node.data.length][whence];
        const pos = base === undefined ? -1 : base + Number(offset);
        if (pos < 0) return E.INVAL;
        f.pos = pos;
        this.#view().setBigUint64(ptr, BigInt(pos), true);
        return E.SUCCESS;
      },
      fd_close: (fd) => {
        if (!file(fd) || file(fd).preopen) return E.BADF;
        this.fds.delete(fd);
        return E.SUCCESS;
      },
      fd_fdstat_get: (fd, ptr) => {
        const f = file(fd);
        if (!f && fd > 2) return E.BADF;
        const v = this.#view();
        v.setUint8(ptr, !f ? FILETYPE.CHAR : f.node.dir ? FILETYPE.DIR : FILETYPE.FILE);
        v.setUint16(ptr + 2, 0, true);
        v.setBigUint64(ptr + 8, ALL_RIGHTS & ~(f ? RIGHT_FD_WRITE : 0n), true);
        v.setBigUint64(ptr + 16, ALL_RIGHTS & ~RIGHT_FD_WRITE, true);
        return E.SUCCESS;
      },
      fd_filestat_get: (fd, ptr) => {
        const f = file(fd);
        if (!f) return E.BADF;
        this.#writeFilestat(ptr, f.node);
        return E.SUCCESS;
      },
      fd_prestat_get: (fd, ptr) => {
        const f = file(fd);
        if (!f || !f.preopen) return E.BADF;
        const v = this.#view();
        v.setUint8(ptr, 0);
        v.setUint32(ptr + 4, new TextEncoder().encode(f.preopen).length, true);
        return E.SUCCESS;
      },
      fd_prestat_dir_name: (fd, ptr, len) => {
        const f = file(fd);
        if (!f || !f.preopen) return E.BADF;
        this.#bytes(ptr, len).set(new TextEncoder().encode(f.preopen).subarray(0, len));
        return E.SUCCESS;
      },
      fd_readdir: (fd, buf, bufLen, cookie, usedPtr) => {
        const f = file(fd);
        if (!f) return E.BADF;
        if (!f.node.dir) return E.NOTDIR;
        const v = this.#view();
        const names = [".", "..", ...f.node.dir.keys()];
        let used = 0;
        for (let i = Number(cookie); i < names.length && used < bufLen; i++) {
          const child = i < 2 ? f.node : f.node.dir.get(names[i]);
          const name = new TextEncoder().encode(names[i]);
          const ent = new Uint8Array(24 + name.length);
          const ev = new DataView(ent.buffer);
          ev.setBigUint64(0, BigInt(i + 1), true);
          ev.setBigUint64(8, child.ino, true);
          ev.setUint32(16, name.length, true);
          ev.setUint8(20, child.dir ? FILETYPE.DIR : FILETYPE.FILE);
          ent.set(name, 24);
          // A truncated last entry tells wasi-libc to ask again with a larger buffer.
          const n = Math.min(ent.length, bufLen - used);
          this.#bytes(buf + used, n).set(ent.subarray(0, n));
          used += n;
        }
        v.setUint32(usedPtr, used, true);
        return E.SUCCESS;
      },
      path_filestat_get: (fd, _flags, pathPtr, pathLen, ptr) => {
        const node = this.#lookup(fd, this.#string(pathPtr, pathLen));
        if (typeof node === "number") return node;
        this.#writeFilestat(ptr, node);
        return E.SUCCESS;
      },
      path_readlink: (fd, pathPtr, pathLen) => {
        const node = this.#lookup(fd, this.#string(pathPtr, pathLen));
        return typeof node === "number" ? node : E.INVAL; // there are no symlinks
      },
      path_open: (fd, _dirflags, pathPtr, pathLen, oflags, rights, _inheriting, _fdflags, fdPtr) => {
        if (oflags & (OFLAG.CREAT | OFLAG.TRUNC) || rights & RIGHT_FD_WRITE) return E.ROFS;
        const node = this.#lookup(fd, this.#string(pathPtr, pathLen));
        if (typeof node === "number") return node;
        if (oflags & OFLAG.DIRECTORY && !node.dir) return E.NOTDIR;
        const newFd = this.nextFd++;
        this.fds.set(newFd, { node, pos: 0 });
        this.#view().setUint32(fdPtr, newFd, true);
        return E.SUCCESS;
      },
    };
    // Everything else (sockets, writes to the tree, polling files) is not
    // there: the constructor answers ENOSYS for it.
    return calls;
  }

  // poll_oneoff for clock subscriptions only (a guest's sleep): the
  // earliest one fires at once and its wait is added to this.slept, so
  // the guest's clocks and a function's deadline see it pass.
  #poll(inPtr, outPtr, nsubs, neventsPtr) {
    const v = this.#view();
    const SUB = 48;
    const EVENT = 32;
    let wait = -1n;
    const waits = [];
    for (let i = 0; i < nsubs; i++) {
      const at = inPtr + i * SUB;
      if (v.getUint8(at + 8) !== 0) return E.NOSYS; // fd readiness: no
      const clock = v.getUint32(at + 16, true);
      const timeout = v.getBigUint64(at + 24, true);
      const abs = (v.getUint16(at + 40, true) & 1) !== 0;
      const now = (clock === 0 ? BigInt(Date.now()) * 1000000n : BigInt(Math.round(performance.now() * 1e6))) + this.slept;
      const w = abs ? (timeout > now ? timeout - now : 0n) : timeout;
      waits.push(w);
      if (wait < 0n || w < wait) wait = w;
    }
    if (wait < 0n) return E.INVAL;
    this.slept += wait;
    this.sleptMs += Number(wait / 1000000n);
    let n = 0;
    for (let i = 0; i < nsubs; i++) {
      if (waits[i] !== wait) continue;
      const ev = outPtr + n++ * EVENT;
      v.setBigUint64(ev, v.getBigUint64(inPtr + i * SUB, true), true);
      v.setUint16(ev + 8, E.SUCCESS, true);
      v.setUint8(ev + 10, 0);
    }
    v.setUint32(neventsPtr, n, true);
    return E.SUCCESS;
  }
}
