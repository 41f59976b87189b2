// The fetch handler around a core: one core per isolate, made by load() on
// the first request and reused. A trap inside the core (any exception out
// of it) answers 500 and drops the core, so the next request gets a fresh
// instance and the isolate keeps serving. The handler answers synchronously
// when the core does (EdgeCore.handle), so workerd has no promise to wait on.
export function createFetch(load) {
  let core = null;
  let loading = null;
  const fail = (err) => {
    console.error(`ifrit: ${err?.stack ?? err}; answering 500 and starting a fresh core`);
    core = null;
    return new Response(null, { status: 500, headers: { Server: "ifrit" } });
  };
  const run = (c, request) => {
    try {
      const answer = c.handle(request);
      return answer instanceof Promise ? answer.catch(fail) : answer;
    } catch (err) {
      return fail(err);
    }
  };
  return function fetch(request) {
    if (core?.broken) {
      console.error("ifrit: the core trapped while streaming a body; starting a fresh core");
      core = null;
    }
    if (core) return run(core, request);
    loading ??= load();
    return loading.then(
      (c) => {
        loading = null;
        return run((core = c), request);
      },
      (err) => {
        loading = null;
        return fail(err);
      },
    );
  };
}
