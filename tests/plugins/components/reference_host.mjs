// The reference host: runs a Dwaar plugin component under node through
// `jco transpile` (the bytecodealliance's own JavaScript host of the
// component model) and prints the action on-request gives each request.
//   node reference_host.mjs NPM_DIR COMPONENT REQUESTS_JSON
// REQUESTS_JSON: [{ "method", "path", "tls", "ip", "headers": [[name, value], ...] }, ...]
// Prints a JSON array of the actions ("continue", "respond", "skip").
// A component whose request-info has `headers` (the earlier shape of the
// world) gets them in the record; the host interface serves them too.
// WASI preview2 imports (a componentize-js build with stdio and clocks on)
// get preview2-shim's node implementations, by their names without version.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmDir, component, requestsFile] = process.argv.slice(2);
const requests = JSON.parse(readFileSync(requestsFile, 'utf8'));
const out = mkdtempSync(join(tmpdir(), 'ifrit-jco-'));
try {
    execFileSync(join(npmDir, 'node_modules/.bin/jco'),
                 ['transpile', component, '-o', out, '--name', 'plugin', '--instantiation', 'async', '--quiet']);
    const { instantiate } = await import(pathToFileURL(join(out, 'plugin.js')).href);
    const getCoreModule = (name) => WebAssembly.compile(readFileSync(join(out, name)));
    const shim = await import(pathToFileURL(join(npmDir, 'node_modules/@bytecodealliance/preview2-shim/lib/nodejs/index.js')).href);
    const wasi = {};
    for (const [pkg, ifaces] of Object.entries(shim))
        for (const [name, impl] of Object.entries(ifaces))
            wasi[`wasi:${pkg}/${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`] = impl;
    const actions = [];
    for (const req of requests) {
        const headers = req.headers.map(([name, value]) => [name.toLowerCase(), value]);
        const find = (name) => {
            const h = headers.find(([n]) => n === name.toLowerCase());
            return h ? h[1] : undefined;
        };
        const host = {
            getRequestHeader: find,
            listRequestHeaderNames: () => headers.map(([n]) => n),
            getResponseHeader: () => undefined,
            listResponseHeaderNames: () => [],
        };
        // a fresh instance per call, as ifrit and Dwaar do
        // jco names the import with or without its version, depending on the component
        const plugin = await instantiate(getCoreModule,
                                         { ...wasi, 'dwaar:plugin/host@0.1.0': host, 'dwaar:plugin/host': host });
        actions.push(plugin.onRequest({
            method: req.method, path: req.path, isTls: req.tls, clientIp: req.ip,
            headers: headers.map(([name, value]) => ({ name, value })),
        }));
    }
    process.stdout.write(JSON.stringify(actions) + '\n');
} finally {
    rmSync(out, { recursive: true, force: true });
}
