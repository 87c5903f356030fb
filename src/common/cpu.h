/* cpu.h - which optional instruction sets this process may use. On x86-64
 * the CPU has them (CPUID) and the OS saves their registers (XCR0), asked
 * once, on first use, never by a start-up constructor (libgcc's
 * __builtin_cpu_supports would run one in every process); on AArch64 Linux
 * the kernel's HWCAP word says so (getauxval: no system call). Pure: no I/O. */
#ifndef ES_COMMON_CPU_H
#define ES_COMMON_CPU_H

#include <stdbool.h>

typedef enum es_cpu_feature {
    ES_CPU_PCLMUL,        /* PCLMULQDQ with SSE4.1 (128-bit carry-less multiply) */
    ES_CPU_AVX2,          /* AVX2 with SSSE3 and POPCNT, 256-bit registers saved by the OS */
    ES_CPU_AVX512_VCLMUL, /* AVX-512F with VPCLMULQDQ, 512-bit registers saved by the OS */
    ES_CPU_PMULL,         /* AArch64: PMULL (64x64-bit polynomial multiply, the crypto extension) */
    ES_CPU_AVX512_BW_CD, /* AVX-512F with BW (16-bit lanes) and CD (VPLZCNT), with AVX2; ZMM saved by the OS */
    ES_CPU_AVX512_VBMI2, /* AVX-512F with BW, VL and VBMI2 (VPCOMPRESSW, VPEXPANDW), with AVX2 and BMI2; ZMM saved */
} es_cpu_feature;

/* Whether the process may use f; false for another architecture's features. Thread-safe. */
bool es_cpu_has(es_cpu_feature f);

#endif
