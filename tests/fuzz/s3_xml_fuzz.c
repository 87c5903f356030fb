/* s3_xml_fuzz.c - libFuzzer target for the S3 XML extractor.
 *
 * Target Functions: es_xml_parse_error, es_xml_parse_list, es_xml_parse_upload_id,
 * es_xml_check_complete, es_xml_root_name, es_xml_url_decode (src/aws/s3/xml.c).
 *
 * Every parser runs on the same input; results must be internally consistent
 * (NUL-terminated fields within their buffers, a listing's counts matching). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_aws_result res;
    es_aws_result_clear(&res);
    if (es_xml_parse_error(data, size, &res)) {
        if (!res.aws_code[0] || strlen(res.aws_code) >= sizeof res.aws_code ||
            strlen(res.message) >= sizeof res.message || strlen(res.request_id) >= sizeof res.request_id)
            abort();
    }

    es_s3_list_page page;
    if (es_xml_parse_list(data, size, &page) == ES_OK) {
        for (size_t i = 0; i < page.count; i++)
            if (!page.keys[i])
                abort();
        if (strlen(page.next_token) >= sizeof page.next_token)
            abort();
        es_s3_list_free(&page);
    } else if (page.keys || page.count) {
        abort(); /* a failed parse leaves nothing behind */
    }

    char id[256];
    if (es_xml_parse_upload_id(data, size, id, sizeof id) == ES_OK && !id[0])
        abort();

    es_aws_result_clear(&res);
    es_err rc = es_xml_check_complete(data, size, &res);
    if (rc == ES_ERR_SERVER && !res.aws_code[0])
        abort();

    char root[64];
    if (es_xml_root_name(data, size, root, sizeof root) == ES_OK && !root[0])
        abort();

    /* The url decoder on the input as a string. */
    char *s = malloc(size + 1);
    char *out = malloc(size + 1);
    if (s && out) {
        memcpy(s, data, size);
        s[size] = '\0';
        if (es_xml_url_decode(s, out, size + 1) == ES_OK && strlen(out) > strlen(s))
            abort();
    }
    free(s);
    free(out);
    return 0;
}
