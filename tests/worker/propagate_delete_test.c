/* propagate_delete_test.c - the delete-propagation decision, one table of
 * cases: an absent or foreign copy, unversioned removals ordered by
 * sequencer (older, newer, equal, unorderable), permanent deletes of a
 * version (the copy's, another, S3's "null" version) and delete markers,
 * whose version id is the marker's and so never decides. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "worker/propagate_delete.h"

typedef struct s_case {
    const char *what;
    /* the removal */
    const char *version, *sequencer;
    bool marker;
    /* the destination's copy: NULL source fields = no such key */
    const char *src_etag, *src_version, *src_sequencer;
    es_removal_verdict expect;
} s_case;

static const s_case s_cases[] = {
    {"no copy", "", "0B", false, NULL, NULL, NULL, ES_REMOVAL_ABSENT},
    {"copy without metadata", "", "0B", false, "", "", "", ES_REMOVAL_FOREIGN},
    {"removal after the copy's source", "", "0055AED6DCD90281E6", false, "e1", "", "0055AED6DCD90281E5",
     ES_REMOVAL_OLDER},
    {"removal in lower case hex", "", "0055aed6dcd90281e6", false, "e1", "", "0055AED6DCD90281E5",
     ES_REMOVAL_OLDER},
    {"copy of a re-upload after the removal", "", "0055AED6DCD90281E5", false, "e2", "", "0055AED6DCD90281E6",
     ES_REMOVAL_NEWER},
    {"same sequencer (cannot be a removal of this copy)", "", "0A", false, "e1", "", "0A", ES_REMOVAL_NEWER},
    {"longer removal sequencer, padded comparison", "", "0A01", false, "e1", "", "0A", ES_REMOVAL_OLDER},
    {"removal without a sequencer", "", "", false, "e1", "", "0A", ES_REMOVAL_UNORDERED},
    {"copy recorded no sequencer", "", "0B", false, "e1", "", "", ES_REMOVAL_UNORDERED},
    {"deleted version is the copy's", "v1", "01", false, "e1", "v1", "0F", ES_REMOVAL_DELETE},
    {"deleted version is an older one", "v0", "0F", false, "e1", "v1", "01", ES_REMOVAL_OTHER_VERSION},
    {"copy of an unversioned upload, null version deleted", "null", "01", false, "e1", "", "0F",
     ES_REMOVAL_DELETE},
    {"copy that recorded no version (backfill's), a real version deleted: A decides", "v2", "0F", false, "e1",
     "", "01", ES_REMOVAL_UNORDERED},
    {"delete marker after the copy's version", "marker-1", "0B", true, "e1", "v1", "0A", ES_REMOVAL_OLDER},
    {"delete marker before a newer version", "marker-1", "0A", true, "e1", "v2", "0B", ES_REMOVAL_NEWER},
    {"delete marker whose id equals nothing recorded", "v1", "0A", true, "e1", "v1", "0B", ES_REMOVAL_NEWER},
};

static void s_fill(const s_case *c, es_job_object *removal, es_s3_object_info *dest)
{
    *removal = (es_job_object){.bucket = "uploads", .key = "p/k.jpg", .removed = true, .delete_marker = c->marker};
    snprintf(removal->source.bucket, sizeof removal->source.bucket, "%s", removal->bucket);
    snprintf(removal->source.version_id, sizeof removal->source.version_id, "%s", c->version);
    snprintf(removal->source.sequencer, sizeof removal->source.sequencer, "%s", c->sequencer);
    memset(dest, 0, sizeof *dest);
    snprintf(dest->etag, sizeof dest->etag, "\"d41d8cd98f00b204e9800998ecf8427e\"");
    snprintf(dest->source.etag, sizeof dest->source.etag, "%s", c->src_etag ? c->src_etag : "");
    snprintf(dest->source.version_id, sizeof dest->source.version_id, "%s",
             c->src_version ? c->src_version : "");
    snprintf(dest->source.sequencer, sizeof dest->source.sequencer, "%s",
             c->src_sequencer ? c->src_sequencer : "");
}

static void test_decision_table(void)
{
    for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
        const s_case *c = &s_cases[i];
        es_job_object removal;
        es_s3_object_info dest;
        s_fill(c, &removal, &dest);
        es_removal_verdict got = es_removal_decide(&removal, c->src_etag ? &dest : NULL);
        if (got != c->expect)
            es_test_fail(__FILE__, __LINE__, "%s: verdict %d, expected %d", c->what, (int)got, (int)c->expect);
    }
}

/* Only the recorded source counts, never B's own ETag or version. */
static void test_destination_identity_does_not_decide(void)
{
    es_job_object removal;
    es_s3_object_info dest;
    s_fill(&s_cases[1], &removal, &dest); /* a foreign copy */
    snprintf(dest.version_id, sizeof dest.version_id, "%s", "v1");
    snprintf(removal.source.version_id, sizeof removal.source.version_id, "%s", "v1");
    CHECK_INT_EQ(es_removal_decide(&removal, &dest), ES_REMOVAL_FOREIGN);
}

/* A copy made from another source bucket's object under the same key is
 * not this removal's, whatever the sequencers say; one made from this bucket
 * is judged by them; one that recorded no bucket (written before it was
 * recorded) too. */
static void test_copy_of_another_source_bucket_is_kept(void)
{
    es_job_object removal;
    es_s3_object_info dest;
    s_fill(&s_cases[2], &removal, &dest); /* the removal is newer than the copy's source */
    snprintf(dest.source.bucket, sizeof dest.source.bucket, "%s", "other-uploads");
    CHECK_INT_EQ(es_removal_decide(&removal, &dest), ES_REMOVAL_OTHER_BUCKET);
    snprintf(dest.source.bucket, sizeof dest.source.bucket, "%s", "uploads");
    CHECK_INT_EQ(es_removal_decide(&removal, &dest), ES_REMOVAL_OLDER);
    dest.source.bucket[0] = '\0';
    CHECK_INT_EQ(es_removal_decide(&removal, &dest), ES_REMOVAL_OLDER);
}

int main(void)
{
    ES_RUN(test_copy_of_another_source_bucket_is_kept);
    ES_RUN(test_decision_table);
    ES_RUN(test_destination_identity_does_not_decide);
    return es_test_finish();
}
