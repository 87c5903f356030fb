/* scan.h - finding where entropy-coded data stops: the stripper's inner loop.
 *
 * Inside a scan, 0xFF is followed by 0x00 (a stuffed 0xFF data byte) or by
 * RST0-RST7 (a restart marker), both of which are copied as part of the data;
 * any other 0xFF ends the run (a marker, fill bytes before one, or an 0xFF
 * whose next byte has not arrived). Real photos have such an 0xFF00 about
 * every 256 bytes, so the search for the stop is done a vector at a time
 * (SSE2 on x86-64, AVX2 where the CPU has it, NEON on AArch64) with a
 * portable version elsewhere; all are exported so tests can check them
 * against each other. */
#ifndef ES_JPEG_SCAN_H
#define ES_JPEG_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* The offset of the first 0xFF in p[0..n) that is not followed, inside the n
 * bytes, by 0x00 or RST0-7 (an 0xFF as the last byte counts: its successor is
 * unknown); n when there is none. p may be NULL when n is 0. */
size_t es_jpeg_scan_entropy(const uint8_t *p, size_t n);

/* The same answer, computed without vector instructions (memchr per 0xFF):
 * what es_jpeg_scan_entropy uses on other CPUs and for short tails. */
size_t es_jpeg_scan_entropy_portable(const uint8_t *p, size_t n);

/* One implementation of the scan (the same contract as es_jpeg_scan_entropy). */
typedef struct es_jpeg_scan_variant {
    const char *name; /* "avx2", "sse2", "neon", "portable" */
    size_t (*scan)(const uint8_t *p, size_t n);
} es_jpeg_scan_variant;

/* Stores the versions this build has and this CPU runs, the one
 * es_jpeg_scan_entropy uses first and "portable" last, into out (at most
 * max) and returns how many there are. */
size_t es_jpeg_scan_variants(es_jpeg_scan_variant *out, size_t max);

#endif
