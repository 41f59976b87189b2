// Reference runner: runs a WASI command module on node's WASI (preview1),
// with the same options as `ifrit wasm run`: --dir HOST[::GUEST] and
// --env K=V, then FILE.wasm ARGS... Exit status: the guest's, 134 on a trap.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const preopens = {}, env = {};
while (argv.length && argv[0].startsWith('--')) {
    const opt = argv.shift(), val = argv.shift();
    if (opt === '--dir') {
        const [host, guest] = val.split('::');
        preopens[guest ?? host] = host;
    } else if (opt === '--env') {
        const i = val.indexOf('=');
        env[val.slice(0, i)] = val.slice(i + 1);
    } else {
        console.error(`node-run: unknown option ${opt}`);
        process.exit(2);
    }
}
const file = argv[0];
const wasi = new WASI({ version: 'preview1', args: argv, env, preopens, returnOnExit: true });
try {
    const module = await WebAssembly.compile(await readFile(file));
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    process.exitCode = wasi.start(instance);
} catch (e) {
    console.error(`trap: ${e.message}`);
    process.exitCode = 134;
}
