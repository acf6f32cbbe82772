#!/usr/bin/env python3
"""numpy/scipy side of `npm run bench:drift` (invoked by bench/drift.js).

    python3 bench/drift_numpy.py <reference.jsonl> <current.jsonl> <features.json>

Untimed: parse the reference capture file into arrays (the engine side loads its baseline
JSON untimed too). Timed: parse the current capture file (json.loads per line, features
from `request`), then compute per feature the same statistics as the engine:
numeric: edges (np.quantile 0.1..0.9), right-closed bin shares, PSI, Jensen-Shannon
distance, ks_2samp (auto), Wasserstein-1 / max(std, 0.001), missing-rate delta;
categorical: PSI, JS, L-inf, chi-square with the pooled unseen bucket, unseen rate.
Prints one JSON line: {"seconds": ..., "records": ..., "features": {...}}.
"""
import json
import math
import sys
import time

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

EPS = 1e-4


def load(path):
    with open(path, 'rb') as f:
        return [json.loads(line)['request'] for line in f if line.strip()]


def num_column(rows, name):
    col = np.array([r.get(name) for r in rows], dtype=float)  # None -> nan
    return col


def cat_column(rows, name):
    return [r.get(name) for r in rows]


def psi(r, c):
    r = np.where(r == 0, EPS, r)
    c = np.where(c == 0, EPS, c)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric_stats(ref_all, cur_all):
    ref = ref_all[~np.isnan(ref_all)]
    cur = cur_all[~np.isnan(cur_all)]
    edges = np.quantile(ref, [i / 10 for i in range(1, 10)])
    rs = np.bincount(np.searchsorted(edges, ref, side='left'), minlength=10) / len(ref)
    cs = np.bincount(np.searchsorted(edges, cur, side='left'), minlength=10) / len(cur)
    ks = stats.ks_2samp(ref, cur, method='auto')
    w = stats.wasserstein_distance(ref, cur)
    return {
        'type': 'numeric', 'n': int(len(cur)), 'psi': psi(rs, cs), 'jensenShannon': float(jensenshannon(rs, cs, base=2)),
        'ksStatistic': float(ks.statistic), 'ksPValue': float(ks.pvalue),
        'wassersteinNormed': float(w / max(np.std(ref), 0.001)),
        'missingRateDelta': (len(cur_all) - len(cur)) / len(cur_all) - (len(ref_all) - len(ref)) / len(ref_all),
    }


def categorical_stats(ref_all, cur_all):
    ref = np.array([v for v in ref_all if v is not None and v != ''], dtype=object).astype(str)
    cur = np.array([v for v in cur_all if v is not None and v != ''], dtype=object).astype(str)
    rk, rc = np.unique(ref, return_counts=True)
    ck, cc = np.unique(cur, return_counts=True)
    cats = np.union1d(rk, ck)
    r = np.zeros(len(cats))
    c = np.zeros(len(cats))
    r[np.searchsorted(cats, rk)] = rc / len(ref)
    c[np.searchsorted(cats, ck)] = cc / len(cur)
    m = len(cur)
    seen = r > 0
    o = c[seen] * m
    e = r[seen] * m
    unseen = float(np.sum(c[~seen]) * m)
    if unseen > 0:
        o = np.append(o, unseen)
        e = np.append(e, EPS * m)
    chi = float(np.sum((o - e) ** 2 / e))
    df = len(o) - 1
    return {
        'type': 'categorical', 'n': int(m), 'psi': psi(r, c), 'chiSquare': chi,
        'chiSquarePValue': float(stats.chi2.sf(chi, df)) if df > 0 else 1.0,
        'jensenShannon': float(jensenshannon(r, c, base=2)), 'lInfinity': float(np.max(np.abs(r - c))),
        'unseenRate': unseen / m,
        'missingRateDelta': (len(cur_all) - m) / len(cur_all) - (len(ref_all) - len(ref)) / len(ref_all),
    }


def main():
    ref_path, cur_path, spec_path = sys.argv[1:4]
    with open(spec_path) as f:
        spec = json.load(f)
    ref_rows = load(ref_path)
    ref_cols = {}
    for s in spec:
        ref_cols[s['name']] = num_column(ref_rows, s['name']) if s['type'] == 'numeric' else cat_column(ref_rows, s['name'])
    del ref_rows

    t0 = time.perf_counter()
    rows = load(cur_path)
    out = {}
    for s in spec:
        name = s['name']
        if s['type'] == 'numeric':
            out[name] = numeric_stats(ref_cols[name], num_column(rows, name))
        else:
            out[name] = categorical_stats(ref_cols[name], cat_column(rows, name))
    seconds = time.perf_counter() - t0
    print(json.dumps({'seconds': seconds, 'records': len(rows), 'features': out},
                     default=lambda x: None if isinstance(x, float) and math.isnan(x) else x))


if __name__ == '__main__':
    main()
