/* rules.h - the generation of exifstrip's rules: what `strip` and the worker
 * remove, keep, turn and refuse. It goes up by one with every change that
 * makes exifstrip's output for some input differ, or refuses an input that
 * was accepted (tests/jpeg/rules_pin_test.c fails when the stripper's output
 * changes without it; a change of the turn or of what is refused must raise
 * it too). The worker records it on every copy it writes
 * (x-amz-meta-exifstrip-rules) and makes a copy of the same source again
 * when it was recorded under an older generation. */
#ifndef EXIFSTRIP_RULES_H
#define EXIFSTRIP_RULES_H

#define ES_RULES 1

#define ES_RULES_STR_(n) #n
#define ES_RULES_STR(n) ES_RULES_STR_(n)
/* ES_RULES as text, as it is recorded. */
#define ES_RULES_TEXT ES_RULES_STR(ES_RULES)

#endif
