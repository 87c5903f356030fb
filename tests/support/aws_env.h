/* aws_env.h - test helpers for code that reads the AWS environment: wipe
 * every AWS_* / EXIFSTRIP_* variable the credential providers look at, and
 * make, fill and remove a private temporary directory (used as HOME). */
#ifndef ES_TEST_AWS_ENV_H
#define ES_TEST_AWS_ENV_H

#include <stddef.h>

/* Unsets all credential/config variables, sets HOME to home (if not NULL)
 * and AWS_EC2_METADATA_DISABLED=true so no test ever reaches for the real IMDS. */
void es_test_aws_env_reset(const char *home);

/* mkdtemp under $TMPDIR or /tmp; returns a malloc'd path or NULL. */
char *es_test_tmpdir_new(const char *tag);
/* Removes the directory and everything in it (one level of files plus
 * subdirectories, recursively), then frees path. Accepts NULL. */
void es_test_tmpdir_remove(char *path);
/* Writes text to dir/name (creating dir/name's parent if it is dir/sub/...).
 * Returns the malloc'd full path, or NULL. */
char *es_test_write_file(const char *dir, const char *name, const char *text);

#endif
