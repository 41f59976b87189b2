// Request fields the client sent more than once, taken apart again.
//
// workerd's Headers joins a field sent on several lines into one value,
// "first, second" (a comma and one space, the fetch standard's join). The
// core, like Caddy, sees each line on its own: a `header` matcher tests
// each, `{header.X}` joins them with ",", a json function gets one array
// item each. Only the join's seam can be undone, and a value the client
// wrote on one line with ", " in it looks exactly the same, so each field
// gets one reading (docs/edge.md, "Repeated request fields"):
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

// Registered request fields (RFC 9110, 9111, 9112, 6265, 6454, 7089,
// 7240, 8470, 9218, Fetch/CORS, client hints); any `sec-` field is
// registered too (browsers alone set them).
const KEEP_JOINED = new Set([
  "a-im", "accept", "accept-charset", "accept-datetime", "accept-encoding", "accept-language", "accept-patch",
  "accept-post", "accept-ranges", "access-control-request-headers", "access-control-request-method",
  "alt-used", "authorization", "cache-control", "cdn-loop", "content-disposition", "content-encoding",
  "content-language", "content-location", "content-md5", "content-range", "content-type", "date", "device-memory",
  "dnt", "downlink", "dpr", "early-data", "ect", "expect", "expires", "from", "http2-settings", "if-match",
  "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "link", "max-forwards",
  "origin", "pragma", "prefer", "priority", "proxy-authorization", "purpose", "range", "referer", "retry-after",
  "rtt", "save-data", "set-cookie", "te", "trailer", "upgrade", "upgrade-insecure-requests", "user-agent",
  "viewport-width", "warning", "width",
]);

const DAY_BEFORE = /(?:^|[^A-Za-z])(?:mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?$/i;

// The values a field's lines held, as far as the join can be undone:
// [value] when it is kept whole. name is lower-case (as Headers gives it).
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
