// url.mjs - raw request-target helpers. Paths are kept exactly as the client
// sent them (no dot-segment or slash normalisation); query strings are split
// on "&" and decoded with decodeURIComponent ("+" stays a plus, as SigV4 wants).

export function splitTarget(target) {
    const q = target.indexOf("?");
    return q < 0 ? { rawPath: target, rawQuery: "" } : { rawPath: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

export function decodeComponent(text) {
    try {
        return decodeURIComponent(text);
    } catch {
        return null;
    }
}

// Returns { params, ok }: params maps each name to a string, or to an array of
// strings when the name repeats. ok=false when some part was badly %-encoded.
export function parseQuery(rawQuery) {
    const params = Object.create(null);
    let ok = true;
    if (!rawQuery) return { params, ok };
    for (const part of rawQuery.split("&")) {
        if (part === "") continue;
        const eq = part.indexOf("=");
        const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
        const value = decodeComponent(eq < 0 ? "" : part.slice(eq + 1));
        if (name === null || value === null) {
            ok = false;
            continue;
        }
        const prev = params[name];
        if (prev === undefined) params[name] = value;
        else if (Array.isArray(prev)) prev.push(value);
        else params[name] = [prev, value];
    }
    return { params, ok };
}

export function firstParam(params, name) {
    const v = params[name];
    return Array.isArray(v) ? v[0] : v;
}
