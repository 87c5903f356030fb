// sigv4.mjs - strict AWS Signature Version 4 verification of one received
// request, header-signed or presigned (query). The decision is made by AWS's
// own @smithy/signature-v4 code: it builds the canonical request (method, the
// path - for S3 the key as S3 reads it, decoded and encoded again, never
// normalised; other services get SigV4's normal path normalisation -, query,
// the signed headers only, and the payload hash), derives the signing key and
// computes the signature with the known secret; we compare. S3 also needs
// x-amz-content-sha256 and, unless it is UNSIGNED-PAYLOAD /
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, it must equal the SHA-256 of the body
// received. Chunk-signed streaming uploads are refused.
// Returns { ok: true, accessKeyId, kind } or { ok: false, reason, details }
// (authError() below turns a failure into the service's error).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { SignatureV4, getCanonicalHeaders, ALGORITHM_IDENTIFIER, MAX_PRESIGNED_TTL } from "@smithy/signature-v4";
import { apiError } from "./errors.mjs";
import { firstParam, decodeComponent } from "./url.mjs";

export const MAX_SKEW_MS = 15 * 60 * 1000;
const UNSIGNED = "UNSIGNED-PAYLOAD";
const UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

// S3's canonical URI: S3 decodes the path it receives and signs its own
// UriEncode of it (every byte but A-Z a-z 0-9 - . _ ~ and "/" as %XX with
// upper-case hex), so a client must sign that spelling whatever it sent: one
// that leaves "(" or "+" raw in the URL and signs them raw, or signs "%24" for
// a "$" it sent raw, is refused as on AWS. A path that does not decode (bad
// %-escapes, not UTF-8) is taken as sent.
export function s3CanonicalPath(rawPath) {
    const decoded = decodeComponent(rawPath);
    if (decoded === null) return rawPath;
    let out = "";
    for (const byte of Buffer.from(decoded, "utf8")) {
        const c = String.fromCharCode(byte);
        out += /[A-Za-z0-9\-._~/]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    return out;
}

// The hash constructor @smithy/signature-v4 expects (SHA-256, or HMAC-SHA256 with a key).
class Sha256 {
    constructor(secret) {
        this.h = secret === undefined ? createHash("sha256")
            : createHmac("sha256", typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret));
    }
    update(data) {
        this.h.update(typeof data === "string" ? Buffer.from(data, "utf8") : data);
    }
    async digest() {
        return new Uint8Array(this.h.digest());
    }
}

export function sha256Hex(body) {
    return createHash("sha256").update(body).digest("hex");
}

function fail(reason, details = {}) {
    return { ok: false, reason, details };
}

// "20240102T030405Z" -> ms since the epoch, or NaN.
export function parseAmzDate(text) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(text || ""));
    if (!m) return NaN;
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    const d = new Date(ms);
    return d.getUTCDate() === +m[3] && d.getUTCHours() === +m[4] ? ms : NaN;
}

export function formatAmzDate(ms) {
    return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function parseAuthorizationHeader(value) {
    const space = value.indexOf(" ");
    const algorithm = space < 0 ? value : value.slice(0, space);
    const fields = {};
    for (const part of (space < 0 ? "" : value.slice(space + 1)).split(",")) {
        const item = part.trim();
        const eq = item.indexOf("=");
        if (eq > 0) fields[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
    }
    return { algorithm, credential: fields.Credential, signedHeaders: fields.SignedHeaders, signature: fields.Signature };
}

function sameHex(a, b) {
    const x = Buffer.from(String(a));
    const y = Buffer.from(String(b));
    return x.length === y.length && timingSafeEqual(x, y);
}

// Headers the client signed, with the values received (repeated headers joined by ",").
function signedHeaderValues(names, headersDistinct) {
    const out = {};
    for (const name of names) {
        const values = headersDistinct[name];
        if (values !== undefined) out[name] = values.join(",");
    }
    return out;
}

// The credentials presented: header or query form, parsed and checked up to
// (not including) the signature itself.
function readAuth(req, isS3) {
    const auth = req.headers.authorization;
    const queryAlg = firstParam(req.query, "X-Amz-Algorithm");
    if (auth !== undefined && queryAlg !== undefined) return fail("malformed", { why: "only one auth mechanism allowed (Authorization header and X-Amz-Algorithm)" });
    if (auth !== undefined) {
        const a = parseAuthorizationHeader(String(auth));
        if (a.algorithm !== ALGORITHM_IDENTIFIER) return fail("unsupported-algorithm", { algorithm: a.algorithm });
        if (!a.credential || !a.signedHeaders || !a.signature) return fail("malformed", { why: "Authorization needs Credential=, SignedHeaders= and Signature=" });
        const dateText = req.headers["x-amz-date"];
        if (dateText === undefined) return fail("no-date");
        return { ok: true, kind: "header", ...a, dateText: String(dateText), token: req.headers["x-amz-security-token"], expires: undefined };
    }
    if (queryAlg !== undefined) {
        if (queryAlg !== ALGORITHM_IDENTIFIER) return fail("unsupported-algorithm", { algorithm: queryAlg });
        const q = (n) => firstParam(req.query, n);
        const a = {
            credential: q("X-Amz-Credential"), signedHeaders: q("X-Amz-SignedHeaders"), signature: q("X-Amz-Signature"),
            dateText: q("X-Amz-Date"), expires: q("X-Amz-Expires"),
        };
        if (!a.credential || !a.signedHeaders || !a.signature || !a.dateText || (isS3 && a.expires === undefined)) {
            return fail("malformed-query", { why: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters." });
        }
        return { ok: true, kind: "query", ...a, token: q("X-Amz-Security-Token") };
    }
    return fail("missing");
}

// req: { method, rawPath, query, headers, headersDistinct, body, queryOk }
// opts: { service ("s3", "sqs", ...), region, credentials (Map), now }
export async function verifyRequest(req, opts) {
    const isS3 = opts.service === "s3";
    const a = readAuth(req, isS3);
    if (!a.ok) return a;
    const malformed = a.kind === "query" ? "malformed-query" : "malformed";
    if (!req.queryOk) return fail(malformed, { why: "badly percent-encoded query string" });

    const scope = String(a.credential).split("/");
    if (scope.length < 5) return fail(malformed, { why: `bad Credential "${a.credential}"` });
    // The access key id may itself not contain "/", so the scope is the last four parts.
    const accessKeyId = scope.slice(0, scope.length - 4).join("/");
    const [scopeDate, scopeRegion, scopeService, terminator] = scope.slice(-4);
    if (terminator !== "aws4_request") return fail(malformed, { why: `credential scope must end in aws4_request, not "${terminator}"` });
    const creds = opts.credentials.get(accessKeyId);
    if (!creds) return fail("unknown-key", { accessKeyId });
    if (scopeService !== opts.service) return fail("scope-service", { got: scopeService, want: opts.service });
    if (scopeRegion !== opts.region) return fail("scope-region", { got: scopeRegion, want: opts.region });

    const when = parseAmzDate(a.dateText);
    if (Number.isNaN(when)) return fail(a.kind === "query" ? "malformed-query" : "no-date", { why: `X-Amz-Date "${a.dateText}" is not of the form YYYYMMDDTHHMMSSZ` });
    if (scopeDate !== a.dateText.slice(0, 8)) return fail("scope-date", { got: scopeDate, want: a.dateText.slice(0, 8) });
    if (a.kind === "header") {
        if (Math.abs(opts.now - when) > MAX_SKEW_MS) return fail("skewed", { requestTime: a.dateText, serverTime: new Date(opts.now).toISOString().replace(/\.\d{3}Z$/, "Z"), serverAmzDate: formatAmzDate(opts.now) });
    } else {
        if (!/^\d+$/.test(String(a.expires ?? "0"))) return fail("malformed-query", { why: "X-Amz-Expires must be a number of seconds" });
        const expires = Number(a.expires ?? MAX_PRESIGNED_TTL);
        if (expires > MAX_PRESIGNED_TTL) return fail("expires-too-long");
        if (when - opts.now > MAX_SKEW_MS) return fail("not-yet-valid", { requestTime: a.dateText });
        if (opts.now > when + expires * 1000) return fail("expired", { expires: a.expires, expiresAt: new Date(when + expires * 1000).toISOString(), serverTime: new Date(opts.now).toISOString() });
    }
    if (creds.sessionToken && a.token !== creds.sessionToken) return fail("bad-token", { accessKeyId });

    const signedNames = String(a.signedHeaders).split(";");
    if (signedNames.some((n) => n === "" || n !== n.toLowerCase())) return fail(malformed, { why: `bad SignedHeaders "${a.signedHeaders}"` });
    if (!signedNames.includes("host")) return fail("host-not-signed");
    if (isS3) {
        // x-amz-content-sha256 need not be signed: its value is the canonical request's payload hash.
        const unsigned = Object.keys(req.headersDistinct).filter((n) => n.startsWith("x-amz-") && n !== "x-amz-content-sha256" && !signedNames.includes(n));
        if (unsigned.length) return fail("headers-not-signed", { headers: unsigned.join(",") });
    }

    // Payload hash that goes into the canonical request.
    const claimed = req.headers["x-amz-content-sha256"];
    let payloadHash;
    if (isS3) {
        if (claimed === undefined) {
            if (a.kind === "header") return fail("no-content-sha");
            payloadHash = UNSIGNED;
        } else if (claimed === UNSIGNED || claimed === UNSIGNED_TRAILER || /^[0-9a-f]{64}$/.test(claimed)) {
            payloadHash = claimed;
        } else if (String(claimed).startsWith("STREAMING-")) {
            return fail("streaming-signed", { value: claimed });
        } else {
            return fail("bad-content-sha", { value: claimed });
        }
    } else {
        payloadHash = claimed !== undefined ? String(claimed) : sha256Hex(req.body);
    }

    const signer = new SignatureV4({
        credentials: { accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: a.token || undefined },
        region: scopeRegion, service: scopeService, sha256: Sha256, uriEscapePath: !isS3, applyChecksum: false,
    });
    const request = { method: req.method, path: isS3 ? s3CanonicalPath(req.rawPath) : req.rawPath, query: req.query, headers: signedHeaderValues(signedNames, req.headersDistinct) };
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(signedNames));
    const canonicalRequest = signer.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const credentialScope = `${scopeDate}/${scopeRegion}/${scopeService}/aws4_request`;
    const stringToSign = await signer.createStringToSign(a.dateText, credentialScope, canonicalRequest, ALGORITHM_IDENTIFIER);
    const expected = await signer.getSignature(a.dateText, credentialScope,
        signer.getSigningKey({ accessKeyId, secretAccessKey: creds.secretAccessKey }, scopeRegion, scopeDate, scopeService), canonicalRequest);
    const signedList = Object.keys(canonicalHeaders).sort().join(";");
    const missing = signedNames.filter((n) => !(n in canonicalHeaders));
    if (missing.length || signedList !== signedNames.slice().sort().join(";") || !sameHex(expected, a.signature)) {
        return fail("mismatch", {
            accessKeyId, canonicalRequest, stringToSign, provided: a.signature,
            why: missing.length ? `signed header(s) not in the request: ${missing.join(",")}` : "",
        });
    }

    // The signature covers the claimed hash; now the body must match it.
    const actual = sha256Hex(req.body);
    if (/^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== actual && (isS3 || claimed !== undefined)) {
        return fail("content-sha-mismatch", { claimed: payloadHash, actual });
    }
    return { ok: true, accessKeyId, kind: a.kind, payloadHash };
}

// A failed verification as the error the service would send.
export function authError(service, result) {
    const d = result.details || {};
    if (service === "s3") return s3AuthError(result.reason, d);
    return coralAuthError(result.reason, d);
}

function s3AuthError(reason, d) {
    switch (reason) {
        case "missing": return apiError(403, "AccessDenied", "Access Denied");
        case "unsupported-algorithm": return apiError(400, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
        case "malformed": return apiError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; ${d.why}`);
        case "malformed-query": return apiError(400, "AuthorizationQueryParametersError", d.why);
        case "scope-service": return apiError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; incorrect service "${d.got}". This endpoint belongs to "${d.want}".`);
        case "scope-region": return apiError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the region '${d.got}' is wrong; expecting '${d.want}'`, { extra: { Region: d.want } });
        case "scope-date": return apiError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; Invalid credential date "${d.got}". This date is not the same as X-Amz-Date: "${d.want}".`);
        case "unknown-key": return apiError(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { extra: { AWSAccessKeyId: d.accessKeyId } });
        case "bad-token": return apiError(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
        case "no-date": return apiError(403, "AccessDenied", d.why || "AWS authentication requires a valid x-amz-date header (this emulator does not take the Date header)");
        case "skewed": return apiError(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
            { extra: { RequestTime: d.requestTime, ServerTime: d.serverTime, MaxAllowedSkewMilliseconds: MAX_SKEW_MS } });
        case "expired": return apiError(403, "AccessDenied", "Request has expired", { extra: { "X-Amz-Expires": d.expires, Expires: d.expiresAt, ServerTime: d.serverTime } });
        case "not-yet-valid": return apiError(403, "AccessDenied", "Request is not valid yet");
        case "expires-too-long": return apiError(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be less than a week (in seconds) that is 604800");
        case "host-not-signed": return apiError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided: 'host' must be a signed header.");
        case "headers-not-signed": return apiError(403, "AccessDenied", "There were headers present in the request which were not signed", { extra: { HeadersNotSigned: d.headers } });
        case "no-content-sha": return apiError(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
        case "bad-content-sha": return apiError(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, or a valid sha256 value.",
            { extra: { ArgumentName: "x-amz-content-sha256", ArgumentValue: d.value } });
        case "streaming-signed": return apiError(501, "NotImplemented", `x-amz-content-sha256 ${d.value}: chunk-signed streaming uploads are not supported by this emulator; send the payload's SHA-256, UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER.`);
        case "content-sha-mismatch": return apiError(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.",
            { extra: { ClientComputedContentSHA256: d.claimed, S3ComputedContentSHA256: d.actual } });
        case "mismatch": return apiError(403, "SignatureDoesNotMatch",
            `The request signature we calculated does not match the signature you provided. Check your key and signing method.${d.why ? ` (${d.why})` : ""}`,
            { extra: { AWSAccessKeyId: d.accessKeyId, StringToSign: d.stringToSign, SignatureProvided: d.provided, CanonicalRequest: d.canonicalRequest } });
        default: return apiError(403, "AccessDenied", `authentication failed (${reason})`);
    }
}

function coral(status, code, message) {
    return apiError(status, code, message, { namespace: "com.amazon.coral.service" });
}

function coralAuthError(reason, d) {
    switch (reason) {
        case "missing": return coral(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
        case "unsupported-algorithm": return coral(400, "IncompleteSignature", `Unsupported AWS 'algorithm': '${d.algorithm}'`);
        case "malformed": case "malformed-query": return coral(400, "IncompleteSignature", d.why);
        case "no-date": return coral(400, "IncompleteSignature", d.why || "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header (this emulator needs X-Amz-Date).");
        case "scope-service": return coral(403, "SignatureDoesNotMatch", `Credential should be scoped to correct service: '${d.want}'.`);
        case "scope-region": return coral(403, "SignatureDoesNotMatch", `Credential should be scoped to a valid region, not '${d.got}'. (This emulator's region is '${d.want}'.)`);
        case "scope-date": return coral(403, "SignatureDoesNotMatch", `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${d.got}' != '${d.want}'`);
        case "unknown-key": case "bad-token": return coral(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
        case "skewed": return coral(403, "RequestTimeTooSkewed", `Signature expired: ${d.requestTime} is now earlier or later than ${d.serverAmzDate} +/- 15 min.`);
        case "expired": case "not-yet-valid": return coral(403, "SignatureDoesNotMatch", "Signature expired or not yet valid");
        case "expires-too-long": return coral(400, "IncompleteSignature", "X-Amz-Expires must be less than a week (in seconds) that is 604800");
        case "host-not-signed": return coral(403, "SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.");
        case "content-sha-mismatch": return coral(403, "SignatureDoesNotMatch", "The provided 'x-amz-content-sha256' header does not match the request body.");
        case "mismatch": return coral(403, "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details." +
            (d.why ? ` (${d.why})` : "") +
            `\n\nThe Canonical String for this request should have been\n'${d.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${d.stringToSign}'\n`);
        default: return coral(403, "AccessDenied", `authentication failed (${reason})`);
    }
}
