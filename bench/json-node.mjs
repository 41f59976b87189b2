// Peer for the json section: V8's JSON.parse on the same files, parsed
// repeatedly for about a second each; prints lines in bench_json's format:
//   json <file> <bytes> <MB/s>
//   node --no-warnings bench/json-node.mjs FILE...
import { readFileSync } from 'node:fs';

const seconds = Number(process.env.BENCH_JSON_SECONDS || 1);
for (const file of process.argv.slice(2)) {
    // Parsed from a string, as a JavaScript host would receive it; the
    // UTF-8 decoding is done once, outside the timed loop.
    const text = readFileSync(file, 'utf8');
    const bytes = Buffer.byteLength(text);
    let rounds = 0, keep = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
        keep += JSON.parse(text).commands.length;
        rounds++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < seconds);
    if (keep < 0) console.log(keep); // keeps the parse observable
    console.log(`json ${file} ${bytes} ${(bytes * rounds / elapsed / 1e6).toFixed(1)}`);
}
