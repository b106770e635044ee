#!/usr/bin/env python3
"""Feeds vit_train and vit_predict the kinds of bad input that issue 10 was filed with, and sorts
every outcome. Fine: a success, or a refusal (a non-zero exit with one sentence on stderr). Ours to
fix: a crash (signal, abort, sanitizer report), a hang (timeout), a silent wrong answer (exit 0
where the input must be refused, or non-finite weights saved) or something lost (another run's
files changed, a committed checkpoint that no longer loads).

  tools/attack_inputs.py [--build build] [--rounds 1] [--seed 0] [--work DIR] [--only KIND...] [-v]

Kinds: checkpoint (mutated checkpoint files, then --resume and vit_predict), image (mutated JPEG,
PNG and BMP files in a class folder, and special files), folder (empty, unreadable, oddly named
class folders), cli (extreme flag values), nan (huge learning rates), runs (--resume and --out
against another run), kill (SIGKILL or SIGINT at random moments, then vit_predict and --resume),
disk (a full disk: needs root for a small tmpfs, else skipped). --rounds multiplies the random cases.
Every program runs with a 4 GiB address-space limit. Exit 1 when anything is ours to fix.
"""
import argparse
import collections
import hashlib
import json
import math
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TINY = ["--model", "custom", "--patch-size", "4", "--dim", "16", "--depth", "1", "--heads", "2",
        "--img-size", "16", "--batch-size", "8", "--workers", "1"]
CRASH_MARKS = ("terminate called", "AddressSanitizer", "runtime error:", "Segmentation fault", "core dumped",
               "LeakSanitizer", "std::bad_alloc")
FINE, REFUSED, CRASH, HANG, SILENT, LOST = "ok", "refused", "CRASH", "HANG", "SILENT WRONG", "LOST"
OURS = {CRASH, HANG, SILENT, LOST}


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


class Attack:
    def __init__(self, build, work, rng, verbose=False):
        self.verbose = verbose
        self.train_bin = build / "tools" / "vit_train"
        self.predict_bin = build / "tools" / "vit_predict"
        self.work, self.rng = work, rng
        self.results = collections.defaultdict(collections.Counter)
        self.failures = []
        self.case = 0

    # --- running and judging -------------------------------------------------------------
    def run(self, args, timeout=60, cwd=None):
        """Runs a program; returns (exit code or None on timeout, stderr)."""
        try:
            done = subprocess.run(args, cwd=cwd or self.work, capture_output=True, text=True, errors="replace",
                                  timeout=timeout, preexec_fn=limit_memory)
            return done.returncode, done.stderr
        except subprocess.TimeoutExpired as e:
            return None, (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")

    def train(self, *args, timeout=60, cwd=None):
        """vit_train on the tiny model; a flag given in args replaces the tiny model's value."""
        given = {arg for arg in map(str, args) if arg.startswith("--")}
        tiny = [x for flag, value in zip(TINY[::2], TINY[1::2]) if flag not in given for x in (flag, value)]
        return self.run([str(self.train_bin), *tiny, *map(str, args)], timeout, cwd)

    def predict(self, checkpoint, *images, timeout=60):
        return self.run([str(self.predict_bin), "--checkpoint", str(checkpoint), *map(str, images)], timeout)

    @staticmethod
    def verdict(code, stderr, must_refuse=False):
        """A program's outcome alone: crash, hang, refusal, success (or silent if it had to refuse)."""
        if code is None:
            return HANG
        if code < 0 or code >= 128 and code != 130 or any(mark in stderr for mark in CRASH_MARKS):
            return CRASH
        if code != 0:  # our "vit_train: <sentence>", or CLI11's own message for a malformed flag
            return REFUSED if stderr.strip() else CRASH
        return SILENT if must_refuse else FINE

    def record(self, kind, outcome, what, stderr=""):
        self.case += 1
        self.results[kind][outcome] += 1
        if self.verbose:
            last = stderr.strip().splitlines()[-1:] or [""]
            print(f"  [{kind}] {outcome}: {what} | {last[0][:200]}", flush=True)
        if outcome in OURS:
            self.failures.append(f"[{kind}] {outcome}: {what}\n    {stderr.strip()[-400:]}")

    def fresh(self, name):
        path = self.work / name
        shutil.rmtree(path, ignore_errors=True)
        return path

    # --- shared inputs ----------------------------------------------------------------------
    def make_data(self):
        self.data = self.work / "data"
        subprocess.run([sys.executable, str(REPO / "tools" / "make_synthetic_folder.py"), str(self.data),
                        "--classes", "3", "--per-class", "8", "--size", "16"], check=True, capture_output=True)
        self.image = sorted((self.data / "val").rglob("*.bmp"))[0]
        self.base = self.fresh("base")
        code, err = self.train("--data", self.data, "--epochs", "1", "--out", self.base)
        assert code == 0, f"the base run failed: {err}"
        self.seeds = [p.read_bytes() for p in sorted((REPO / "fuzz" / "corpus").glob("*/seed-*"))
                      if p.parent.name in ("jpeg", "png", "bmp")]

    def mutate(self, data):
        data = bytearray(data)
        how = self.rng.choice(["flip", "truncate", "zero", "insert", "append", "overwrite"])
        at = self.rng.randrange(max(1, len(data)))
        if how == "flip" and data:
            data[at] ^= 1 << self.rng.randrange(8)
        elif how == "truncate":
            del data[at:]
        elif how == "zero":
            end = at + self.rng.randrange(1, 64)
            data[at:end] = bytes(len(data[at:end]))
        elif how == "insert":
            data[at:at] = self.rng.randbytes(self.rng.randrange(1, 16))
        elif how == "append":
            data += self.rng.randbytes(self.rng.randrange(1, 4096))
        else:
            n = self.rng.randrange(1, 9)
            data[at:at + n] = self.rng.randbytes(n)
        return bytes(data), how

    # --- the kinds of attack ----------------------------------------------------------------
    def attack_checkpoint(self, rounds):
        state = json.loads((self.base / "last.state.json").read_text())
        data_files = [state["files"]["weights"]["name"], state["files"]["optimizer"]["name"]]
        edits = [-1, 2 ** 64, 1e300, 1.5, "x", None, {}, [], True, "0" * 16]
        for i in range(40 * rounds):
            run = self.fresh(f"ckpt{i}")
            shutil.copytree(self.base, run)  # copies the hard links as files: the stable names stay intact
            target = self.rng.choice(data_files + ["last.state.json", "last.safetensors"])
            path = run / target
            if target == "last.state.json" and self.rng.random() < 0.5:
                edited = json.loads(path.read_text())
                field = self.rng.choice(["epoch", "step", "best_metric", "version", "id", "data_seed", "files",
                                         "scheduler", "config", "dropout"])
                edited[field] = self.rng.choice(edits)
                path.write_text(json.dumps(edited))
                how = f"{field}={edited[field]!r}"
            else:
                before = path.read_bytes()
                after, how = self.mutate(before)
                if after == before:
                    continue
                path.write_bytes(after)
            must_refuse = target in data_files  # the SHA-256 in the state must catch any change
            code, err = self.train("--data", self.data, "--epochs", "2", "--resume", run)
            self.record("checkpoint", self.verdict(code, err, must_refuse), f"--resume after {how} of {target}", err)
            code, err = self.predict(run / "last.safetensors", self.image)
            self.record("checkpoint", self.verdict(code, err, target == data_files[0]),
                        f"vit_predict after {how} of {target}", err)

    def image_folder(self, name, files):
        root = self.fresh(name)
        shutil.copytree(self.data, root)
        folder = root / "train" / "class_0"
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        return root, folder

    def attack_image(self, rounds):
        extension = {b"\xff\xd8": ".jpg", b"\x89P": ".png", b"BM": ".bmp"}
        for i in range(40 * rounds):
            seed = self.rng.choice(self.seeds)
            mutated = seed
            for _ in range(self.rng.randrange(1, 4)):
                mutated, _ = self.mutate(mutated)
            root, folder = self.image_folder(f"img{i}", {"bad" + extension.get(seed[:2], ".bmp"): mutated})
            code, err = self.train("--data", root, "--epochs", "1", "--out", root / "run")
            self.record("image", self.verdict(code, err), f"training with a mutated {extension.get(seed[:2])}", err)
            code, err = self.predict(self.base / "last.safetensors", *folder.glob("bad*"))
            self.record("image", self.verdict(code, err), f"vit_predict on a mutated {extension.get(seed[:2])}", err)
        # Special files where an image is expected.
        root, folder = self.image_folder("special", {})
        os.mkfifo(folder / "fifo.jpg")
        (folder / "zero.png").symlink_to("/dev/zero")
        (folder / "dir.jpg").mkdir()
        (folder / "loop.png").symlink_to(folder / "loop.png")
        with open(folder / "sparse.png", "wb") as f:
            f.truncate(3 << 30)
        code, err = self.train("--data", root, "--epochs", "1", "--out", root / "run")
        self.record("image", self.verdict(code, err), "FIFO, /dev/zero, folder, symlink loop, 3 GB sparse file", err)
        for special in ("fifo.jpg", "zero.png", "sparse.png"):
            code, err = self.predict(self.base / "last.safetensors", folder / special)
            self.record("image", self.verdict(code, err, must_refuse=True), f"vit_predict on {special}", err)
        # Every training image corrupt: there is nothing to train on.
        root = self.fresh("all_corrupt")
        shutil.copytree(self.data, root)
        for path in (root / "train").rglob("*.bmp"):
            path.write_bytes(path.read_bytes()[:40])
        code, err = self.train("--data", root, "--epochs", "1", "--out", root / "run")
        self.record("image", self.verdict(code, err, must_refuse=True), "every training image corrupt", err)

    def attack_folder(self, rounds):
        cases = {}
        cases["empty"] = lambda root: None
        cases["empty class folders"] = lambda root: [(root / "train" / c).mkdir(parents=True) for c in "ab"]
        cases["one class"] = lambda root: shutil.copytree(self.data / "train" / "class_0", root / "class_0")
        cases["val classes differ"] = lambda root: (shutil.copytree(self.data / "train", root / "train"),
                                                    shutil.copytree(self.data / "val" / "class_0", root / "val" / "x"))
        cases["non-UTF-8 class name"] = lambda root: [shutil.copytree(self.data / "train" / "class_0",
                                                                      root / os.fsdecode(name))
                                                      for name in (b"caf\xe9", b"ok")]
        cases["file instead of folder"] = lambda root: root.rmdir() or root.write_bytes(b"x")
        for name, make in cases.items():
            root = self.fresh("folder")
            root.mkdir()
            make(root)
            code, err = self.train("--data", root, "--epochs", "1", "--out", self.work / "folder_run",
                                   "--val-split", "0.25")
            self.record("folder", self.verdict(code, err), name, err)
            shutil.rmtree(self.work / "folder_run", ignore_errors=True)
            if root.is_file():
                root.unlink()
        code, err = self.train("--data", self.work / "missing", "--epochs", "1", "--out", self.work / "folder_run")
        self.record("folder", self.verdict(code, err, must_refuse=True), "missing data folder", err)

    def attack_cli(self, rounds):
        values = ["-1", "0", "1e30", "nan", "inf", "-inf", "2147483648", "-2147483649", "18446744073709551616",
                  "abc", "", "0.5"]
        flags = ["--epochs", "--batch-size", "--grad-accum", "--lr", "--momentum", "--weight-decay",
                 "--warmup-epochs", "--lrf", "--step-size", "--factor", "--patience", "--label-smoothing",
                 "--drop", "--drop-path", "--clip-grad", "--workers", "--scale-min", "--hflip", "--crop-pct",
                 "--seed", "--val-split", "--num-classes", "--img-size", "--patch-size", "--dim", "--depth",
                 "--heads", "--mlp-ratio", "--in-channels", "--backbone-lr-scale"]
        for flag in flags:
            for value in values:
                out = self.fresh("cli_run")
                code, err = self.train("--data", self.data, "--epochs", "1", "--out", out, flag, value, timeout=120)
                self.record("cli", self.verdict(code, err), f"{flag} {value!r}", err)
        for args in (["--workers", "1000"], ["--resume", self.base, "--pretrained", self.base / "last.safetensors"],
                     ["--pretrained", "/dev/zero"], ["--config", "/dev/zero"], ["--sched", "nope"],
                     ["--img-size", "2147483646", "--patch-size", "1073741823"]):
            code, err = self.train("--data", self.data, "--epochs", "1", "--out", self.fresh("cli_run"), *args)
            self.record("cli", self.verdict(code, err), " ".join(map(str, args)), err)

    def attack_nan(self, rounds):
        for lr in ["1e6", "1e30", "3e38"]:
            out = self.fresh("nan_run")
            code, err = self.train("--data", self.data, "--epochs", "3", "--out", out, "--lr", lr)
            bad = [p.name for p in out.glob("*.safetensors") if not all_finite(p)]
            outcome = SILENT if bad else self.verdict(code, err)
            self.record("nan", outcome, f"--lr {lr}: non-finite values in {bad}" if bad else f"--lr {lr}", err)

    def attack_runs(self, rounds):
        other = self.fresh("other_run")
        shutil.copytree(self.base, other)
        (other / "config.json").write_text((other / "config.json").read_text().replace('"seed": 0', '"seed": 5'))
        before = tree_hash(other)
        code, err = self.train("--data", self.data, "--epochs", "2", "--resume", self.base, "--out", other)
        changed = tree_hash(other) != before
        self.record("runs", LOST if changed else self.verdict(code, err, must_refuse=True),
                    "--resume A --out B, where B holds another run", err)
        run = self.fresh("resumed_here")
        shutil.copytree(self.base, run)
        code, err = self.train("--data", self.data, "--epochs", "2", "--resume", run, cwd=self.work)
        rows = (run / "metrics.csv").read_text().strip().splitlines()
        wrong = code == 0 and (len(rows) != 3 or (self.work / "runs").exists())
        self.record("runs", SILENT if wrong else self.verdict(code, err), "--resume DIR continues in DIR", err)

    def attack_kill(self, rounds):
        for sig, kind in ((signal.SIGKILL, "kill"), (signal.SIGINT, "sigint")):
            for i in range(8 * rounds):
                out = self.fresh(f"{kind}{i}")
                process = subprocess.Popen([str(self.train_bin), *TINY, "--data", str(self.data), "--epochs", "40",
                                            "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                           text=True, preexec_fn=limit_memory)
                time.sleep(self.rng.uniform(0.3, 4.0))
                process.send_signal(sig)
                try:
                    _, err = process.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    self.record(kind, HANG, f"{sig.name} did not stop the run")
                    continue
                if sig == signal.SIGINT and process.returncode not in (0, 130):
                    self.record(kind, CRASH, f"SIGINT ended the run with exit {process.returncode}", err)
                    continue
                if not (out / "last.state.json").exists():
                    self.record(kind, FINE, "stopped before the first checkpoint")
                    continue
                code, err = self.predict(out / "last.safetensors", self.image)
                lost = code != 0
                if not lost:
                    code, err = self.train("--data", self.data, "--resume", out, "--epochs", epochs_done(out) + 1)
                    lost = code != 0
                self.record(kind, LOST if lost else FINE, f"{sig.name} then predict and --resume", err)

    def attack_disk(self, rounds):
        if os.geteuid() != 0 or shutil.which("mount") is None:
            self.record("disk", "skipped (needs root)", "full disk")
            return
        mount = self.fresh("tmpfs")
        mount.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)]).returncode != 0:
            self.record("disk", "skipped (mount failed)", "full disk")
            return
        try:
            for i in range(6 * rounds):
                for old in mount.iterdir():
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
                out = mount / "run"
                code, err = self.train("--data", self.data, "--epochs", "1", "--out", out)
                if code != 0:
                    self.record("disk", self.verdict(code, err), "first epoch on a small disk", err)
                    continue
                filler = mount / "filler"
                free = shutil.disk_usage(mount).free
                with open(filler, "wb") as f:  # leaves 0 to 160 kB free: a few more checkpoints or none
                    try:
                        f.write(bytes(max(0, free - self.rng.randrange(0, 160 << 10))))
                    except OSError:
                        pass
                code, err = self.train("--data", self.data, "--epochs", "4", "--resume", out)
                verdict = self.verdict(code, err)
                filler.unlink()
                code2, err2 = self.predict(out / "last.safetensors", self.image)
                self.record("disk", LOST if code2 != 0 else verdict, "training on into a full disk", err + err2)
        finally:
            subprocess.run(["umount", str(mount)])


def epochs_done(run):
    return json.loads((run / "last.state.json").read_text())["epoch"]


def tree_hash(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def all_finite(path):
    """Reads a safetensors file's F32 and BF16 tensors and says whether every value is finite."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        chunk = body[start:end]
        if entry["dtype"] == "F32":
            values = struct.unpack(f"<{len(chunk) // 4}f", chunk)
        elif entry["dtype"] == "BF16":
            values = [struct.unpack("<f", b"\0\0" + chunk[i:i + 2])[0] for i in range(0, len(chunk), 2)]
        else:
            continue
        if not all(math.isfinite(v) for v in values):
            return False
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", type=Path, default=REPO / "build")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", type=Path)
    p.add_argument("--only", nargs="*", default=[])
    p.add_argument("-v", "--verbose", action="store_true", help="print every case")
    a = p.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="vit_attack_"))
    work.mkdir(parents=True, exist_ok=True)
    attack = Attack(a.build.resolve(), work.resolve(), random.Random(a.seed), a.verbose)
    t0 = time.time()
    attack.make_data()
    kinds = a.only or ["checkpoint", "image", "folder", "cli", "nan", "runs", "kill", "disk"]
    for kind in kinds:
        t = time.time()
        getattr(attack, f"attack_{kind}")(a.rounds)
        print(f"{kind}: {time.time() - t:.0f} s", flush=True)
    print()
    for kind, counter in attack.results.items():
        print(f"{kind:>10}: " + ", ".join(f"{outcome} {n}" for outcome, n in sorted(counter.items())))
    print(f"{attack.case} cases in {time.time() - t0:.0f} s; work folder {work}")
    outcomes = collections.Counter()
    for counter in attack.results.values():
        outcomes.update(counter)
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    for failure in attack.failures:
        print(failure)
    if not a.work and not attack.failures:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if attack.failures else 0


if __name__ == "__main__":
    sys.exit(main())
