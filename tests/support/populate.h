/* populate.h - whether this kernel populates pages on request
 * (MADV_POPULATE_WRITE through es_pages_populate, Linux 5.14): tests that
 * count page faults after populating skip where it does not. */
#ifndef ES_TEST_POPULATE_H
#define ES_TEST_POPULATE_H

#include <stdbool.h>

/* True when es_pages_populate fills in a fresh one-page mapping. */
bool es_test_populate_supported(void);

#endif
