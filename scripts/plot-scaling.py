#!/usr/bin/env python3
"""Plots `eventplatform bench scaling` output: drain rate by instance count, and the autoscaler's timeline.

    scripts/plot-scaling.py [FOLDER] [OUT.png]      (defaults: .local/bench/scaling docs/scaling.png)

Needs matplotlib (scripts/bench.sh scaling installs it into the project's venv).
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

folder = sys.argv[1] if len(sys.argv) > 1 else ".local/bench/scaling"
out = sys.argv[2] if len(sys.argv) > 2 else "docs/scaling.png"


def rows(name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


fixed, timeline = rows("fixed-instances.csv"), rows("autoscaler-timeline.csv")
panels = [p for p in (fixed, timeline) if p]
if not panels:
    sys.exit(f"no CSV files in {folder}: run scripts/bench.sh scaling first")
fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.2), squeeze=False)
axes = list(axes[0])

if fixed:
    ax = axes.pop(0)
    ax.bar([r["instances"] for r in fixed], [r["events_per_second"] for r in fixed], color="#4C72B0")
    for r in fixed:
        ax.annotate(f'{r["seconds"]:.0f} s', (r["instances"], r["events_per_second"]), ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("collector instances (one group member each)")
    ax.set_ylabel("events/s stored (backlog drain)")
    ax.set_title("Drain rate by instance count (labels: drain time)")

if timeline:
    ax = axes.pop(0)
    t = [r["seconds"] for r in timeline]
    ax.plot(t, [r["lag"] / 1000 for r in timeline], color="#C44E52", label="lag (thousand records)")
    ax.set_xlabel("seconds")
    ax.set_ylabel("lag (thousand records)")
    right = ax.twinx()
    right.step(t, [r["desired"] for r in timeline], where="post", color="#55A868", label="desired instances")
    right.step(t, [r["replicas"] for r in timeline], where="post", color="#4C72B0", linestyle="--", label="running instances")
    saturated = [x for x, r in zip(t, timeline) if r["saturated"] > 0]
    if saturated:
        right.scatter(saturated, [0.2] * len(saturated), marker="x", color="black", label="saturated")
    right.set_ylabel("instances")
    right.set_ylim(0, max(max(r["desired"] for r in timeline), max(r["replicas"] for r in timeline)) + 1)
    lines = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    ax.legend(lines, labels, loc="upper right", fontsize=8)
    ax.set_title("Autoscaler run (every 5 s)")

fig.tight_layout()
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
fig.savefig(out, dpi=110)
print(f"wrote {out}")
