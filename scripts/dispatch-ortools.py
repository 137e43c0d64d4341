#!/usr/bin/env python3
"""Solves a dispatch instance with Google OR-Tools' min-cost-flow solver, for comparison.

Reads DIR/arcs.bin, written by `wushe bench dispatch`: little-endian int32 words
[tasks, helpers, then per task: priority; per helper: capacity; then per arc: task, helper,
cost]. Builds the same network the product's solver works on (task -> helper at walking
cost x priority, task -> sink at 10,000 x priority for leaving it unassigned, helper -> sink
with the helper's capacity) and prints one line:
cost=<int> unassigned=<n> build_seconds=<s> solve_seconds=<s>
Only the benchmark uses this; the product never runs Python.
"""
import sys
import time

import numpy as np
from ortools.graph.python import min_cost_flow


def main(path):
    words = np.fromfile(path, dtype="<i4")
    t, h = int(words[0]), int(words[1])
    priority = words[2 : 2 + t].astype(np.int64)
    capacity = words[2 + t : 2 + t + h].astype(np.int64)
    arcs = words[2 + t + h :].reshape(-1, 3)
    started = time.perf_counter()
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = t + h
    tail = np.concatenate([arcs[:, 0], np.arange(t), t + np.arange(h)])
    head = np.concatenate([t + arcs[:, 1], np.full(t, sink), np.full(h, sink)])
    cap = np.concatenate([np.ones(len(arcs), dtype=np.int64), np.ones(t, dtype=np.int64), capacity])
    cost = np.concatenate([arcs[:, 2].astype(np.int64), 10_000 * priority, np.zeros(h, dtype=np.int64)])
    flow.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    supplies = np.concatenate([np.ones(t, dtype=np.int64), np.zeros(h, dtype=np.int64), [-t]])
    flow.set_nodes_supplies(np.arange(t + h + 1), supplies)
    built = time.perf_counter()
    status = flow.solve()
    solved = time.perf_counter()
    if status != flow.OPTIMAL:
        sys.exit(f"OR-Tools did not solve the instance: status {status}")
    flows = flow.flows(np.arange(len(arcs), len(arcs) + t))
    print(
        f"cost={flow.optimal_cost()} unassigned={int(flows.sum())} "
        f"build_seconds={built - started:.6f} solve_seconds={solved - built:.6f}"
    )


if __name__ == "__main__":
    main(sys.argv[1])
