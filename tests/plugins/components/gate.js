// The gate plugin of gate.c in JavaScript (componentize-js), for
// dwaar.wit: the same decisions (but for gate.c's /trap and /spin), so the
// same requests get the same actions.
import { getRequestHeader, listRequestHeaderNames } from 'dwaar:plugin/host@0.1.0';

export function onRequest(req) {
    if (req.path.startsWith('/deny')) return 'respond';
    const action = getRequestHeader('x-action');
    if (action === 'skip') return 'skip';
    if (action === 'respond') return 'respond';
    if (listRequestHeaderNames().includes('x-block')) return 'respond';
    if (req.method === 'POST' && !req.isTls) return 'respond';
    return 'continue';
}

export function onResponse(resp) {
    return resp.status === 418 ? 'skip' : 'continue';
}

export function onBody(eos) {
    return 'continue';
}
