/* xml.h - a small expat-based extractor for the S3 XML documents exifstrip
 * reads: error bodies, ListObjectsV2 pages, InitiateMultipartUpload and
 * CompleteMultipartUpload results (including the "200 OK carrying <Error>"
 * case). Documents with a DOCTYPE are refused, nesting depth and every text
 * value are bounded, and input size is bounded by the caller's response cap. */
#ifndef ES_AWS_XML_H
#define ES_AWS_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client/config.h"
#include "aws/s3/s3.h"

#define ES_XML_MAX_DEPTH 16
#define ES_XML_MAX_TEXT 8192       /* longest element text kept */
#define ES_XML_MAX_LIST_KEYS 10000 /* keys accepted in one listing page */

/* The name of the document's root element into root (e.g. "Error").
 * ES_ERR_PROTOCOL when the document is not well-formed. */
ES_MUST_USE es_err es_xml_root_name(const uint8_t *doc, size_t len, char *root, size_t root_size);

/* If doc is an <Error> document, fills res->aws_code, message and (when
 * present) request_id, and returns true. */
bool es_xml_parse_error(const uint8_t *doc, size_t len, es_aws_result *res);

/* Parses a ListBucketResult (ListObjectsV2) into page (keys decoded when the
 * document says <EncodingType>url</EncodingType>). On failure page is empty. */
ES_MUST_USE es_err es_xml_parse_list(const uint8_t *doc, size_t len, es_s3_list_page *page);

/* InitiateMultipartUploadResult/UploadId into out. */
ES_MUST_USE es_err es_xml_parse_upload_id(const uint8_t *doc, size_t len, char *out, size_t out_size);

/* CompleteMultipartUpload's reply: ES_OK for a CompleteMultipartUploadResult;
 * for an <Error> document fills res and returns ES_ERR_SERVER; anything else
 * is ES_ERR_PROTOCOL. */
ES_MUST_USE es_err es_xml_check_complete(const uint8_t *doc, size_t len, es_aws_result *res);

/* Decodes S3's encoding-type=url form encoding of s into out (NUL-terminated):
 * %XX escapes, and '+' for a space (S3 sends a literal '+' as %2B).
 * ES_ERR_PROTOCOL on a bad escape or an embedded NUL, ES_ERR_TOO_LARGE when
 * out is too small. */
ES_MUST_USE es_err es_xml_url_decode(const char *s, char *out, size_t out_size);

#endif
