// hop_headers.mjs - the hop-by-hop header fields (RFC 9110 section 7.6.1, plus
// the legacy Keep-Alive and Proxy-Connection) that a proxy must not pass on.
// One list for both directions of the front: requests forwarded to fauxqs and
// responses re-sent to clients (whose framing the front sets itself).

export const HOP_BY_HOP = new Set([
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
]);

// A copy of headers (lower-case names) without the hop-by-hop fields.
export function withoutHopHeaders(headers) {
    const out = {};
    for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
    return out;
}
