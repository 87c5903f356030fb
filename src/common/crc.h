/* crc.h - the reflected CRCs S3's flexible checksums use: CRC-32 (zlib's),
 * CRC-32C (Castagnoli) and CRC-64/NVME, with their standard initial value and
 * final XOR. es_crc_update picks, once per process, PCLMULQDQ folding on x86-64
 * CPUs that have it (256 bytes per step with AVX-512 VPCLMULQDQ), PMULL
 * folding on AArch64 ones (Graviton) and a portable slicing-by-8 table
 * otherwise; all give the
 * same value for any length and alignment (tests/common/crc_test.c). Pure: no
 * I/O, no allocation. */
#ifndef ES_COMMON_CRC_H
#define ES_COMMON_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum es_crc_kind {
    ES_CRC32 = 0, /* CRC-32/ISO-HDLC: poly 0x04C11DB7, check 0xCBF43926 */
    ES_CRC32C,    /* CRC-32/ISCSI:    poly 0x1EDC6F41, check 0xE3069283 */
    ES_CRC64NVME, /* CRC-64/NVME:     poly 0xAD93D23594C93659, check 0xAE8B14860A799888 */
    ES_CRC_KINDS
} es_crc_kind;

/* Continues a CRC: crc is the finished CRC of the bytes before data (0 for
 * none), the result the finished CRC of those bytes followed by data. So
 * es_crc_update(k, 0, "123456789", 9) is the catalogue's check value, and
 * chunks may be fed one after the other. */
uint64_t es_crc_update(es_crc_kind kind, uint64_t crc, const void *data, size_t len);
/* The same with the portable table only (tests compare both paths). */
uint64_t es_crc_update_portable(es_crc_kind kind, uint64_t crc, const void *data, size_t len);
/* The same with 128-bit PCLMULQDQ (AArch64: PMULL) folding and never the
 * AVX-512 blocks (what CPUs without VPCLMULQDQ run; the table where there is
 * no PCLMULQDQ or PMULL): tests run that path on any CPU. */
uint64_t es_crc_update_pclmul(es_crc_kind kind, uint64_t crc, const void *data, size_t len);
/* The CRC of A followed by B from crc_a, crc_b and B's length (for checksums
 * of whole objects sent in parts). */
uint64_t es_crc_combine(es_crc_kind kind, uint64_t crc_a, uint64_t crc_b, uint64_t len_b);
/* What es_crc_update runs on here, for logs and tests: "VPCLMULQDQ folding
 * (AVX-512)", "PCLMULQDQ folding", "PMULL folding" or "table only". */
const char *es_crc_engine(void);
/* 4 for the 32-bit CRCs, 8 for CRC-64/NVME. */
size_t es_crc_bytes(es_crc_kind kind);
/* The CRC as S3 writes it (x-amz-checksum-*): its es_crc_bytes big-endian
 * bytes in base64, into out (at least 13 bytes). */
void es_crc_base64(es_crc_kind kind, uint64_t crc, char out[13]);

#endif
