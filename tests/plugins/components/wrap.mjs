// Wraps a core module into a component for a WIT world with jco's
// wasm-tools (componentEmbed + componentNew), as wit-bindgen users do with
// `wasm-tools component embed` and `component new`.
//   node wrap.mjs NPM_DIR core.wasm world.wit out.wasm
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [npmDir, core, wit, out] = process.argv.slice(2);
const tools = pathToFileURL(`${npmDir}/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js`);
const { componentEmbed, componentNew } = await import(tools.href);
const embedded = await componentEmbed({ binary: readFileSync(core), witSource: readFileSync(wit, 'utf8'),
                                        world: 'dwaar-plugin' });
writeFileSync(out, await componentNew(embedded, []));
