// Fields sent on several lines (by the client, or by an upstream in its
// answer to fetch()), taken apart again.
//
// workerd's Headers joins a field sent on several lines into one value,
// "first, second" (a comma and one space, the fetch standard's join). The
// core, like Caddy, sees each line on its own: a `header` matcher tests
// each, `{header.X}` and `{rp.header.X}` join them with ",", a json
// function gets one array item each. Only the join's seam can be undone,
// and a value written on one line with ", " in it looks exactly the same,
// so each field gets one reading (docs/edge.md, "Repeated request fields"):
//
// - split at every ", " outside a quoted string, a (comment) and JSON's
//   {} and [], and not after a day name before a digit (an HTTP date,
//   "Mon, 07 Dec 2026"):
//   the forwarding fields proxies add a line to, and every field not
//   registered below (extension fields: X-Token, X-Request-Id, Api-Key...,
//   which carry tokens, ids and addresses, and are the ones repeated);
// - Cookie: split at ", " (a cookie-pair holds no comma or space, RFC 6265);
// - kept as one value: the registered fields. Clients write their lists on
//   one line (every browser sends `Accept-Encoding: gzip, deflate, br`),
//   the core reads some of them from the first line only (Accept in
//   browse, If-None-Match, Range), and others hold ", " that is no
//   separator (dates, User-Agent comments, Authorization's parameters).

const SPLIT_LISTS = new Set(["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "via"]);

// Registered fields, of requests and of answers (RFC 9110, 9111, 9112,
// 6265, 6454, 6797, 7089, 7240, 7838, 8470, 9209, 9211, 9218, 9530,
// Fetch/CORS, CSP, client hints); any `sec-` field is registered too
// (browsers alone set them).
const KEEP_JOINED = new Set([
  "a-im", "accept", "accept-ch", "accept-charset", "accept-datetime", "accept-encoding", "accept-language",
  "accept-patch", "accept-post", "accept-ranges", "access-control-allow-credentials",
  "access-control-allow-headers", "access-control-allow-methods", "access-control-allow-origin",
  "access-control-expose-headers", "access-control-max-age", "access-control-request-headers",
  "access-control-request-method", "age", "allow", "alt-svc", "alt-used", "authorization", "cache-control",
  "cache-status", "cdn-loop", "clear-site-data", "content-digest", "content-disposition", "content-encoding",
  "content-language", "content-location", "content-md5", "content-range", "content-security-policy",
  "content-security-policy-report-only", "content-type", "critical-ch", "cross-origin-embedder-policy",
  "cross-origin-opener-policy", "cross-origin-resource-policy", "date", "device-memory", "digest", "dnt",
  "downlink", "dpr", "early-data", "ect", "etag", "expect", "expires", "from", "http2-settings", "if-match",
  "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "link", "location",
  "max-forwards", "nel", "origin", "origin-agent-cluster", "permissions-policy", "pragma", "prefer",
  "preference-applied", "priority", "proxy-authenticate", "proxy-authorization", "proxy-status", "purpose", "range",
  "referer", "referrer-policy", "refresh", "report-to", "reporting-endpoints", "repr-digest", "retry-after", "rtt",
  "save-data", "server", "server-timing", "set-cookie", "strict-transport-security", "te", "timing-allow-origin",
  "trailer", "upgrade", "upgrade-insecure-requests", "user-agent", "vary", "viewport-width",
  "want-content-digest", "warning", "width", "www-authenticate",
]);

const DAY_BEFORE = /(?:^|[^A-Za-z])(?:mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?$/i;

// The values a field's lines held, as far as the join can be undone:
// [value] when it is kept whole. name is lower-case (as Headers gives it).
// The same reading serves a request's fields and an upstream's answer's.
export function fieldLines(name, value) {
  if (!value.includes(", ")) return [value];
  if (name === "cookie") return value.split(", ");
  if (!SPLIT_LISTS.has(name) && (KEEP_JOINED.has(name) || name.startsWith("sec-"))) return [value];
  return splitAtSeams(value);
}

// Cuts value at each ", " that is outside a quoted string (backslash
// escapes honoured), a parenthesised comment, and JSON's braces and
// brackets (a JSON value in an extension field), and is not the comma of a
// date's day name.
function splitAtSeams(value) {
  const parts = [];
  let from = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "(" || c === "{" || c === "[") depth++;
    else if ((c === ")" || c === "}" || c === "]") && depth > 0) depth--;
    else if (c === "," && depth === 0 && value[i + 1] === " ") {
      const before = value.substring(from, i);
      if (DAY_BEFORE.test(before) && /[0-9]/.test(value[i + 2] ?? "")) continue;
      parts.push(before);
      from = i + 2;
      i++;
    }
  }
  parts.push(value.substring(from));
  return parts;
}
