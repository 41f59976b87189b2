// The workerd entry point of the edge bundle. The generated bundle.mjs
// (`ifrit edge config` writes it) holds the Caddyfile, the static assets and
// the function modules; ifrit.wasm is the core built by `make edge`.
import module from "./ifrit.wasm";
import * as bundle from "./bundle.mjs";
import { EdgeCore } from "./core.mjs";
import { createFetch } from "./serve.mjs";

export default { fetch: createFetch(() => EdgeCore.create(module, bundle)) };
