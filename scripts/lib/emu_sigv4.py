#!/usr/bin/env python3
"""emu_sigv4.py - SigV4 headers for one S3 request to the local emulator, for
the requests emu.sh cannot have curl sign: a key with a "." or ".." segment,
which must go as sent (curl --path-as-is) while curl 8 refuses --path-as-is
with --aws-sigv4. S3 signs the key as it decodes it, so the canonical URI is
the path as sent (emu_urlenc's encoding, "/" kept).

usage: emu_sigv4.py METHOD URL PATH
  URL   the emulator's URL (scheme://host:port), PATH the encoded request path
Prints the x-amz-date and Authorization header lines for curl -H; the
payload goes unsigned (x-amz-content-sha256: UNSIGNED-PAYLOAD, signed), as
emu.sh sends it. Credentials test/test, region us-east-1."""
import datetime
import hashlib
import hmac
import sys
import urllib.parse


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def main():
    method, url, path = sys.argv[1:4]
    host = urllib.parse.urlsplit(url).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = "UNSIGNED-PAYLOAD"
    signed = "host;x-amz-content-sha256;x-amz-date"
    canonical = "\n".join([method, path, "", f"host:{host}", f"x-amz-content-sha256:{payload}",
                           f"x-amz-date:{stamp}", "", signed, payload])
    scope = f"{day}/us-east-1/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = b"AWS4test"
    for part in (day, "us-east-1", "s3", "aws4_request"):
        key = _hmac(key, part)
    signature = _hmac(key, to_sign).hex()
    print(f"x-amz-date: {stamp}")
    print(f"Authorization: AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders={signed}, Signature={signature}")


if __name__ == "__main__":
    main()
