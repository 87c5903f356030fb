// credentials.mjs - the access keys the emulator accepts. test/test is always
// accepted (unless the list redefines "test"); more come from
// "AKID:SECRET[:SESSION_TOKEN],..." (--credentials or ES_EMULATOR_CREDENTIALS).
// A key listed with a session token only accepts requests that carry exactly
// that token; a key listed without one accepts any signed token (or none).

export const DEFAULT_CREDENTIALS = Object.freeze({ accessKeyId: "test", secretAccessKey: "test", sessionToken: "" });

export function parseCredentialList(text) {
    const map = new Map([[DEFAULT_CREDENTIALS.accessKeyId, DEFAULT_CREDENTIALS]]);
    for (const item of String(text || "").split(",")) {
        const entry = item.trim();
        if (!entry) continue;
        const first = entry.indexOf(":");
        if (first <= 0) throw new Error(`credentials: expected AKID:SECRET[:TOKEN], got "${entry}"`);
        const accessKeyId = entry.slice(0, first);
        const rest = entry.slice(first + 1);
        const second = rest.indexOf(":");
        const secretAccessKey = second < 0 ? rest : rest.slice(0, second);
        const sessionToken = second < 0 ? "" : rest.slice(second + 1);
        if (!secretAccessKey) throw new Error(`credentials: empty secret for "${accessKeyId}"`);
        map.set(accessKeyId, Object.freeze({ accessKeyId, secretAccessKey, sessionToken }));
    }
    return map;
}
