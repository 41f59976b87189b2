// The fetch handler around a core: one core per isolate, made by load() on
// the first request and reused. A trap inside the core (any exception out
// of it) answers 500 and drops the core, so the next request gets a fresh
// instance and the isolate keeps serving.
export function createFetch(load) {
  let core = null;
  return async function fetch(request) {
    try {
      core ??= await load();
      // workerd itself gives no client address; Cloudflare's edge adds this field.
      return await core.handle(request, request.headers.get("cf-connecting-ip") ?? "127.0.0.1");
    } catch (err) {
      console.error(`ifrit: ${err?.stack ?? err}; answering 500 and starting a fresh core`);
      core = null;
      return new Response(null, { status: 500, headers: { Server: "ifrit" } });
    }
  };
}
