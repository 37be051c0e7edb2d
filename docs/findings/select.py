#!/usr/bin/env python3
"""The selection rule of docs/findings/protocol.md, applied to a reproduce run on the selection seeds:

    python3 docs/findings/select.py runs/sel/results.json [--budget 100]

Per candidate (a model name such as ec:lr=0.05), means over the run's seeds. A candidate is valid when its
UA is at most Retrain's + 5 points and its RA at least the Original's - 3 points; per method the valid
candidate with the lowest mean CKA to the Original over all stages but the last is chosen (the same rule
for every method, EC and baselines alike). Only candidates run at the common step budget (--budget, default
the most frequent one) can be chosen; others (the budget ablation) are listed and marked. Prints the table
and the choice per method.
"""
import json
import sys
from collections import Counter, defaultdict

args = sys.argv[1:]
budget = None
if "--budget" in args:
    i = args.index("--budget")
    budget = int(args[i + 1])
    del args[i:i + 2]
doc = json.load(open(args[0]))
summary = {r["name"]: r for r in doc["summary"]}
models = defaultdict(list)
for m in doc["models"]:
    models[m["name"]].append(m)
steps = {name: (runs[0].get("config") or {}).get("Steps") for name, runs in models.items()}
if budget is None:
    budget = Counter(s for n, s in steps.items() if s is not None).most_common(1)[0][0]
orig, retrain = summary["original"]["mean"], summary["retrain"]["mean"]
print(f"seeds {doc['seeds']}, forgetting {doc['forget']['classes']}, common budget {budget} steps; Original RA {orig['ra']*100:.1f} TA {orig['ta']*100:.1f}; "
      f"Retrain UA {retrain['ua']*100:.1f} CKA {retrain['cka_shallow']:.3f} kNN5 {retrain['knn5_last']*100:.1f}")
print(f"{'candidate':48s} {'UA':>6s} {'RA':>6s} {'TA':>6s} {'CKA sh':>7s} {'±':>5s} {'CKA->R':>7s} {'probe gap':>9s} {'kNN5 gap':>8s} {'s':>5s} valid")
best = {}
for name, r in summary.items():
    if name in ("original", "retrain"):
        continue
    m, s = r["mean"], r["std"]
    valid = m["ua"] <= retrain["ua"] + 0.05 and m["ra"] >= orig["ra"] - 0.03
    stops = [x["stop_reason"] for x in models[name] if x.get("stop_reason")]
    eligible = steps[name] == budget
    mark = ("yes" if valid else "no") + ("" if eligible else f" (budget {steps[name]}: ablation, not a candidate)") + (" DIVERGED" if stops else "")
    print(f"{name:48s} {m['ua']*100:6.1f} {m['ra']*100:6.1f} {m['ta']*100:6.1f} {m['cka_shallow']:7.3f} {s['cka_shallow']:5.3f} {m['cka_retrain_shallow']:7.3f} "
          f"{m['probe_gap']*100:9.1f} {m['knn5_gap']*100:8.1f} {m['seconds']:5.0f} {mark}")
    method = models[name][0]["method"]
    if valid and eligible and (method not in best or m["cka_shallow"] < best[method][1]):
        best[method] = (name, m["cka_shallow"])
print()
for method, (name, cka) in sorted(best.items()):
    print(f"chosen for {method}: {name} (CKA {cka:.4f})")
