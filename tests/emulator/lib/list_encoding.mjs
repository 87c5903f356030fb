// list_encoding.mjs - ListObjects / ListObjectsV2 with encoding-type=url,
// which fauxqs ignores: the elements S3 encodes (Key, Prefix, StartAfter,
// Delimiter, Marker, NextMarker) are written in S3's URL form encoding (the
// one its event notifications use: encodeEventKey) and
// <EncodingType>url</EncodingType> is added. Keys that XML 1.0 cannot carry
// (control characters) then reach clients intact, as from S3.
import { encodeEventKey } from "./notify_events.mjs";

const ENCODED = ["Key", "Prefix", "StartAfter", "Delimiter", "Marker", "NextMarker"];
const ELEMENT = new RegExp(`<(${ENCODED.join("|")})>([^<]*)</\\1>`, "g");
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&apos;": "'" };

function unescapeXml(text) {
    return text.replace(/&(amp|lt|gt|quot|apos);/g, (entity) => ENTITIES[entity]);
}

// The listing fauxqs wrote, as S3 writes it when asked for encoding-type=url.
export function urlEncodeListing(xml) {
    const encoded = xml.replace(ELEMENT, (whole, name, text) => `<${name}>${encodeEventKey(unescapeXml(text))}</${name}>`);
    return encoded.replace("</MaxKeys>", "</MaxKeys>\n  <EncodingType>url</EncodingType>");
}
