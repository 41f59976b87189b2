// Wraps a core module into a component for a WIT world with jco's
// wasm-tools (componentEmbed + componentNew), as wit-bindgen users do with
// `wasm-tools component embed` and `component new`; with `adapter` last, a
// wasi-libc module's wasi_snapshot_preview1 imports go through jco's
// preview1 reactor adapter (`component new --adapt`).
//   node wrap.mjs NPM_DIR core.wasm world.wit out.wasm [adapter]
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [npmDir, core, wit, out, adapt] = process.argv.slice(2);
const tools = pathToFileURL(`${npmDir}/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js`);
const { componentEmbed, componentNew } = await import(tools.href);
const embedded = await componentEmbed({ binary: readFileSync(core), witSource: readFileSync(wit, 'utf8'),
                                        world: 'dwaar-plugin' });
const adapters = adapt === 'adapter'
    ? [['wasi_snapshot_preview1',
        readFileSync(`${npmDir}/node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.reactor.wasm`)]]
    : [];
writeFileSync(out, await componentNew(embedded, adapters));
