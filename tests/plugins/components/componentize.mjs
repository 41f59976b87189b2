// Builds a Dwaar plugin component from JavaScript with componentize-js
// (StarlingMonkey, a SpiderMonkey build for WebAssembly), with the WASI
// features it would otherwise import turned off; with `wasi` last, stdio
// and clocks stay on, so the component imports WASI preview2's cli, io,
// clocks and filesystem interfaces (which ifrit links to denying stubs).
//   node componentize.mjs NPM_DIR source.js world.wit out.wasm [wasi]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [npmDir, source, wit, out, wasi] = process.argv.slice(2);
const cjs = pathToFileURL(`${npmDir}/node_modules/@bytecodealliance/componentize-js/src/componentize.js`);
const { componentize } = await import(cjs.href);
const { component } = await componentize({
    sourcePath: source, witPath: wit, worldName: 'dwaar-plugin',
    disableFeatures: wasi === 'wasi' ? ['random', 'http', 'fetch-event']
                                     : ['stdio', 'random', 'clocks', 'http', 'fetch-event'],
});
writeFileSync(out, component);
