// The workerd entry point of the edge bundle. The generated bundle.mjs
// (`ifrit edge config` writes it) holds the Caddyfile, the static assets and
// the function modules; ifrit.wasm is the core built by `make edge`.
// IfritKv is the Durable Object class of functions' KV (kv.mjs), bound as
// env.KV by the generated config.capnp.
import module from "./ifrit.wasm";
import * as bundle from "./bundle.mjs";
import { EdgeCore } from "./core.mjs";
import { bindKv } from "./hostapi.mjs";
import { IfritKv } from "./kv.mjs";
import { createFetch } from "./serve.mjs";

export { IfritKv };

const serve = createFetch(() => EdgeCore.create(module, bundle));

export default {
  fetch(request, env) {
    bindKv(env?.KV);
    return serve(request);
  },
};
