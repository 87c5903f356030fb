#!/usr/bin/env bash
# check-layers.sh - enforces the dependency direction of the source tree,
#   common <- jpeg <- orient <- aws <- worker <- cli
# and inside src/aws, folder by folder (AWS_PARTS below),
#   aws/http <- aws/creds <- aws/sigv4 <- aws/client <- aws/s3, aws/sqs
# (s3 and sqs are siblings: neither includes the other), and keeps src/jpeg
# and src/orient (the EXIF orientation transform) pure (no I/O, no
# environment, no logging).
#
# Usage: mk/check-layers.sh [BUILD_DIR]
#   1. Every #include in src/ is resolved the way the compiler would (quoted or
#      angled, "dir/x.h", "../dir/x.h", "./x.h", "x.h" next to the file; -Isrc
#      and -Iinclude) and its layer must be the file's own or one below it.
#      Every source file of src/aws lies in a folder named in AWS_PARTS.
#   2. src/jpeg may include only the pure parts of src/common, and must not
#      call I/O or environment functions (a text check on the sources).
#   3. With BUILD_DIR (after a build): `nm -u` of every src/jpeg object may name
#      only symbols defined by src/jpeg or the pure common objects, and the pure
#      libc functions of the allowlist below (the check the text scan cannot dodge).
#   4. The same for src/orient, which may also include <stdio.h> (for snprintf
#      only) and call src/jpeg, libjpeg-turbo's jpeglib API (jpeg_*) and libexif
#      (exif_*): both libraries only compute in memory (lossless.c reads from and
#      writes to memory and keeps libjpeg's messages; no libexif log is printed,
#      exif_tag.c installs its own callback).
# ES_LAYERS_ROOT points it at another tree (its own tests plant violations there).
# Prints each violation as "file:line: ..." and exits 1 if there is any.
set -u
root=${ES_LAYERS_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${1:-}
cd "$root" || exit 2

# The folders of src/aws, lowest first; a folder may include only its own
# headers and those of the folders before it. Folders joined by ',' share a
# rank and must not include each other.
AWS_PARTS="http creds sigv4 client s3,sqs"
# Headers of src/common that src/jpeg may use (no I/O; no globals but cpu.c's cached CPUID word;
# pages.h is a memory hint to the kernel, like malloc; block_cache.h is an allocator, like malloc,
# whose kept blocks are its state).
JPEG_PURE_COMMON="common/block_cache.h common/cpu.h common/hex.h common/pages.h common/utf8.h"
# Objects of src/common whose symbols src/jpeg may call (see JPEG_PURE_COMMON).
JPEG_PURE_COMMON_OBJ="block_cache.o cpu.o error.o hex.o pages.o utf8.o"
# libc functions src/jpeg may call: memory and string handling, formatting into buffers.
# (bcmp: clang compiles a memcmp whose result is only compared with 0 into a call to it;
# strcpy: gcc, a snprintf "%s" whose result fits. With _FORTIFY_SOURCE, as distributions
# build, glibc's headers call __NAME_chk for NAME: allowed when NAME is.)
JPEG_LIBC_ALLOW="calloc malloc realloc free memchr memcmp bcmp memcpy memmove memset strlen strnlen
strcmp strncmp strchr strrchr strcpy snprintf vsnprintf __stack_chk_fail __assert_fail abort"
# ... plus, for src/orient: number parsing, and the two libraries it is built on.
# (setjmp/longjmp: libjpeg's error exit returns through them; __isoc23_strtoull:
# strtoull as glibc 2.38 and later name it under _GNU_SOURCE, e.g. Debian 13.)
ORIENT_LIBC_ALLOW="strtoull __isoc23_strtoull __errno_location _setjmp longjmp"
ORIENT_LIB_ALLOW_RE='^(jpeg_[A-Za-z0-9_]+|exif_[a-z0-9_]+)$'

bad=0
report() { echo "layering: $*"; bad=1; }

# One perl pass over src/: resolves every include (quoted or angled; "./x.h",
# "../dir/x.h", "x.h" next to the file, then -Isrc and -Iinclude) and prints a
# violation line for each include of a higher layer, or of an impure common
# header from src/jpeg. System headers (not found in the tree) are ignored.
check_includes() {
    local out
    out=$(find src -type f \( -name '*.c' -o -name '*.h' \) | sort |
        JPEG_PURE_COMMON="$JPEG_PURE_COMMON" AWS_PARTS="$AWS_PARTS" perl -e '
        my %rank = (public => 0, common => 1, jpeg => 2, orient => 3, aws => 4, worker => 5, cli => 6);
        my %pure = map { $_ => 1 } split " ", $ENV{JPEG_PURE_COMMON};
        my ($n, %part_rank) = (0);
        for my $group (split " ", $ENV{AWS_PARTS}) { $n++; $part_rank{"aws/$_"} = $n for split /,/, $group }
        sub norm { my @o; for (split m{/}, shift) { next if $_ eq "." || $_ eq "";
            if ($_ eq "..") { pop @o } else { push @o, $_ } } join "/", @o }
        # "public", "common", ..., and for src/aws "aws/<folder>" ("aws" for a file directly in src/aws).
        sub layer { my $p = shift; return "public" if $p =~ m{^include/};
            return "aws/$1" if $p =~ m{^src/aws/([^/]+)/}; return $1 if $p =~ m{^src/([^/]+)/};
            return "outside" }
        sub top { (split m{/}, shift)[0] }
        while (my $file = <STDIN>) {
            chomp $file; my ($dir) = $file =~ m{^(.*)/};
            my $from = layer($file);
            if (top($from) eq "aws" && !exists $part_rank{$from}) {
                print "$file:1: lies outside the folders of src/aws in AWS_PARTS ($ENV{AWS_PARTS})\n";
                next;
            }
            open my $fh, "<", $file or next;
            while (my $line = <$fh>) {
                next unless $line =~ /^\s*#\s*include\s*["<]([^">]+)[">]/;
                my $name = $1; my $target;
                if ($name =~ m{^\.\.?/}) { $target = norm("$dir/$name") }
                elsif (-f "$dir/$name") { $target = norm("$dir/$name") }
                elsif (-e "src/$name" || ($name =~ m{^([^/]+)/} && -d "src/$1")) { $target = "src/$name" }
                elsif (-e "include/$name" || ($name =~ m{^([^/]+)/} && -d "include/$1")) { $target = "include/$name" }
                else { next }
                my $to = layer($target);
                if (!exists $rank{top($to)}) {
                    print "$file:$.: includes $name, which resolves outside src/ and include/ ($target)\n";
                } elsif ($rank{top($to)} > $rank{top($from)}) {
                    print "$file:$.: $from must not include the higher layer $to ($name)\n";
                } elsif (top($to) eq "aws" && top($from) eq "aws" && $to ne $from) {
                    my ($rf, $rt) = ($part_rank{$from}, $part_rank{$to} // 0);
                    if (!exists $part_rank{$to}) {
                        print "$file:$.: includes $name, outside the folders of src/aws in AWS_PARTS\n";
                    } elsif ($rt > $rf) {
                        print "$file:$.: $from must not include the higher part $to ($name)\n";
                    } elsif ($rt == $rf) {
                        print "$file:$.: $from and $to are siblings and must not include each other ($name)\n";
                    }
                } elsif (($from eq "jpeg" || $from eq "orient") && $to eq "common") {
                    (my $rel = $target) =~ s{^src/}{};
                    print "$file:$.: src/$from must stay pure; $rel is not in JPEG_PURE_COMMON\n" unless $pure{$rel};
                }
            }
            close $fh;
        }')
    [ -z "$out" ] || report "includes against the layer order:"$'\n'"$out"
}

# Prints file:line:text of the sources of a pure layer (default src/jpeg) with
# comments and string literals blanked (line numbers kept), so prose such as
# "cannot be read (" is no call.
jpeg_code() {
    local f
    for f in $(find "src/${1:-jpeg}" -type f -name '*.[ch]' | sort); do
        perl -0777 -pe 's{/\*.*?\*/}{ (my $c = $&) =~ s/[^\n]//g; $c }gse; s{//[^\n]*}{}g; s{"(?:\\.|[^"\\\n])*"}{""}g' "$f" |
            awk -v f="$f" '{ print f ":" NR ":" $0 }'
    done
}

check_jpeg_text() { # [layer [io-header-regex]]
    local layer=${1:-jpeg} headers=${2:-stdio|unistd|fcntl|dirent|curl/curl|pthread|sys/[a-z]+} code hits
    code=$(jpeg_code "$layer")
    hits=$(grep -E '^[^:]+:[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*<('"$headers"')\.h>' <<<"$code")
    [ -z "$hits" ] || report "src/$layer must stay pure (no I/O headers):"$'\n'"$hits"
    hits=$(grep -E '\b(fopen|fdopen|fread|fwrite|fputs|fputc|fgets|puts|putchar|printf|fprintf|vfprintf|perror|open|openat|read|write|close|getenv|secure_getenv|setenv|system|popen|exit|syslog)[[:space:]]*\(' <<<"$code")
    [ -z "$hits" ] || report "src/$layer must stay pure (no I/O or environment calls):"$'\n'"$hits"
}

check_jpeg_symbols() { # [layer]: jpeg, or orient (which may also call jpeg, tj*, exif_*)
    local layer=${1:-jpeg} objdir=$build/obj/src sym plain defined undefined o lib_re='^$'
    local -A ok=()
    for sym in $JPEG_LIBC_ALLOW; do ok[$sym]=1; done
    local objs=() defs=()
    mapfile -t objs < <(find "$objdir/$layer" -name '*.o' 2>/dev/null | sort)
    if [ ${#objs[@]} -eq 0 ]; then
        report "no src/$layer objects under $objdir/$layer (build first)"
        return
    fi
    defs=("${objs[@]}")
    if [ "$layer" = orient ]; then
        for sym in $ORIENT_LIBC_ALLOW; do ok[$sym]=1; done
        lib_re=$ORIENT_LIB_ALLOW_RE
        mapfile -t -O ${#defs[@]} defs < <(find "$objdir/jpeg" -name '*.o' 2>/dev/null | sort)
    fi
    for o in "${defs[@]}"; do
        while read -r sym; do ok[$sym]=1; done < <(nm --defined-only -g "$o" | awk '{print $3}')
    done
    for o in $JPEG_PURE_COMMON_OBJ; do
        [ -f "$objdir/common/$o" ] || continue
        while read -r sym; do ok[$sym]=1; done < <(nm --defined-only -g "$objdir/common/$o" | awk '{print $3}')
    done
    for o in "${objs[@]}"; do
        while read -r sym; do
            case "$sym" in __asan_* | __ubsan_* | __sanitizer_* | __sancov_* | __msan_* | __tsan_*) continue ;; esac
            plain=$sym
            [[ $sym =~ ^__([a-z0-9_]+)_chk$ ]] && plain=${BASH_REMATCH[1]}
            [ -n "${ok[$plain]:-}" ] || [[ $sym =~ $lib_re ]] ||
                report "${o#"$build"/obj/}: src/$layer calls $sym, which is not a pure function (allowlist in mk/check-layers.sh)"
        done < <(nm -u "$o" | awk '{print $2}')
    done
}

check_includes
check_jpeg_text
check_jpeg_text orient 'unistd|fcntl|dirent|curl/curl|pthread|sys/[a-z]+'
if [ -n "$build" ]; then
    check_jpeg_symbols
    check_jpeg_symbols orient
fi
exit $bad
