/* job_message.c - one SQS message (es_job_run_message in job.h): the body is
 * parsed into records, each settled on its own - a created object through
 * es_job_run_object, a removal too when deletes are propagated (else it is
 * skipped with a warning), another kind of event skipped, a malformed record (or a
 * whole unparseable message) refused with its report - and the message is
 * settled once none of its records must be retried. */
#include "worker/job.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "worker/clock.h"
#include "worker/job_outcome.h"

/* Settles a record that is not processed (skipped or refused without any
 * request): fills res, sends the refusal report, logs one line (at warn level
 * with warn). rec is NULL when the whole message was refused. */
static void s_settle_unprocessed(const es_job_env *env, const es_job_message *msg, const es_event_record *rec,
                                 es_job_outcome outcome, es_err code, const char *reason, bool warn,
                                 es_job_result *res)
{
    uint64_t start = es_clock_ms();
    memset(res, 0, sizeof *res);
    es_job_set_outcome(res, outcome, code, "%s", reason);
    res->warn = warn;
    es_job_report_refusal(env, msg, rec ? rec->bucket : NULL, rec ? rec->key : NULL,
                          rec ? rec->version_id : NULL, res);
    res->duration_ms = es_clock_ms() - start;
    es_job_log_result(env, msg, rec ? rec->bucket : NULL, rec ? rec->key : NULL, rec ? rec->version_id : NULL,
                      res);
}

/* Settles one record of a parsed message according to its state. */
static void s_run_event_record(const es_job_env *env, const es_job_message *msg, const es_event_record *rec,
                               es_job_result *res)
{
    char reason[sizeof res->reason];
    es_event_record_state state = rec->state;
    if (state == ES_EVENT_RECORD_REMOVED && !env->cfg->propagate_deletes) {
        /* Bucket A sends removals here, so propagation is wanted somewhere: a
         * worker without the setting (an old task while a rollout turns it on)
         * drops this one, and says so. */
        snprintf(reason, sizeof reason,
                 "event \"%s\" is a removal, and delete propagation is off here (EXIFSTRIP_PROPAGATE_DELETES): "
                 "bucket B keeps any copy of this key",
                 rec->event_name);
        s_settle_unprocessed(env, msg, rec, ES_JOB_SKIPPED, ES_OK, reason, true, res);
        return;
    }
    if (state == ES_EVENT_RECORD_REMOVED && rec->problem[0])
        state = ES_EVENT_RECORD_INVALID;
    switch (state) {
    case ES_EVENT_RECORD_CREATED:
    case ES_EVENT_RECORD_REMOVED: es_job_run_record(env, msg, rec, res); return;
    case ES_EVENT_RECORD_OTHER:
        snprintf(reason, sizeof reason, "event \"%s\" is not an object creation: nothing to do",
                 rec->event_name);
        s_settle_unprocessed(env, msg, rec, ES_JOB_SKIPPED, ES_OK, reason, false, res);
        return;
    case ES_EVENT_RECORD_INVALID:
        s_settle_unprocessed(env, msg, rec, ES_JOB_REFUSED, rec->problem_code, rec->problem, false, res);
        return;
    }
}

bool es_job_run_message(const es_job_env *env, const es_job_message *msg, es_job_counts *counts)
{
    es_event ev;
    es_error err;
    es_error_clear(&err);
    es_err rc = es_event_parse(msg->body ? msg->body : "", msg->body ? msg->body_len : 0, &ev, &err);
    if (rc != ES_OK) {
        es_job_result res;
        s_settle_unprocessed(env, msg, NULL, ES_JOB_REFUSED, rc, err.msg, false, &res);
        if (counts)
            counts->n[res.outcome]++;
        return res.outcome != ES_JOB_RETRY;
    }
    if (ev.kind == ES_EVENT_TEST) {
        ES_LOG(ES_LOG_INFO, "event.test", ES_LF_STR("message_id", msg->message_id),
               ES_LF_STR("bucket", ev.test_bucket), ES_LF_STR("shape", ev.shape));
        es_event_clear(&ev);
        return true;
    }
    /* Each record is settled on its own; the message is settled once all are. */
    bool settled = true;
    for (size_t i = 0; i < ev.count; i++) {
        if (env->cancel && atomic_load(env->cancel) != 0) {
            settled = false;
            break;
        }
        es_job_result res;
        s_run_event_record(env, msg, &ev.records[i], &res);
        if (counts) {
            counts->n[res.outcome]++;
            counts->abandoned += res.abandoned;
            counts->recheck += res.recheck;
        }
        if (res.outcome == ES_JOB_RETRY)
            settled = false;
    }
    es_event_clear(&ev);
    return settled;
}
