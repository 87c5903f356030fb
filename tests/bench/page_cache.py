"""page_cache.py - the state of a file in the kernel's page cache, for the
large-photo rounds of `make bench` (cli_bench.py). exifstrip maps its input
(src/cli/stream.c) while cp copies inside the kernel (copy_file_range) and
maps nothing, so how the file's cached pages can be mapped weighs on one side
only: a file written in large writes sits in folios that map with 2 MiB page
table entries (a few hundred faults for 68 MB); one read back from disk sits
partly in the smaller folios of readahead, and one written in small writes
wholly, each 4 KiB of them a page table entry (thousands). On a VM whose
guest page tables the host shadows, each of those costs microseconds.

huge_mapped_share(path) says how much of the file maps with 2 MiB entries;
read_back_from_disk(path) drops its cached pages and reads it once, as a
photo read from disk is cached."""
import contextlib
import ctypes
import mmap
import os
import re

PAGE = 4096
READ_CHUNK = 128 * 1024   # what cat reads at a time

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
_libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p)


@contextlib.contextmanager
def _mapped(fd, size):
    """The address of a shared read-only mapping of fd's first size bytes
    (Python's mmap does not tell its address, which smaps is keyed by)."""
    addr = _libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        raise OSError(ctypes.get_errno(), f"mmap: {os.strerror(ctypes.get_errno())}")
    try:
        yield addr
    finally:
        _libc.munmap(addr, size)


def huge_mapped_share(path):
    """The share (0-1) of path's bytes that a read-only mapping of it, every
    page touched, maps with PMD (2 MiB) entries: /proc/self/smaps'
    FilePmdMapped over Rss for that mapping. None when the kernel does not
    report it (or the file is empty)."""
    size = os.path.getsize(path)
    if size == 0:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        with _mapped(fd, size) as addr:
            sum((ctypes.c_ubyte * size).from_address(addr)[::PAGE])   # touch every page
            return _pmd_share(addr)
    finally:
        os.close(fd)


def _pmd_share(start):
    """FilePmdMapped / Rss of the mapping that begins at address start."""
    fields, inside = {}, False
    with open("/proc/self/smaps") as fh:
        for line in fh:
            head = re.match(r"^([0-9a-f]+)-[0-9a-f]+ ", line)
            if head:
                if inside:
                    break
                inside = int(head.group(1), 16) == start
            elif inside:
                key, _, value = line.partition(":")
                if key in ("Rss", "FilePmdMapped"):
                    fields[key] = int(value.split()[0])
    if "FilePmdMapped" not in fields or not fields.get("Rss"):
        return None
    return fields["FilePmdMapped"] / fields["Rss"]


def read_back_from_disk(path):
    """Writes path's dirty pages out, drops its cached pages
    (POSIX_FADV_DONTNEED) and reads it once from start to end in cat's chunk
    size, so its page cache is what readahead makes of a photo read from
    disk. True when the pages were dropped (none left cached before the
    read), False otherwise."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        dropped = cached_pages(fd) == 0
        while os.read(fd, READ_CHUNK):
            pass
        return dropped
    finally:
        os.close(fd)


def cached_pages(fd):
    """How many of the file's pages are in the page cache (mincore)."""
    size = os.fstat(fd).st_size
    if size == 0:
        return 0
    with _mapped(fd, size) as addr:
        vec = ctypes.create_string_buffer((size + PAGE - 1) // PAGE)
        if _libc.mincore(addr, size, vec) != 0:
            raise OSError(ctypes.get_errno(), f"mincore: {os.strerror(ctypes.get_errno())}")
        return sum(b & 1 for b in vec.raw[:(size + PAGE - 1) // PAGE])
