"""bench_emulator.py - the private emulator instances of `make bench`'s worker
section (tests/emulator/start.sh with its own state directory, so they never
meet the test suite's or the demo's emulator; plain http, or https with a
self-signed certificate openssl makes): URL, control API (stats, request
log), the CPU its process has used, and the environment a worker needs to
talk to it with the emulator's test credentials."""
import json
import os
import ssl
import subprocess
import urllib.request

from bench_lib import BenchError, proc_cpu_seconds


class Emulator:
    """A private emulator (own state directory), stopped by close(); with
    tls=(cert, key) PEM paths it serves https and `ca` names the certificate
    its clients must trust."""

    def __init__(self, root, state, tls=None):
        self.root, self.env = root, dict(os.environ, ES_EMULATOR_DIR=state)
        self.ca = tls[0] if tls else None
        args = ["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else []
        r = subprocess.run([os.path.join(root, "tests/emulator/start.sh"), "--background", *args],
                           capture_output=True, text=True, env=self.env)
        if r.returncode != 0 or not r.stdout.strip():
            raise BenchError(f"the emulator did not start: {r.stderr.strip()[-500:]}")
        self.url = r.stdout.strip().splitlines()[0]
        with open(os.path.join(state, "emulator.pid")) as f:
            self.pid = int(f.read().strip())

    def control(self, method, path):
        req = urllib.request.Request(f"{self.url}/_emulator/{path}", method=method)
        ctx = ssl.create_default_context(cafile=self.ca) if self.ca else None
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            return json.loads(r.read())

    def cpu(self):
        return proc_cpu_seconds(self.pid)

    def close(self):
        subprocess.run([os.path.join(self.root, "tests/emulator/start.sh"), "--stop"], env=self.env,
                       capture_output=True)


def self_signed(workdir):
    """A certificate and key for 127.0.0.1 made by openssl in workdir: (cert, key)."""
    cert, key = os.path.join(workdir, "tls-cert.pem"), os.path.join(workdir, "tls-key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"openssl could not make the https emulator's certificate: {r.stderr.strip()[-300:]}")
    return cert, key


def aws_env(url, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EXIFSTRIP_"))}
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=url,
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    env.update(extra or {})
    return env
