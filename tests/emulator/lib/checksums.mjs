// checksums.mjs - S3's flexible checksums, which fauxqs only partly has
// (it stores CRC32/SHA-1/SHA-256 but checks nothing and knows neither CRC32C
// nor CRC64NVME). What S3 does and this module decides:
//   PutObject / UploadPart with one x-amz-checksum-<alg> header: the body must
//     match, else 400 BadDigest; two such headers, or a value that is not the
//     base64 of a digest of the right size, are 400 InvalidRequest.
//   CreateMultipartUpload: x-amz-checksum-algorithm and x-amz-checksum-type
//     (CRC64NVME is FULL_OBJECT only, SHA-1/SHA-256 COMPOSITE only, the CRCs
//     either; the default type is FULL_OBJECT for CRC64NVME, else COMPOSITE).
//     A part sent with another algorithm's header is 400 InvalidRequest.
//   CompleteMultipartUpload of such an upload: every part lists its checksum
//     (else 400 InvalidRequest) equal to the one it was uploaded with (else
//     400 InvalidPart); a FULL_OBJECT checksum sent in the header must match
//     the whole object (else 400 BadDigest). The object's checksum is the
//     full-object one, or for COMPOSITE the digest of the parts' digests
//     followed by "-<parts>".
//   Objects written without a checksum get S3's default, a full-object
//     CRC64NVME. GET/HEAD with x-amz-checksum-mode: ENABLED return the stored
//     checksum and its type (fauxqs does that from the fields set here).
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { apiError } from "./errors.mjs";

function reflectedTable32(poly) {
    const table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
        let c = i;
        for (let j = 0; j < 8; j++) c = c & 1 ? (poly ^ (c >>> 1)) >>> 0 : c >>> 1;
        table[i] = c >>> 0;
    }
    return table;
}

const CRC32C_TABLE = reflectedTable32(0x82f63b78);

function crc32c(data) {
    let crc = 0xffffffff;
    for (let i = 0; i < data.length; i++) crc = CRC32C_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
}

// CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5) on two 32-bit halves.
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
{
    const polyHi = 0x9a6c9329, polyLo = 0xac4bc9b5;
    for (let i = 0; i < 256; i++) {
        let lo = i, hi = 0;
        for (let j = 0; j < 8; j++) {
            const bit = lo & 1;
            lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
            hi = hi >>> 1;
            if (bit) {
                lo = (lo ^ polyLo) >>> 0;
                hi = (hi ^ polyHi) >>> 0;
            }
        }
        CRC64_LO[i] = lo;
        CRC64_HI[i] = hi;
    }
}

function crc64nvme(data) {
    let lo = 0xffffffff, hi = 0xffffffff;
    for (let i = 0; i < data.length; i++) {
        const idx = (lo ^ data[i]) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_LO[idx]) >>> 0;
        hi = ((hi >>> 8) ^ CRC64_HI[idx]) >>> 0;
    }
    const out = Buffer.alloc(8);
    out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
    return out;
}

function u32(v) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(v >>> 0);
    return out;
}

// Each algorithm: the digest of a buffer, its size, the types S3 allows.
export const ALGORITHMS = {
    CRC64NVME: { digest: crc64nvme, bytes: 8, types: ["FULL_OBJECT"] },
    CRC32C: { digest: (d) => u32(crc32c(d)), bytes: 4, types: ["FULL_OBJECT", "COMPOSITE"] },
    CRC32: { digest: (d) => u32(zlib.crc32(d)), bytes: 4, types: ["FULL_OBJECT", "COMPOSITE"] },
    SHA256: { digest: (d) => createHash("sha256").update(d).digest(), bytes: 32, types: ["COMPOSITE"] },
    SHA1: { digest: (d) => createHash("sha1").update(d).digest(), bytes: 20, types: ["COMPOSITE"] },
};

export function headerName(algorithm) {
    return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

// base64 checksum of the buffers' concatenation (fed in order, never joined).
export function checksumOf(algorithm, buffers) {
    const list = Array.isArray(buffers) ? buffers : [buffers];
    const whole = list.length === 1 ? list[0] : Buffer.concat(list);
    return ALGORITHMS[algorithm].digest(whole).toString("base64");
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

function badDigest(algorithm) {
    return { error: apiError(400, "BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`) };
}

// PutObject / UploadPart: { checksum } (may be null) or { error }.
export function checkBody(headers, body, expectAlgorithm) {
    if (isChunked(headers)) return { checksum: null };
    const stated = statedChecksum(headers);
    if (stated?.error) return stated;
    if (stated && expectAlgorithm && stated.algorithm !== expectAlgorithm) {
        return invalid(`Checksum Type mismatch occurred, expected checksum Type: ${expectAlgorithm.toLowerCase()}, actual checksum Type: ${stated.algorithm.toLowerCase()}`);
    }
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
