#!/usr/bin/env python3
"""Draws docs/findings' SVG charts from a study folder (python3 standard library only; no plotting package).

    python3 docs/findings/charts.py runs/study-quick docs/findings

For each forget request of the study it writes <label>-cka.svg (linear CKA to the Original per stage,
mean over seeds with the std as error bars), <label>-cka-retrain.svg (the same, to Retrain) and <label>-gaps.svg (last-stage probe and k-NN k=5
forget-class accuracy minus Retrain's on the same seed, mean and std). The numbers come straight from
each request's results.json; nothing is recomputed or filtered.
"""
import json
import math
import os
import sys

COLOURS = ["#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def mean_std(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    if not xs:
        return float("nan"), 0.0
    m = sum(xs) / len(xs)
    s = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
    return m, s


def by_name(doc):
    out = {}
    for m in doc["models"]:
        out.setdefault(m["name"], []).append(m)
    return out


def svg(width, height, body, title):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">'
            f'<rect width="100%" height="100%" fill="white"/><text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{title}</text>'
            + "".join(body) + "</svg>")


def cka_chart(doc, path, key="cka_to_original", reference="original"):
    stages = doc["stages"]
    models = by_name(doc)
    names = [n for n in models if n != reference and all(m.get(key) for m in models[n])]
    W, H, L, R, T, B = 640, 380, 60, 150, 30, 40
    values = [v for n in names for m in models[n] for v in m[key].values()]
    lo = max(0.0, math.floor(min(values) * 20) / 20 - 0.05)
    x = lambda i: L + (W - L - R) * (i / max(1, len(stages) - 1))
    y = lambda v: T + (H - T - B) * (1 - (v - lo) / (1.0 - lo))
    body = [f'<line x1="{L}" y1="{y(lo)}" x2="{W - R}" y2="{y(lo)}" stroke="#888"/>', f'<line x1="{L}" y1="{T}" x2="{L}" y2="{y(lo)}" stroke="#888"/>']
    for k in range(6):
        v = lo + (1 - lo) * k / 5
        body.append(f'<text x="{L - 6}" y="{y(v) + 4}" text-anchor="end">{v:.2f}</text><line x1="{L}" y1="{y(v)}" x2="{W - R}" y2="{y(v)}" stroke="#eee"/>')
    for i, s in enumerate(stages):
        body.append(f'<text x="{x(i)}" y="{H - B + 16}" text-anchor="middle">{s}</text>')
    for j, n in enumerate(names):
        c = COLOURS[j % len(COLOURS)]
        dash = ' stroke-dasharray="6,3"' if n == "retrain" else ""
        pts = []
        for i, s in enumerate(stages):
            m, sd = mean_std([r[key].get(s) for r in models[n]])
            pts.append((x(i) + (j - len(names) / 2) * 2, y(m)))
            body.append(f'<line x1="{pts[-1][0]}" y1="{y(m - sd)}" x2="{pts[-1][0]}" y2="{y(min(1.0, m + sd))}" stroke="{c}"/>')
        body.append(f'<polyline fill="none" stroke="{c}" stroke-width="2"{dash} points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
        body.append(f'<text x="{W - R + 10}" y="{T + 14 * j + 10}" fill="{c}">{n}</text>')
    seeds = len(doc["seeds"])
    with open(path, "w") as f:
        f.write(svg(W, H, body, f"CKA to {'the Original' if reference == 'original' else 'Retrain'}, forgetting {describe(doc['forget'])} (mean ± std, {seeds} seeds)"))


def gaps_chart(doc, path):
    stages = doc["stages"]
    last = stages[-1]
    models = by_name(doc)
    retrain = {m["seed"]: m for m in models.get("retrain", [])}
    names = [n for n in models if n not in ("retrain",)]
    rows = []
    for n in names:
        probe = [r["probe_forget_acc"][last] - retrain[r["seed"]]["probe_forget_acc"][last] for r in models[n] if r["seed"] in retrain]
        knn = [r["knn5_forget_acc"][last] - retrain[r["seed"]]["knn5_forget_acc"][last] for r in models[n] if r["seed"] in retrain]
        rows.append((n, mean_std(probe), mean_std(knn)))
    W, H, L, T, B = 680, 360, 60, 30, 70
    vals = [v for _, p, k in rows for v in (p[0] + p[1], p[0] - p[1], k[0] + k[1], k[0] - k[1])]
    lo, hi = min(0.0, min(vals)) - 0.02, max(0.0, max(vals)) + 0.02
    y = lambda v: T + (H - T - B) * (1 - (v - lo) / (hi - lo))
    slot = (W - L - 20) / max(1, len(rows))
    body = [f'<line x1="{L}" y1="{y(0)}" x2="{W - 20}" y2="{y(0)}" stroke="#444"/>']
    for k in range(6):
        v = lo + (hi - lo) * k / 5
        body.append(f'<text x="{L - 6}" y="{y(v) + 4}" text-anchor="end">{v * 100:.0f}</text><line x1="{L}" y1="{y(v)}" x2="{W - 20}" y2="{y(v)}" stroke="#eee"/>')
    for i, (n, p, k) in enumerate(rows):
        x0 = L + slot * i + slot * 0.15
        for dx, (m, sd), c in ((0, p, "#1f77b4"), (slot * 0.35, k, "#ff7f0e")):
            top, bottom = y(max(m, 0)), y(min(m, 0))
            body.append(f'<rect x="{x0 + dx}" y="{top}" width="{slot * 0.3}" height="{max(0.5, bottom - top)}" fill="{c}"/>')
            cx = x0 + dx + slot * 0.15
            body.append(f'<line x1="{cx}" y1="{y(m - sd)}" x2="{cx}" y2="{y(m + sd)}" stroke="#000"/>')
        body.append(f'<text x="{x0 + slot * 0.3}" y="{H - B + 14}" text-anchor="end" transform="rotate(-35 {x0 + slot * 0.3} {H - B + 14})">{n}</text>')
    body.append(f'<text x="{L}" y="{H - 8}" fill="#1f77b4">■ probe gap</text><text x="{L + 110}" y="{H - 8}" fill="#ff7f0e">■ k-NN (k=5) gap</text>'
                f'<text x="{L + 260}" y="{H - 8}">points; 0 = as little left as Retrain</text>')
    with open(path, "w") as f:
        f.write(svg(W, H, body, f"Forget-class accuracy at {last} minus Retrain's, forgetting {describe(doc['forget'])}"))


def describe(forget):
    if forget["kind"] == "samples":
        return f"{forget['fraction'] * 100:.0f}% of samples"
    return "class " + ", ".join(str(c) for c in forget["classes"]) if len(forget["classes"]) == 1 else "classes " + ", ".join(str(c) for c in forget["classes"])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: charts.py STUDY_FOLDER OUT_FOLDER")
    study, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(study, "study.json")) as f:
        runs = json.load(f)["runs"]
    os.makedirs(out, exist_ok=True)
    for run in runs:
        with open(os.path.join(study, run["folder"], "results.json")) as f:
            doc = json.load(f)
        cka_chart(doc, os.path.join(out, run["folder"] + "-cka.svg"))
        cka_chart(doc, os.path.join(out, run["folder"] + "-cka-retrain.svg"), "cka_to_retrain", "retrain")
        gaps_chart(doc, os.path.join(out, run["folder"] + "-gaps.svg"))
        print("wrote", run["folder"] + "-cka.svg", run["folder"] + "-cka-retrain.svg", run["folder"] + "-gaps.svg")


if __name__ == "__main__":
    main()
