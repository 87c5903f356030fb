/* rules.h - the generation of exifstrip's rules: what `strip` and the worker
 * remove, keep, turn and refuse. It goes up by one with every change that
 * makes exifstrip's output for some input differ, or refuses an input that
 * was accepted (tests/orient/rules_pin_test.c fails when what strip, the
 * turn, the kept tag or a refusal make of its inputs changes without it). It
 * is the build's, not the configuration's: changing EXIFSTRIP_ORIENTATION or
 * what the policy keeps does not make copies again. The worker records it on
 * every copy it writes (x-amz-meta-exifstrip-rules) and makes a copy of the
 * same source again when it was recorded under an older generation. */
#ifndef EXIFSTRIP_RULES_H
#define EXIFSTRIP_RULES_H

#define ES_RULES 1

#define ES_RULES_STR_(n) #n
#define ES_RULES_STR(n) ES_RULES_STR_(n)
/* ES_RULES as text, as it is recorded. */
#define ES_RULES_TEXT ES_RULES_STR(ES_RULES)

#endif
