/* xml_test.c - the S3 XML extractor (src/aws/s3/xml.c): error bodies, listing
 * pages (plain and url-encoded keys), multipart results, the 200-with-Error
 * case, and malformed, hostile (DOCTYPE/entities, deep nesting) and huge input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "common/buf.h"
#include "aws/s3/xml.h"

#define S(x) (const uint8_t *)(x), strlen(x)

static const char s_error_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
    "<Key>a &amp; b</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>h</HostId></Error>";

static void test_error_body(void)
{
    es_aws_result r;
    es_aws_result_clear(&r);
    CHECK(es_xml_parse_error(S(s_error_doc), &r));
    CHECK_STR_EQ(r.aws_code, "NoSuchKey");
    CHECK_STR_EQ(r.message, "The specified key does not exist.");
    CHECK_STR_EQ(r.request_id, "4442587FB7D0A2F9");
    /* Nested elements named Code do not count; neither do other roots. */
    es_aws_result_clear(&r);
    CHECK(!es_xml_parse_error(S("<Error><Detail><Code>X</Code></Detail></Error>"), &r));
    CHECK(!es_xml_parse_error(S("<NotError><Code>X</Code></NotError>"), &r));
    CHECK(!es_xml_parse_error(S("<Error><Code>X</Code>"), &r)); /* truncated */
    CHECK(!es_xml_parse_error(S(""), &r));
    CHECK(!es_xml_parse_error(S("{\"json\": true}"), &r));
    CHECK_STR_EQ(r.aws_code, "");
    /* Entities and CDATA are decoded; long messages are truncated, not refused. */
    char doc[2048];
    char msg[700];
    memset(msg, 'm', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    snprintf(doc, sizeof doc, "<Error><Code>A&lt;B</Code><Message><![CDATA[%s]]></Message></Error>", msg);
    CHECK(es_xml_parse_error(S(doc), &r));
    CHECK_STR_EQ(r.aws_code, "A<B");
    CHECK_INT_EQ(strlen(r.message), sizeof r.message - 1);
}

static void test_list_page(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>b</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>"
        "<IsTruncated>true</IsTruncated>"
        "<Contents><Key>a.jpg</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>"
        "<ETag>&quot;x&quot;</ETag><Size>123</Size><StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>dir/b c+d.jpg</Key><Size>0</Size></Contents>"
        "<Contents><Size>18446744073709551615</Size><Key>caf\xc3\xa9 &amp; &lt;x&gt;</Key></Contents>"
        "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
        "</ListBucketResult>";
    es_s3_list_page p;
    CHECK_OK(es_xml_parse_list(S(doc), &p));
    REQUIRE(p.count == 3);
    CHECK_STR_EQ(p.keys[0], "a.jpg");
    CHECK_INT_EQ(p.sizes[0], 123);
    CHECK_STR_EQ(p.etags[0], "x");            /* the quotes are removed */
    CHECK_STR_EQ(p.etags[1], "");             /* absent */
    CHECK_STR_EQ(p.keys[1], "dir/b c+d.jpg"); /* not url-encoded: '+' stays */
    CHECK_INT_EQ(p.sizes[1], 0);
    CHECK_STR_EQ(p.keys[2], "caf\xc3\xa9 & <x>");
    CHECK(p.sizes[2] == UINT64_MAX);
    CHECK_STR_EQ(p.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    es_s3_list_free(&p);
    CHECK(p.keys == NULL && p.etags == NULL && p.count == 0);
}

static void test_list_url_encoded(void)
{
    /* S3's encoding-type=url: form encoding, '+' is a space, %2B a plus. */
    const char *doc = "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
                      "<Contents><Key>a+b%2Bc%25d%3F%23e%2F%2F..%2F</Key><Size>1</Size></Contents>"
                      "<Contents><Key>%01ctl%E2%9C%93</Key><Size>2</Size></Contents>"
                      "<NextContinuationToken>ignored-when-not-truncated</NextContinuationToken>"
                      "</ListBucketResult>";
    es_s3_list_page p;
    CHECK_OK(es_xml_parse_list(S(doc), &p));
    REQUIRE(p.count == 2);
    CHECK_STR_EQ(p.keys[0], "a b+c%d?#e//../");
    CHECK_STR_EQ(p.keys[1], "\x01"
                            "ctl\xe2\x9c\x93");
    CHECK_STR_EQ(p.next_token, "");
    es_s3_list_free(&p);
    /* A bad escape or an encoded NUL fails the page. */
    CHECK_INT_EQ(es_xml_parse_list(S("<ListBucketResult><EncodingType>url</EncodingType>"
                                     "<Contents><Key>%zz</Key></Contents></ListBucketResult>"),
                                   &p),
                 ES_ERR_PROTOCOL);
    CHECK(p.keys == NULL && p.count == 0);
    CHECK_INT_EQ(es_xml_parse_list(S("<ListBucketResult><Contents><Key>a%00</Key></Contents>"
                                     "<EncodingType>url</EncodingType></ListBucketResult>"),
                                   &p),
                 ES_ERR_PROTOCOL);
}

static void test_list_empty_and_bad(void)
{
    es_s3_list_page p;
    CHECK_OK(es_xml_parse_list(S("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"), &p));
    CHECK_INT_EQ(p.count, 0);
    CHECK_STR_EQ(p.next_token, "");
    es_s3_list_free(&p);
    static const char *const bad[] = {
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", /* no token */
        "<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>", /* no key */
        "<ListBucketResult><Contents><Key>a</Key><Key>b</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>18446744073709551616</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size></Size></Contents></ListBucketResult>",
        "<Error><Code>AccessDenied</Code></Error>",
        "<ListBucketResult><Contents><Key>a</Key></Contents>",
        "<ListBucketResult></ListBucketResult><extra/>",
        "",
        "   ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        es_err rc = es_xml_parse_list(S(bad[i]), &p);
        if (rc == ES_OK)
            es_test_fail(__FILE__, __LINE__, "bad[%zu] accepted: %s", i, bad[i]);
        CHECK(p.keys == NULL && p.count == 0);
    }
}

static void test_list_too_many_keys(void)
{
    es_buf b;
    es_buf_init(&b, 1u << 24);
    es_buf_puts(&b, "<ListBucketResult>");
    for (int i = 0; i <= ES_XML_MAX_LIST_KEYS; i++)
        es_buf_printf(&b, "<Contents><Key>k%d</Key><Size>1</Size></Contents>", i);
    es_buf_puts(&b, "</ListBucketResult>");
    REQUIRE(b.err == ES_OK);
    es_s3_list_page p;
    CHECK_INT_EQ(es_xml_parse_list((const uint8_t *)b.data, b.len, &p), ES_ERR_TOO_LARGE);
    CHECK(p.keys == NULL);
    es_buf_free(&b);
}

static void test_upload_id(void)
{
    char id[64];
    CHECK_OK(es_xml_parse_upload_id(S("<?xml version=\"1.0\"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                                      "<UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>"),
                                    id, sizeof id));
    CHECK_STR_EQ(id, "VXBsb2FkIElE");
    CHECK_INT_EQ(es_xml_parse_upload_id(S("<InitiateMultipartUploadResult/>"), id, sizeof id), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_parse_upload_id(S("<Other><UploadId>x</UploadId></Other>"), id, sizeof id),
                 ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_parse_upload_id(S("<InitiateMultipartUploadResult><UploadId>0123456789</UploadId>"
                                          "</InitiateMultipartUploadResult>"),
                                        id, 5),
                 ES_ERR_PROTOCOL);
}

static void test_complete_and_200_error(void)
{
    es_aws_result r;
    es_aws_result_clear(&r);
    CHECK_OK(es_xml_check_complete(S("<CompleteMultipartUploadResult><Location>l</Location><ETag>\"e-3\"</ETag>"
                                     "</CompleteMultipartUploadResult>"),
                                   &r));
    /* S3 keeps the connection alive with whitespace before the document. */
    CHECK_OK(es_xml_check_complete(S("\n  \n <CompleteMultipartUploadResult/>"), &r));
    CHECK_INT_EQ(es_xml_check_complete(S("   <Error><Code>InternalError</Code><Message>We encountered "
                                         "an internal error.</Message></Error>"),
                                       &r),
                 ES_ERR_SERVER);
    CHECK_STR_EQ(r.aws_code, "InternalError");
    CHECK_STR_CONTAINS(r.message, "internal error");
    CHECK_INT_EQ(es_xml_check_complete(S("<Unexpected/>"), &r), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_check_complete(S("<CompleteMultipartUploadResult>"), &r), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_check_complete(S(""), &r), ES_ERR_PROTOCOL);
}

static void test_hostile_documents(void)
{
    es_aws_result r;
    es_aws_result_clear(&r);
    /* Entity expansion needs a DTD; any DOCTYPE is refused. */
    const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY a \"aaaaaaaaaa\">"
                         "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                         "<Error><Code>&b;</Code></Error>";
    CHECK(!es_xml_parse_error(S(laughs), &r));
    char root[32];
    CHECK_INT_EQ(es_xml_root_name(S(laughs), root, sizeof root), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_root_name(S("<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><x/>"), root, sizeof root),
                 ES_ERR_PROTOCOL);
    /* Nesting deeper than the bound. */
    es_buf b;
    es_buf_init(&b, 1u << 20);
    for (int i = 0; i < 100; i++)
        es_buf_puts(&b, "<a>");
    for (int i = 0; i < 100; i++)
        es_buf_puts(&b, "</a>");
    CHECK_INT_EQ(es_xml_root_name((const uint8_t *)b.data, b.len, root, sizeof root), ES_ERR_PROTOCOL);
    es_buf_free(&b);
    /* A key longer than the text bound fails the page (it is wanted). */
    es_buf_init(&b, 1u << 20);
    es_buf_puts(&b, "<ListBucketResult><Contents><Key>");
    for (int i = 0; i < ES_XML_MAX_TEXT + 10; i++)
        es_buf_puts(&b, "k");
    es_buf_puts(&b, "</Key></Contents></ListBucketResult>");
    es_s3_list_page p;
    CHECK_INT_EQ(es_xml_parse_list((const uint8_t *)b.data, b.len, &p), ES_ERR_PROTOCOL);
    es_buf_free(&b);
    /* ...but a huge element nobody reads does not fail an error document. */
    es_buf_init(&b, 1u << 20);
    es_buf_puts(&b, "<Error><Code>SignatureDoesNotMatch</Code><CanonicalRequest>");
    for (int i = 0; i < ES_XML_MAX_TEXT * 4; i++)
        es_buf_puts(&b, "c");
    es_buf_puts(&b, "</CanonicalRequest></Error>");
    CHECK(es_xml_parse_error((const uint8_t *)b.data, b.len, &r));
    CHECK_STR_EQ(r.aws_code, "SignatureDoesNotMatch");
    es_buf_free(&b);
    /* Not UTF-8, embedded NUL, binary junk. */
    CHECK_INT_EQ(es_xml_root_name(S("<a>\xff\xfe</a>"), root, sizeof root), ES_ERR_PROTOCOL);
    const uint8_t nul[] = {'<', 'a', '>', 0, '<', '/', 'a', '>'};
    CHECK_INT_EQ(es_xml_root_name(nul, sizeof nul, root, sizeof root), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_root_name(NULL, 0, root, sizeof root), ES_ERR_PROTOCOL);
}

static void test_url_decode(void)
{
    char out[32];
    CHECK_OK(es_xml_url_decode("a%20b+c%2b", out, sizeof out));
    CHECK_STR_EQ(out, "a b c+");
    CHECK_INT_EQ(es_xml_url_decode("%", out, sizeof out), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_url_decode("%4", out, sizeof out), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_url_decode("%g1", out, sizeof out), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_url_decode("%00", out, sizeof out), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_xml_url_decode("abcdef", out, 4), ES_ERR_TOO_LARGE);
    CHECK_OK(es_xml_url_decode("", out, 1));
    CHECK_STR_EQ(out, "");
}

int main(void)
{
    ES_RUN(test_error_body);
    ES_RUN(test_list_page);
    ES_RUN(test_list_url_encoded);
    ES_RUN(test_list_empty_and_bad);
    ES_RUN(test_list_too_many_keys);
    ES_RUN(test_upload_id);
    ES_RUN(test_complete_and_200_error);
    ES_RUN(test_hostile_documents);
    ES_RUN(test_url_decode);
    return es_test_finish();
}
