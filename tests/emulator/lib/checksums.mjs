// checksums.mjs - S3's flexible checksums, which fauxqs only partly has
// (it stores CRC32/SHA-1/SHA-256 but checks nothing and knows neither CRC32C
// nor CRC64NVME). What S3 does and this module decides:
//   PutObject / UploadPart with one x-amz-checksum-<alg> header: the body must
//     match, else 400 BadDigest; two such headers, or a value that is not the
//     base64 of a digest of the right size, are 400 InvalidRequest; so is
//     x-amz-sdk-checksum-algorithm without a checksum header or x-amz-trailer.
//     A Content-MD5 must be the base64 of 16 bytes (else 400 InvalidDigest)
//     and the MD5 of the body (else 400 BadDigest).
//   CreateMultipartUpload: x-amz-checksum-algorithm and x-amz-checksum-type
//     (CRC64NVME is FULL_OBJECT only, SHA-1/SHA-256 COMPOSITE only, the CRCs
//     either; the default type is FULL_OBJECT for CRC64NVME, else COMPOSITE).
//     A part sent with another algorithm's header is 400 InvalidRequest.
//   CompleteMultipartUpload of such an upload: every part lists its checksum
//     (else 400 InvalidRequest) equal to the one it was uploaded with (else
//     400 InvalidPart); a FULL_OBJECT checksum sent in the header must match
//     the whole object (else 400 BadDigest), one of another algorithm is 400
//     InvalidRequest, and an x-amz-checksum-type other than the upload's is
//     400 BadDigest. The object's checksum is the full-object one, or for
//     COMPOSITE the digest of the parts' digests followed by "-<parts>".
//   Objects written without a checksum get S3's default, a full-object
//     CRC64NVME. GET/HEAD with x-amz-checksum-mode: ENABLED return the stored
//     checksum and its type (fauxqs does that from the fields set here).
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { apiError } from "./errors.mjs";

// The reflected CRCs as slicing-by-8 tables on 32-bit halves (JavaScript has
// no 64-bit integers short of BigInt): table k, entry b is the CRC register
// after byte b followed by k zero bytes, split into lo/hi Uint32Arrays.
function slicingTables(polyLo, polyHi) {
    const lo = new Uint32Array(8 * 256), hi = new Uint32Array(8 * 256);
    for (let b = 0; b < 256; b++) {
        let l = b, h = 0;
        for (let j = 0; j < 8; j++) {
            const bit = l & 1;
            l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
            h = h >>> 1;
            if (bit) {
                l = (l ^ polyLo) >>> 0;
                h = (h ^ polyHi) >>> 0;
            }
        }
        lo[b] = l;
        hi[b] = h;
    }
    for (let k = 1; k < 8; k++) {
        for (let b = 0; b < 256; b++) {
            const pl = lo[(k - 1) * 256 + b], ph = hi[(k - 1) * 256 + b], i = pl & 0xff;
            lo[k * 256 + b] = (((pl >>> 8) | (ph << 24)) ^ lo[i]) >>> 0;
            hi[k * 256 + b] = ((ph >>> 8) ^ hi[i]) >>> 0;
        }
    }
    return { lo, hi };
}

// The register (lo, hi) continued over data; returns [lo, hi].
function crcRun(t, data, lo, hi) {
    const L = t.lo, H = t.hi;
    const n8 = data.length - (data.length % 8);
    const view = new DataView(data.buffer, data.byteOffset, data.length);
    let i = 0;
    for (; i < n8; i += 8) {
        const a = (lo ^ view.getUint32(i, true)) >>> 0;
        const b = (hi ^ view.getUint32(i + 4, true)) >>> 0;
        const i7 = 7 * 256 + (a & 0xff), i6 = 6 * 256 + ((a >>> 8) & 0xff), i5 = 5 * 256 + ((a >>> 16) & 0xff), i4 = 4 * 256 + (a >>> 24);
        const i3 = 3 * 256 + (b & 0xff), i2 = 2 * 256 + ((b >>> 8) & 0xff), i1 = 256 + ((b >>> 16) & 0xff), i0 = b >>> 24;
        lo = (L[i7] ^ L[i6] ^ L[i5] ^ L[i4] ^ L[i3] ^ L[i2] ^ L[i1] ^ L[i0]) >>> 0;
        hi = (H[i7] ^ H[i6] ^ H[i5] ^ H[i4] ^ H[i3] ^ H[i2] ^ H[i1] ^ H[i0]) >>> 0;
    }
    for (; i < data.length; i++) {
        const idx = (lo ^ data[i]) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ L[idx]) >>> 0;
        hi = ((hi >>> 8) ^ H[idx]) >>> 0;
    }
    return [lo, hi];
}

// A 32-bit CRC is the same register with hi = 0 (its tables' hi halves are 0).
const CRC32C_TABLES = slicingTables(0x82f63b78, 0);
const CRC64_TABLES = slicingTables(0xac4bc9b5, 0x9a6c9329); // reflected 0x9A6C9329AC4BC9B5

// Each digest takes a list of buffers, fed in order (a multipart object's
// parts are never joined into one more copy of the object).
function crc32c(list) {
    let reg = [0xffffffff, 0];
    for (const d of list) reg = crcRun(CRC32C_TABLES, d, reg[0], 0);
    return (reg[0] ^ 0xffffffff) >>> 0;
}

function crc64nvme(list) {
    let reg = [0xffffffff, 0xffffffff];
    for (const d of list) reg = crcRun(CRC64_TABLES, d, reg[0], reg[1]);
    const out = Buffer.alloc(8);
    out.writeUInt32BE((reg[1] ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((reg[0] ^ 0xffffffff) >>> 0, 4);
    return out;
}

function zlibCrc32(list) {
    let crc = 0;
    for (const d of list) crc = zlib.crc32(d, crc);
    return crc >>> 0;
}

function hashOf(name, list) {
    const h = createHash(name);
    for (const d of list) h.update(d);
    return h.digest();
}

function u32(v) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(v >>> 0);
    return out;
}

// Each algorithm: the digest of a buffer, its size, the types S3 allows.
export const ALGORITHMS = {
    CRC64NVME: { digest: crc64nvme, bytes: 8, types: ["FULL_OBJECT"] },
    CRC32C: { digest: (l) => u32(crc32c(l)), bytes: 4, types: ["FULL_OBJECT", "COMPOSITE"] },
    CRC32: { digest: (l) => u32(zlibCrc32(l)), bytes: 4, types: ["FULL_OBJECT", "COMPOSITE"] },
    SHA256: { digest: (l) => hashOf("sha256", l), bytes: 32, types: ["COMPOSITE"] },
    SHA1: { digest: (l) => hashOf("sha1", l), bytes: 20, types: ["COMPOSITE"] },
};

export function headerName(algorithm) {
    return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

// base64 checksum of the buffers' concatenation (fed in order, never joined).
export function checksumOf(algorithm, buffers) {
    return ALGORITHMS[algorithm].digest(Array.isArray(buffers) ? buffers : [buffers]).toString("base64");
}

function invalid(message) {
    return { error: apiError(400, "InvalidRequest", message) };
}

// The one checksum a request states in its headers: { algorithm, value },
// null when none, or { error }.
export function statedChecksum(headers) {
    const found = Object.keys(ALGORITHMS).filter((a) => headers[headerName(a)] !== undefined);
    if (found.length === 0) return null;
    if (found.length > 1) return invalid("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    const algorithm = found[0];
    const value = String(headers[headerName(algorithm)]);
    const raw = Buffer.from(value, "base64");
    if (raw.length !== ALGORITHMS[algorithm].bytes || raw.toString("base64") !== value) {
        return invalid(`Value for ${headerName(algorithm)} header is invalid.`);
    }
    return { algorithm, value };
}

// aws-chunked bodies carry their checksum in a trailer fauxqs decodes.
export function isChunked(headers) {
    return String(headers["content-encoding"] || "").includes("aws-chunked") ||
        String(headers["x-amz-content-sha256"] || "").startsWith("STREAMING-");
}

// A checksum of another algorithm than the one the request must use.
function algorithmMismatch(expected, actual) {
    return invalid(`Checksum Type mismatch occurred, expected checksum Type: ${expected.toLowerCase()}, actual checksum Type: ${actual.toLowerCase()}`);
}

function badDigest(algorithm) {
    return { error: apiError(400, "BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`) };
}

// Content-MD5, when sent: null when it is the MD5 of body, else { error }.
function md5Error(headers, body) {
    const md5 = headers["content-md5"];
    if (md5 === undefined) return null;
    const raw = Buffer.from(String(md5), "base64");
    if (raw.length !== 16 || raw.toString("base64") !== String(md5)) {
        return { error: apiError(400, "InvalidDigest", "The Content-MD5 you specified is not valid.") };
    }
    if (!raw.equals(createHash("md5").update(body).digest())) {
        return { error: apiError(400, "BadDigest", "The Content-MD5 you specified did not match what we received.") };
    }
    return null;
}

// PutObject / UploadPart: { checksum } (may be null) or { error }.
export function checkBody(headers, body, expectAlgorithm) {
    if (isChunked(headers)) return { checksum: null };
    const md5 = md5Error(headers, body);
    if (md5) return md5;
    const stated = statedChecksum(headers);
    if (stated?.error) return stated;
    if (!stated && headers["x-amz-sdk-checksum-algorithm"] !== undefined && headers["x-amz-trailer"] === undefined) {
        return invalid("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.");
    }
    if (stated && expectAlgorithm && stated.algorithm !== expectAlgorithm) return algorithmMismatch(expectAlgorithm, stated.algorithm);
    if (stated && checksumOf(stated.algorithm, body) !== stated.value) return badDigest(stated.algorithm);
    return { checksum: stated };
}

// CreateMultipartUpload: { spec: { algorithm, type } | null } or { error }.
export function uploadSpec(headers) {
    const alg = headers["x-amz-checksum-algorithm"];
    const type = headers["x-amz-checksum-type"];
    if (alg === undefined) {
        return type === undefined ? { spec: null } : invalid("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
    }
    const algorithm = String(alg).toUpperCase();
    if (!ALGORITHMS[algorithm]) return invalid("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    const t = type === undefined ? (algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE") : String(type).toUpperCase();
    if (!ALGORITHMS[algorithm].types.includes(t)) {
        return invalid(`The ${t} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
    }
    return { spec: { algorithm, type: t } };
}

// The <Part> list of a CompleteMultipartUpload body: [{ partNumber, checksums }].
export function completeParts(xml) {
    const parts = [];
    for (const m of String(xml).matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
        const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]);
        const checksums = {};
        for (const c of m[1].matchAll(/<Checksum([A-Z0-9]+)>([^<]*)<\/Checksum\1>/g)) checksums[c[1]] = c[2].trim();
        parts.push({ partNumber: number ? Number(number[1]) : NaN, checksums });
    }
    return parts;
}

// CompleteMultipartUpload of an upload with a checksum spec, before fauxqs
// completes it. partOf(n) is the stored part { body, emuChecksum } or
// undefined (fauxqs then answers InvalidPart itself). Returns { error } or
// { checksum: { algorithm, value, type, partChecksums } } to store.
export function checkComplete(spec, headers, xml, partOf) {
    const { algorithm, type } = spec;
    const statedType = headers["x-amz-checksum-type"];
    if (statedType !== undefined && String(statedType).toUpperCase() !== type) {
        return { error: apiError(400, "BadDigest", `The upload was created using the ${type} checksum mode. The complete request must use the same checksum mode.`) };
    }
    const stated = statedChecksum(headers);
    if (stated?.error) return stated;
    if (stated && stated.algorithm !== algorithm) return algorithmMismatch(algorithm, stated.algorithm);
    const listed = completeParts(xml);
    const bodies = [];
    const partChecksums = [];
    for (const p of listed) {
        const part = partOf(p.partNumber);
        if (!part) return { checksum: null };
        const given = p.checksums[algorithm];
        if (given === undefined) {
            return invalid(`The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${p.partNumber} in the request.`);
        }
        const stored = part.emuChecksum?.value ?? checksumOf(algorithm, part.body);
        if (given !== stored) {
            return { error: apiError(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.") };
        }
        bodies.push(part.body);
        partChecksums.push(stored);
    }
    let value;
    if (type === "FULL_OBJECT") {
        value = checksumOf(algorithm, bodies);
        const stated = headers[headerName(algorithm)];
        if (stated !== undefined && String(stated) !== value) return badDigest(algorithm);
    } else {
        value = `${checksumOf(algorithm, partChecksums.map((c) => Buffer.from(c, "base64")))}-${partChecksums.length}`;
    }
    return { checksum: { algorithm, value, type, partChecksums } };
}

// Records a checksum on a stored fauxqs object (GET/HEAD return it from there).
export function storeOn(obj, checksum) {
    if (!obj) return;
    obj.checksumAlgorithm = checksum.algorithm;
    obj.checksumValue = checksum.value;
    obj.checksumType = checksum.type;
    if (checksum.partChecksums && checksum.type === "COMPOSITE") obj.partChecksums = checksum.partChecksums;
    else delete obj.partChecksums;
}
