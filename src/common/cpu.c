/* cpu.c - CPUID and XCR0 on x86-64, read once (cpu.h): racing first calls
 * compute and store the same value, so a relaxed atomic is enough. HWCAP on
 * AArch64 Linux (the auxiliary vector glibc keeps: read on each call). */
#include "common/cpu.h"

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

#define S_KNOWN (1u << 31) /* the features have been read */

static unsigned s_read(void)
{
    unsigned f = 0, a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    if ((c & bit_PCLMUL) && (c & bit_SSE4_1))
        f |= 1u << ES_CPU_PCLMUL;
    if (!(c & bit_OSXSAVE))
        return f;
    bool avx = (c & bit_AVX) != 0;
    /* the AVX2 code is also compiled for what every AVX2 CPU has but a
     * hypervisor may hide: SSSE3 shuffles and POPCNT */
    bool avx2_peers = (c & bit_SSSE3) && (c & bit_POPCNT);
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    (void)xcr0_hi;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return f;
    if ((xcr0_lo & 0x6) == 0x6 && avx && avx2_peers && (b & bit_AVX2)) /* XMM and YMM state */
        f |= 1u << ES_CPU_AVX2;
    bool zmm = (xcr0_lo & 0xE6) == 0xE6 && (b & bit_AVX512F); /* plus opmask and both ZMM halves */
    if (zmm && (c & bit_VPCLMULQDQ) && (f & 1u << ES_CPU_PCLMUL))
        f |= 1u << ES_CPU_AVX512_VCLMUL;
    if (zmm && (b & bit_AVX512BW) && (b & bit_AVX512CD) && (b & bit_BMI) && (b & bit_BMI2) &&
        (f & 1u << ES_CPU_AVX2))
        f |= 1u << ES_CPU_AVX512_BW_CD;
    if (zmm && (b & bit_AVX512BW) && (b & bit_AVX512VL) && (c & bit_AVX512VBMI2) && (b & bit_BMI2) &&
        (f & 1u << ES_CPU_AVX2))
        f |= 1u << ES_CPU_AVX512_VBMI2;
    return f;
}

static unsigned s_features;

bool es_cpu_has(es_cpu_feature f)
{
    unsigned v = __atomic_load_n(&s_features, __ATOMIC_RELAXED);
    if (!v) {
        v = s_read() | S_KNOWN;
        __atomic_store_n(&s_features, v, __ATOMIC_RELAXED);
    }
    return (v >> f) & 1u;
}
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>

bool es_cpu_has(es_cpu_feature f) { return f == ES_CPU_PMULL && (getauxval(AT_HWCAP) & HWCAP_PMULL); }
#else
bool es_cpu_has(es_cpu_feature f)
{
    (void)f;
    return false;
}
#endif
