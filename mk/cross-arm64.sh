#!/usr/bin/env bash
# cross-arm64.sh - the arm64 builds of the product's libraries that `make
# test-arm64` builds the tree against (the cross compiler and qemu-user come
# from mk/deps.sh --arm64), unpacked into a private sysroot. They come from
# `apt-get download` with a package list of its own next to the sysroot: no
# architecture is added to the system (multiarch apt would upgrade the
# host's libssl3, krb5 and expat to match), nothing is installed for arm64,
# and no root is needed. Quiet when the sysroot is there.
#   mk/cross-arm64.sh SYSROOT     (make test-arm64: build/arm64/sysroot)
set -eu
sysroot=$(realpath -m "${1:?usage: mk/cross-arm64.sh SYSROOT}") # apt reads relative Dir:: paths under /var/lib/apt

# Headers, .pc files, archives and shared objects of the linked libraries and
# of the tests' libjpeg/libexif/lcms2, the headers of libcurl and openssl, and the
# shared objects those two need at run time (the worker dlopens them), down
# to the C library, which comes with the cross compiler.
ARM64_PKGS="libjpeg62-turbo-dev libjpeg62-turbo libturbojpeg0-dev libturbojpeg0 libexif-dev libexif12 liblcms2-dev liblcms2-2
libjansson-dev libjansson4 libexpat1-dev libexpat1 libcurl4-openssl-dev libssl-dev
libcurl4 libssl3 libbrotli1 libcom-err2 libdb5.3 libffi8 libgmp10 libgnutls30 libgssapi-krb5-2 libhogweed6
libidn2-0 libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 libldap-2.5-0 libnettle8 libnghttp2-14
libp11-kit0 libpsl5 librtmp1 libsasl2-2 libsasl2-modules-db libssh2-1 libtasn1-6 libunistring2 libzstd1 zlib1g"

stamp="$sysroot/.packages"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ARM64_PKGS" ] && exit 0
apt_dir="$(dirname "$sysroot")/apt"
rm -rf "$sysroot" "$apt_dir"
mkdir -p "$sysroot" "$apt_dir/lists/partial" "$apt_dir/cache" "$apt_dir/debs"
: >"$apt_dir/status"
apt_opts=(-qq -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists="$apt_dir/lists"
    -o Dir::State::status="$apt_dir/status" -o Dir::Cache="$apt_dir/cache" -o Debug::NoLocking=1)
[ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root) # the _apt user cannot write build/
echo "cross-arm64: fetching the arm64 libraries into $sysroot"
apt-get "${apt_opts[@]}" update
(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download $ARM64_PKGS)
for deb in "$apt_dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$sysroot"
done
echo "$ARM64_PKGS" >"$stamp"
