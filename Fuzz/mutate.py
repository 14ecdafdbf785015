#!/usr/bin/env python3
"""Mutant run: damaged copies of real files through the real binary (standard library only).

    mutate.py --bin BIN [--executions N] [--seed S] [--jobs 2] [--plain DIR] [FILE|DIR ...]

Each mutant is a copy of one input (taken in turn, so every input is used) that is truncated,
byte-flipped, or has TIFF tags that size buffers (ImageWidth, TileWidth, StripByteCounts,
BitsPerSample ...) patched to extreme values. Every mutant goes through `info`, `slice`,
`render` and `cache build` (each in its own temp folder); `--plain DIR` also runs every file
of DIR unchanged (the corrupt corpus). The same seed gives the same mutants.

Per execution: a timeout (a hang), death by a signal or an exit status >= 128 (a Swift trap is
SIGILL/SIGTRAP), peak RSS from wait4's rusage, and a kill when RSS passes --rss-kill-mb while
running (so a header that claims gigabytes does not take the machine down). Reproducers of
every crash, hang and RSS class go to --out (default .fuzz/mutants/<class>/), with the command
line and the mutation in repro.txt; the summary goes to stdout and --out/summary.json.

Exit status 1 with --check when anything crashed, hung, or passed --rss-limit-mb on an input
under 10 MB; `make test` runs a bounded --check through Tests/FaultTests.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

COMMANDS = ("info", "slice", "render", "cache-build")
SMALL_FILE = 10 * 1024 * 1024
IMAGE_SUFFIXES = (".tif", ".tiff", ".btf", ".lsm", ".czi", ".raw")

# Tags that size buffers or chunk tables, and the values they are set to.
U16_EXTREMES = [0, 1, 2, 3, 255, 256, 0x7FFF, 0x8000, 0xFFFF]
U32_EXTREMES = U16_EXTREMES + [0x10000, 1 << 20, 1 << 24, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]
U64_EXTREMES = U32_EXTREMES + [1 << 40, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF]
TAG_VALUES = {
    256: U32_EXTREMES,                                  # ImageWidth
    257: U32_EXTREMES,                                  # ImageLength
    258: [0, 1, 2, 4, 7, 12, 16, 24, 32, 33, 64, 128, 0xFFFF],  # BitsPerSample
    259: [0, 1, 2, 5, 7, 8, 32773, 34712, 50000, 0xFFFF],  # Compression
    262: [0, 1, 2, 3, 4, 5, 6, 8, 32844, 0xFFFF],       # Photometric
    273: U32_EXTREMES,                                  # StripOffsets
    277: [0, 1, 2, 3, 4, 5, 255, 0xFFFF],               # SamplesPerPixel
    278: U32_EXTREMES,                                  # RowsPerStrip
    279: U32_EXTREMES,                                  # StripByteCounts
    284: [0, 1, 2, 3, 0xFFFF],                          # PlanarConfiguration
    322: U32_EXTREMES + [16, 17],                       # TileWidth
    323: U32_EXTREMES + [16, 17],                       # TileLength
    324: U32_EXTREMES,                                  # TileOffsets
    325: U32_EXTREMES,                                  # TileByteCounts
    339: [0, 1, 2, 3, 4, 5, 6, 7, 0xFFFF],              # SampleFormat
}
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}
INT_FORMATS = {1: "B", 3: "H", 4: "I", 16: "Q", 6: "b", 8: "h", 9: "i", 17: "q", 13: "I", 18: "Q"}


# ---------------------------------------------------------------- TIFF entries

def tiff_entries(data, max_ifds=64):
    """Every IFD entry of a (Big)TIFF as dicts (tag, type, count, at = entry offset, value_at,
    inline), plus the IFD spans; ([], []) when the data is not a TIFF."""
    if len(data) < 16 or data[:2] not in (b"II", b"MM"):
        return [], []
    e = "<" if data[:2] == b"II" else ">"
    magic = struct.unpack_from(e + "H", data, 2)[0]
    if magic == 42:
        cfmt, csize, esize, inline = "H", 2, 12, 4
        ifd = struct.unpack_from(e + "I", data, 4)[0]
    elif magic == 43:
        cfmt, csize, esize, inline = "Q", 8, 20, 8
        ifd = struct.unpack_from(e + "Q", data, 8)[0]
    else:
        return [], []
    nfmt = "I" if magic == 42 else "Q"
    entries, spans, seen = [], [], set()
    while ifd and ifd not in seen and len(seen) < max_ifds and ifd + csize <= len(data):
        seen.add(ifd)
        n = struct.unpack_from(e + cfmt, data, ifd)[0]
        end = ifd + csize + n * esize
        if n > 10000 or end + struct.calcsize(nfmt) > len(data):
            break
        spans.append((ifd, end))
        for i in range(n):
            at = ifd + csize + i * esize
            tag, typ = struct.unpack_from(e + "HH", data, at)
            count = struct.unpack_from(e + nfmt, data, at + 4)[0]
            field = at + 4 + struct.calcsize(nfmt)
            size = TYPE_SIZES.get(typ, 1) * count
            value_at = field if size <= inline else struct.unpack_from(e + nfmt, data, field)[0]
            entries.append(dict(tag=tag, type=typ, count=count, at=at, field=field, value_at=value_at,
                                inline=size <= inline, e=e, nfmt=nfmt))
        ifd = struct.unpack_from(e + nfmt, data, end)[0]
    return entries, spans


def set_values(buf, entry, value, every, index=0):
    """Writes value into element `index` (or every element) of an entry; a one-value entry too
    narrow for it becomes a LONG (still inline). Returns the value as written."""
    e, typ = entry["e"], entry["type"]
    fmt = INT_FORMATS.get(typ)
    if fmt is None or typ in (6, 8, 9, 17):
        fmt = "I"
    if value >= 1 << (8 * struct.calcsize(fmt)) and entry["inline"] and entry["count"] == 1 and entry["nfmt"] == "I":
        struct.pack_into(e + "H", buf, entry["at"] + 2, 4)
        fmt, typ = "I", 4
    value &= (1 << (8 * struct.calcsize(fmt))) - 1
    size = struct.calcsize(fmt)
    count = max(1, min(entry["count"], 1 << 16)) if TYPE_SIZES.get(typ) == size else 1
    for i in (range(count) if every else [min(index, count - 1)]):
        at = entry["value_at"] + i * size
        if 0 <= at and at + size <= len(buf):
            struct.pack_into(e + fmt, buf, at, value)
    return value


def patch_tag(buf, entry, rng):
    """Sets one value (or the count) of a buffer-sizing tag to an extreme; returns a description."""
    tag = entry["tag"]
    if rng.random() < 0.15:
        # The count itself: the table claims more (or fewer) entries than it has.
        count = rng.choice([0, 1, 2, entry["count"] + 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF])
        struct.pack_into(entry["e"] + entry["nfmt"], buf, entry["at"] + 4, count)
        return f"tag {tag} count {entry['count']}->{count}"
    every = entry["count"] > 1 and rng.random() < 0.3
    index = rng.randrange(max(1, min(entry["count"], 1 << 16)))
    value = set_values(buf, entry, rng.choice(TAG_VALUES[tag]), every, index)
    return f"tag {tag}{'all' if every else f'[{index}]'}={value}"


# ---------------------------------------------------------------- mutants

# --sweep: each of these tags of the first IFD set to each of these values, before the random
# mutants: the header lies that size buffers (a 2^24-wide image with one row of tiles made the
# store builder allocate gigabytes).
SWEEP_TAGS = (256, 257, 258, 277, 278, 279, 322, 323, 339)
SWEEP_VALUES = (1 << 24, 0xFFFFFFFF)


def sweep_plan(data):
    """(tag, value) pairs of the sweep for this file: tags its first IFD has."""
    entries, spans = tiff_entries(data, max_ifds=1)
    tags = sorted({en["tag"] for en in entries if en["tag"] in SWEEP_TAGS})
    return [(t, v) for t in tags for v in SWEEP_VALUES]


def sweep_mutant(data, tag, value):
    """Every element of the first IFD's tag set to value."""
    buf = bytearray(data)
    entries, _ = tiff_entries(data, max_ifds=1)
    written = set_values(buf, next(en for en in entries if en["tag"] == tag), value, every=True)
    return bytes(buf), f"sweep: tag {tag} all={written}"


def mutate(data, rng):
    """A damaged copy of data and a one-line description of what was done to it."""
    entries, spans = tiff_entries(data)
    sizing = [en for en in entries if en["tag"] in TAG_VALUES]
    roll = rng.random()
    if roll < 0.2 or len(data) < 16:
        cuts = [rng.randrange(len(data) + 1), rng.randrange(min(len(data), 4096) + 1), max(0, len(data) - rng.randrange(1, 64))]
        cuts += [s for span in spans for s in span]
        n = rng.choice(cuts)
        return data[:n], f"truncate to {n} of {len(data)} bytes"
    buf = bytearray(data)
    if sizing and roll < 0.65:
        done = [patch_tag(buf, rng.choice(sizing), rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        if rng.random() < 0.2:
            done.append(flip(buf, rng, spans, 1 + rng.randrange(4)))
        return bytes(buf), "; ".join(done)
    description = flip(buf, rng, spans, rng.choice([1, 1, 2, 3, 4, 8, 16, 64]))
    return bytes(buf), description


def flip(buf, rng, spans, n):
    """Replaces n bytes, most of them inside IFDs (or CZI segment headers) where they matter."""
    hot = list(spans)
    if not hot:
        hot = [(m.start(), m.start() + 288) for m in re.finditer(rb"ZISRAW", bytes(buf[:4_000_000]))][:2000]
    spots = []
    for _ in range(n):
        if hot and rng.random() < 0.7:
            lo, hi = rng.choice(hot)
            at = rng.randrange(lo, min(hi, len(buf)) or 1) if hi > lo else lo
        elif rng.random() < 0.5:
            at = rng.randrange(min(len(buf), 4096))
        else:
            at = rng.randrange(len(buf))
        if at < len(buf):
            buf[at] ^= rng.randrange(1, 256)
            spots.append(at)
    return "flip bytes at " + ",".join(map(str, sorted(spots)))


# ---------------------------------------------------------------- execution

def command_line(binary, command, path, work):
    if command == "info":
        return [binary, "info", path]
    if command == "slice":
        return [binary, "slice", path, "-o", os.path.join(work, "plane.npy")]
    if command == "render":
        return [binary, "render", path, "--width", "48", "--height", "16"]
    if command == "render-disk":
        return [binary, "render", path, "--width", "48", "--height", "16", "--store", "disk", "--cache-dir", os.path.join(work, "cache")]
    if command == "cache-build":
        return [binary, "cache", "build", path, "--cache-dir", os.path.join(work, "cache")]
    raise ValueError(command)


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def execute(argv, work, timeout, rss_kill_kb):
    """Runs argv in its own process group; returns (kind, detail, seconds, peak RSS KB, stderr)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "XDG_CACHE_HOME": os.path.join(work, "xdg"),
           "TERM": "dumb", "LANG": "C.UTF-8", "SWIFT_BACKTRACE": "enable=no"}
    err_path = os.path.join(work, "stderr")
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
    start = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions, setpgroup=0)
    killed, nap, peak_seen = None, 0.002, 0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        elapsed = time.monotonic() - start
        rss = vm_rss_kb(pid)
        peak_seen = max(peak_seen, rss)
        if killed is None and rss > rss_kill_kb:
            killed = "rss-kill"
        elif killed is None and elapsed > timeout:
            killed = "hang"
        if killed:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(nap)
        nap = min(nap * 2, 0.05)
    seconds = time.monotonic() - start
    try:
        os.killpg(pid, signal.SIGKILL)  # anything it left behind in its group
    except (ProcessLookupError, PermissionError):
        pass
    with open(err_path, "rb") as f:
        stderr = f.read(65536).decode("utf-8", "replace")
    peak = max(usage.ru_maxrss, peak_seen)
    if killed:
        return killed, f"after {seconds:.1f}s", seconds, peak, stderr
    if os.WIFSIGNALED(status):
        return "crash", signal.Signals(os.WTERMSIG(status)).name, seconds, peak, stderr
    code = os.WEXITSTATUS(status)
    if code >= 128:
        return "crash", f"exit {code}", seconds, peak, stderr
    if code == 0:
        return "ok", "", seconds, peak, stderr
    # A failure must be one `omio-tui: error:` line (the product's error contract).
    lines = [l for l in stderr.splitlines() if l.strip()]
    clean = bool(lines) and lines[0].startswith("omio-tui: error:") and len(lines) <= 2
    return ("error" if clean else "unclear-error"), f"exit {code}", seconds, peak, stderr


def fatal_message(stderr):
    """The runtime's reason for a trap, digits folded so one bug is one class."""
    for line in stderr.splitlines():
        if "Fatal error" in line or "fatal error" in line or "AddressSanitizer" in line:
            return re.sub(r"\d+", "N", line.split("Fatal error", 1)[-1]).strip(": ")[:160]
    return ""


# ---------------------------------------------------------------- the run

class Run:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.records = []
        self.classes = {}  # key -> {"count", "examples": [...]}
        self.out = os.path.abspath(args.out)
        self.deadline = time.monotonic() + args.max_seconds if args.max_seconds else None

    def keep(self, key, label, data, description, argv, record):
        """Counts the class; saves the first few reproducers of it."""
        with self.lock:
            c = self.classes.setdefault(key, {"count": 0, "examples": []})
            c["count"] += 1
            if len(c["examples"]) >= self.args.keep:
                return
            slug = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(key))[:90]
            folder = os.path.join(self.out, slug, f"{len(c['examples'])}")
            c["examples"].append(folder)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, label)
        with open(path, "wb") as f:
            f.write(data)
        shown = [a if a != record["path"] else path for a in argv]
        with open(os.path.join(folder, "repro.txt"), "w") as f:
            f.write(f"source: {record['source']}\nmutation: {description}\n")
            f.write(f"outcome: {record['kind']} {record['detail']}  peak RSS {record['rss_kb'] // 1024} MB  {record['seconds']:.2f}s\n")
            f.write("command: SWIFT_BACKTRACE=enable=yes " + " ".join(shown) + "\n\nstderr:\n" + record["stderr"][-4000:])

    def one(self, job):
        """All commands on one input (a mutant or a plain file)."""
        set_name, index, source = job
        if self.deadline and time.monotonic() > self.deadline:
            return []  # over --max-seconds: the summary says how many ran
        with open(source, "rb") as f:
            original = f.read()
        if set_name == "mutants":
            rng = random.Random(f"{self.args.seed}:{index}")
            data, description = mutate(original, rng)
        elif set_name == "sweep":
            data, description = sweep_mutant(original, *index)
        else:
            data, description = original, "unchanged"
        label = os.path.basename(source)
        results = []
        for command in self.args.commands:
            work = tempfile.mkdtemp(prefix="omio-mutant-", dir=self.args.tmp)
            try:
                path = os.path.join(work, label)
                with open(path, "wb") as f:
                    f.write(data)
                argv = command_line(self.args.bin, command, path, work)
                kind, detail, seconds, rss, stderr = execute(argv, work, self.args.timeout, self.args.rss_kill_mb * 1024)
                record = dict(set=set_name, index=index, source=source, command=command, kind=kind, detail=detail,
                              seconds=round(seconds, 3), rss_kb=rss, size=len(data), path=path, stderr=stderr[-2000:],
                              mutation=description)
                key = None
                if kind == "crash":
                    key = ("crash", command, detail, hashlib.sha1(fatal_message(stderr).encode()).hexdigest()[:8])
                    record["message"] = fatal_message(stderr)
                elif kind in ("hang", "rss-kill"):
                    key = (kind, command)
                elif rss > self.args.rss_limit_mb * 1024 and len(data) < SMALL_FILE:
                    key = ("rss", command, os.path.basename(source))
                elif kind == "unclear-error":
                    key = ("unclear-error", command, detail)
                if key:
                    self.keep(key, label, data, description, argv, record)
                if data == original and set_name != "plain":
                    record["mutation"] += " (no change)"
                results.append(record)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        return results


def inputs(paths, every=False):
    """Image files of the folders (every regular file with every=True: corpus files are often
    named without an extension) and the files named."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += [os.path.join(p, n) for n in sorted(os.listdir(p))
                      if os.path.isfile(os.path.join(p, n)) and (every or n.lower().endswith(IMAGE_SUFFIXES))]
        elif os.path.isfile(p):
            files.append(p)
    return files


def summarize(run, started):
    recs = run.records
    lines = []
    for set_name in sorted({r["set"] for r in recs}):
        rs = [r for r in recs if r["set"] == set_name]
        kinds = {}
        for r in rs:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        peak = max(rs, key=lambda r: r["rss_kb"])
        small = [r for r in rs if r["size"] < SMALL_FILE]
        over = [r for r in small if r["rss_kb"] > run.args.rss_limit_mb * 1024 or r["kind"] == "rss-kill"]
        signals = {}
        for r in rs:
            if r["kind"] == "crash":
                signals[r["detail"]] = signals.get(r["detail"], 0) + 1
        slowest = max(rs, key=lambda r: r["seconds"])
        lines += [f"{set_name}: {len(rs)} executions ({len({(str(r['index']), r['source']) for r in rs})} inputs x {len(run.args.commands)} commands)",
                  "  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
                  f"  crashes: {kinds.get('crash', 0)}" + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(signals.items())) + ")" if signals else ""),
                  f"  hangs (> {run.args.timeout:g}s): {kinds.get('hang', 0)}",
                  f"  peak RSS max: {peak['rss_kb'] // 1024} MB: {peak['command']} {os.path.basename(peak['source'])} ({peak['mutation'][:120]})",
                  f"  over {run.args.rss_limit_mb} MB on a file under 10 MB: {len(over)} (killed at {run.args.rss_kill_mb} MB: {kinds.get('rss-kill', 0)})",
                  f"  slowest: {slowest['seconds']:.1f}s {slowest['command']} {os.path.basename(slowest['source'])}"]
    lines.append(f"classes ({len(run.classes)}), reproducers under {run.out}:")
    for key, c in sorted(run.classes.items(), key=lambda kv: (-kv[1]["count"], kv[0])):
        lines.append(f"  {c['count']:6d}  {' '.join(key)}  e.g. {c['examples'][0] if c['examples'] else ''}")
    lines.append(f"wall time {time.monotonic() - started:.0f}s, seed {run.args.seed}, jobs {run.args.jobs}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="files or folders to mutate (default: example_data and ../shared/corpus/real)")
    ap.add_argument("--bin", required=True, help="the omio-tui binary")
    ap.add_argument("--executions", type=int, default=20000, help="mutant executions (mutants = executions / commands)")
    ap.add_argument("--sweep", action="store_true", help="first set each sizing tag of each input to 2^24 and 2^32-1")
    ap.add_argument("--plain", action="append", default=[], help="also run every file of this folder unchanged")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--commands", default=",".join(COMMANDS), help="comma-separated: " + ", ".join(COMMANDS + ("render-disk",)))
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per execution before it counts as a hang")
    ap.add_argument("--rss-limit-mb", type=int, default=300)
    ap.add_argument("--rss-kill-mb", type=int, default=2048)
    ap.add_argument("--keep", type=int, default=3, help="reproducers kept per class")
    ap.add_argument("--out", default=".fuzz/mutants")
    ap.add_argument("--tmp", default=None, help="folder for the per-execution temp folders")
    ap.add_argument("--check", action="store_true", help="exit 1 on any crash, hang or RSS over the limit")
    ap.add_argument("--max-seconds", type=float, default=0, help="stop starting new inputs after this long")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    args.commands = [c for c in args.commands.split(",") if c]
    args.bin = os.path.abspath(args.bin)
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"mutate: {args.bin} is not an executable (build it first)")
    sources = inputs(args.files or ["example_data", "../shared/corpus/real", "/work/shared/corpus/real"])
    if args.files == [] and not sources:
        sys.exit("mutate: no input files")
    # The same file reached through two spellings of the corpus path counts once.
    seen, unique = set(), []
    for s in sources:
        k = os.path.realpath(s)
        if k not in seen:
            seen.add(k)
            unique.append(s)
    sources = unique
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    run = Run(args)
    mutants = -(-args.executions // len(args.commands)) if sources else 0
    jobs = []
    if args.sweep:
        for source in sources:
            with open(source, "rb") as f:
                jobs += [("sweep", tv, source) for tv in sweep_plan(f.read())]
    jobs += [("mutants", i, sources[i % len(sources)]) for i in range(mutants)]
    for folder in args.plain:
        jobs += [("plain", i, p) for i, p in enumerate(inputs([folder], every=True))]
    started = time.monotonic()
    done, shown = 0, started
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for results in pool.map(run.one, jobs):
            run.records += results
            done += 1
            bad = [r for r in results if r["kind"] in ("crash", "hang", "rss-kill")]
            if args.quiet:
                continue
            for r in bad:
                print(f"mutate: {r['kind']} {r['detail']} {r['command']} {os.path.basename(r['source'])}: {r['mutation'][:100]}", flush=True)
            if time.monotonic() - shown > 30:
                shown = time.monotonic()
                print(f"mutate: {done}/{len(jobs)} inputs, {len(run.records)} executions, {shown - started:.0f}s", flush=True)
    lines = summarize(run, started)
    print("\n".join(lines))
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"summary": lines, "classes": {" ".join(k): v for k, v in run.classes.items()},
                   "records": [{k: v for k, v in r.items() if k not in ("stderr", "path")} for r in run.records]}, f, indent=1)
    if args.check:
        failing = [k for k in run.classes if k[0] in ("crash", "hang", "rss-kill", "rss")]
        if failing:
            print("mutate: FAILED: " + "; ".join(" ".join(k) for k in failing))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
