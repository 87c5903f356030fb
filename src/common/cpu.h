/* cpu.h - which optional x86-64 instruction sets this process may use: the
 * CPU has them (CPUID) and the OS saves their registers (XCR0). Asked once,
 * on first use, never by a start-up constructor (libgcc's
 * __builtin_cpu_supports would run one in every process). Pure: no I/O. */
#ifndef ES_COMMON_CPU_H
#define ES_COMMON_CPU_H

#include <stdbool.h>

typedef enum es_cpu_feature {
    ES_CPU_PCLMUL,        /* PCLMULQDQ with SSE4.1 (128-bit carry-less multiply) */
    ES_CPU_AVX2,          /* AVX2 with SSSE3 and POPCNT, 256-bit registers saved by the OS */
    ES_CPU_AVX512_VCLMUL, /* AVX-512F with VPCLMULQDQ, 512-bit registers saved by the OS */
} es_cpu_feature;

/* Whether the process may use f; false on other architectures. Thread-safe. */
bool es_cpu_has(es_cpu_feature f);

#endif
