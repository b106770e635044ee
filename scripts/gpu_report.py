#!/usr/bin/env python3
"""Writes scripts/gpu-check's markdown report from what its stages left in LOGS: environment.txt,
stages.tsv (stage, status, seconds, note), bench_*.json (Google Benchmark, our kernels),
torch_kernels.json (bench/kernels_torch.py) and train_torch.json (bench/train_step_torch.py).
Every rate is shown with its fraction of the device's peak, as our benchmarks compute it.

  scripts/gpu_report.py LOGS REPORT.md
"""
import json
import sys
from pathlib import Path


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def rate_cells(rate, unit, peak):
    share = f"{100 * rate / peak:.1f}%" if peak else "n/a"
    return f"{rate:.3g} {unit}", share


def our_kernels(benches):
    rows = []
    for name, data in benches:
        for b in data.get("benchmarks", []):
            if b.get("error_occurred"):
                rows.append(f"| {b['name']} | error: {b.get('error_message', '')} | | |")
                continue
            unit = "TB/s" if "TB/s" in b else "TFLOP/s"
            value = b.get(unit)
            if value is None:
                continue
            share = f"{100 * b['of_peak']:.1f}%" if "of_peak" in b else "n/a"
            rows.append(f"| {b['name']} | {b['real_time']:.4g} {b['time_unit']} | {value:.3g} {unit} | {share} |")
    return rows


def torch_kernels(data, peaks):
    rows = []
    for r in data.get("results", []):
        seconds = r["seconds"]
        if "flops" in r:
            rate, unit = r["flops"] / seconds / 1e12, "TFLOP/s"
        else:
            rate, unit = r["bytes"] / seconds / 1e12, "TB/s"
        value, share = rate_cells(rate, unit, peaks.get(r["peak"]))
        rows.append(f"| {r['name']} | {seconds * 1e6:.1f} us | {value} | {share} |")
    return rows


def train_steps(train_bench, torch_train):
    rows = []
    for b in (train_bench or {}).get("benchmarks", []):
        if b.get("error_occurred"):
            rows.append(f"| vitcuda {b['name']} | error: {b.get('error_message', '')} | | | |")
            continue
        share = f"{100 * b['of_bf16_peak']:.1f}%" if "of_bf16_peak" in b else "n/a"
        memory = f"{b['peak_MiB']:.0f}" if "peak_MiB" in b else "n/a"
        per_step = b["real_time"] / b.get("steps", 1)  # an iteration queues `steps` steps
        rows.append(f"| vitcuda {b['name']} | {per_step:.4g} {b['time_unit']} | {b.get('images', 0):.0f} | {share} "
                    f"| {memory} |")
    for r in torch_train or []:
        memory = f"{r['peak_mib']:.0f}" if "peak_mib" in r else "n/a"
        rows.append(f"| {r['name']} | {r['seconds_per_step'] * 1e3:.4g} ms | {r['images_per_s']:.0f} | | {memory} |")
    return rows


def main():
    logs, report = Path(sys.argv[1]), Path(sys.argv[2])
    benches = [(p.stem, load(p)) for p in sorted(logs.glob("bench_*.json"))]
    benches = [(n, d) for n, d in benches if d]
    context = next((d["context"] for n, d in benches if "peak_TB/s" in d.get("context", {})), {})
    peaks = {"bandwidth": float(context.get("peak_TB/s", 0)), "f32": float(context.get("peak_f32_TFLOP/s", 0)),
             "bf16_tensor": float(context.get("peak_bf16_tensor_TFLOP/s", 0))}
    train_bench = dict(benches).pop("bench_cuda_train_step", None)
    kernels = [(n, d) for n, d in benches if n != "bench_cuda_train_step"]

    out = ["# scripts/gpu-check report", ""]
    env = logs / "environment.txt"
    if env.exists():
        out += ["```", env.read_text().strip(), "```", ""]
    if context:
        out.append(f"Peaks used for the fractions ({context.get('device', '?')}, from the device's clocks): "
                   f"{peaks['bandwidth']:.3g} TB/s, f32 {peaks['f32']:.3g} TFLOP/s, "
                   f"bf16 tensor cores {peaks['bf16_tensor']:.3g} TFLOP/s.")
        out.append("")
    out += ["## Stages", "", "| stage | result | seconds | note |", "| --- | --- | --- | --- |"]
    stages = (logs / "stages.tsv").read_text().splitlines() if (logs / "stages.tsv").exists() else []
    for line in stages:
        name, status, seconds, note = (line.split("\t") + ["", "", ""])[:4]
        out.append(f"| {name} | {status} | {seconds} | {note} |")
    failed = [line.split("\t")[0] for line in stages if line.split("\t")[1] not in ("pass", "skipped")]
    out += ["", f"**{len(failed)} failed:** {', '.join(failed)}" if failed else "**No stage failed.**", ""]

    out += ["## Kernels: vitcuda", "", "| benchmark | time | rate | of peak |", "| --- | --- | --- | --- |"]
    out += our_kernels(kernels) or ["| (none ran) | | | |"]
    torch_data = load(logs / "torch_kernels.json")
    out += ["", "## Kernels: PyTorch twins, same GPU", ""]
    if torch_data:
        out += [f"PyTorch {torch_data.get('torch', '?')}.", "", "| twin | time | rate | of peak |",
                "| --- | --- | --- | --- |"] + torch_kernels(torch_data, peaks)
    else:
        out.append("Not run (no CUDA PyTorch here, or its stage failed).")
    out += ["", "## Training step", "",
            "| run | time/step | images/s | of bf16 peak | peak device memory (MiB) |",
            "| --- | --- | --- | --- | --- |"]
    out += train_steps(train_bench, load(logs / "train_torch.json")) or ["| (none ran) | | | | |"]
    determinism = logs / "determinism.txt"
    if determinism.exists():
        out += ["", "## Same seed, two runs", "", "```", determinism.read_text().strip(), "```"]
    report.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
