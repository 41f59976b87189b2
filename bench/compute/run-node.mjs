// Runs a WASI command module on node's V8 through node:wasi, the way
// `ifrit wasm run FILE ARGS...` does, and exits with the guest's status.
//   node --no-warnings bench/compute/run-node.mjs FILE.wasm [ARGS...]
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { basename } from 'node:path';

const [file, ...args] = process.argv.slice(2);
if (!file) {
    console.error('usage: run-node.mjs FILE.wasm [ARGS...]');
    process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [basename(file), ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
