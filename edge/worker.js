// The workerd entry point of the edge bundle. The generated bundle.mjs
// (edge/config.mjs writes it) holds the Caddyfile and the static assets;
// ifrit.wasm is the core built by `make edge`. One core per isolate,
// created on the first request and reused; a trap inside the core answers
// 500 and the next request gets a fresh instance, so the isolate keeps
// serving.
import module from "./ifrit.wasm";
import { caddyfile, assets } from "./bundle.mjs";
import { EdgeCore } from "./core.mjs";

let core = null;

export default {
  async fetch(request) {
    try {
      core ??= await EdgeCore.create(module, caddyfile, assets);
      // workerd itself gives no client address; Cloudflare's edge adds this field.
      return await core.handle(request, request.headers.get("cf-connecting-ip") ?? "127.0.0.1");
    } catch (err) {
      console.error(`ifrit: ${err?.stack ?? err}; answering 500 and starting a fresh core`);
      core = null;
      return new Response(null, { status: 500, headers: { Server: "ifrit" } });
    }
  },
};
