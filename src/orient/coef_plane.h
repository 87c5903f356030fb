/* coef_plane.h - one component of a lossless transform seen from the
 * destination: which source DCT block every destination block comes from
 * and how its coefficients are rearranged, produced a few block rows at a
 * time into a small buffer (no second full-image array). Internal to
 * src/orient (lossless.c is its only user). */
#ifndef ES_ORIENT_COEF_PLANE_H
#define ES_ORIENT_COEF_PLANE_H

#include <stdbool.h>
#include <stdio.h> /* jpeglib.h needs FILE */

#include <jpeglib.h>

typedef struct es_coef_plane {
    JBLOCKROW *src;                   /* every block row of the source component */
    JDIMENSION src_width, src_height; /* its blocks, padded to whole MCUs */
    JDIMENSION width, height;         /* the destination's blocks (what the encoder reads) */
    /* Destination columns [0, mirror_w) are mirrored (block x comes from
     * mirror_w - 1 - x) and rows [0, mirror_h) likewise; blocks beyond are
     * taken unmirrored (a partial edge MCU that trimming kept). 0: none. */
    JDIMENSION mirror_w, mirror_h;
    bool transpose;       /* block rows and columns swap, coefficients (u,v) -> (v,u) */
    JBLOCKARRAY rows;     /* produced destination rows: rows_cap rows of width blocks */
    JDIMENSION rows_cap;  /* several requests' worth: a transposed read then takes a
                              run of consecutive blocks from each source row */
    JDIMENSION rows_from; /* which destination row rows[0] holds */
    bool rows_valid;
} es_coef_plane;

/* Destination rows [row, row + n) (those below height are filled; the array
 * has n rows), produced now unless an earlier call already did: rows_cap rows
 * are produced at a time. NULL when n is over rows_cap or a source block
 * would lie outside the source component (a caller's inconsistency; nothing
 * is read then). */
JBLOCKARRAY es_coef_plane_rows(es_coef_plane *p, JDIMENSION row, JDIMENSION n);

#endif
