#!/usr/bin/env python3
"""Turn results.csv + tabstat.csv of one run into a markdown table (stdout)."""
import csv, sys, os
out, ndev = sys.argv[1], int(sys.argv[2])
res = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
tab = list(csv.DictReader(open(os.path.join(out, "tabstat.csv"))))
layouts = [l for l in "ABC" if any(r["layout"] == l for r in res)]
val = {(r["layout"], r["metric"]): r for r in res}
def g(l, m):
    r = val.get((l, m)); return float(r["value"]) if r and r["value"] else None
def ts(l, ph):
    for r in tab:
        if r["layout"] == l and r["phase"] == ph: return r
def mb(x): return "" if x is None else f"{x/2**20:,.0f} MB"
def f(x, d=1): return "" if x is None else f"{x:,.{d}f}"
rows = []
def row(name, fn):
    rows.append([name] + [fn(l) for l in layouts])
row("bulk load (s)", lambda l: f(g(l, "load_s")))
row("VACUUM ANALYZE after load (s)", lambda l: f(g(l, "vacuum_after_load_s")))
for k, lab in [("total_bytes", "size after load, total"), ("heap_bytes", "  heap"), ("toast_bytes", "  TOAST"), ("index_bytes", "  indexes (PK only)")]:
    row(lab, lambda l, k=k: mb(int(ts(l, "loaded")[k])) if ts(l, "loaded") else "")
row("bytes per device (total, after load)", lambda l: f(int(ts(l, "loaded")["total_bytes"]) / ndev, 0) if ts(l, "loaded") else "")
row("fleet index build (s)", lambda l: f(g(l, "fleet_index_build_s")))
row("fleet index size", lambda l: mb(g(l, "fleet_index_bytes")))
for ph, lab in [("change", "change batch"), ("change_pathidx_only", "change batch, B with (path_id) index instead of (path_id,value)"),
                ("change_sync_commit_off", "change batch, synchronous_commit=off"),
                ("nochange10", "no-change batch (same 10 values)"), ("nochange10_naive_upsert", "no-change, naive ON CONFLICT ... WHERE"),
                ("nochange_full300", "no-change, all 300 values re-sent")]:
    if not any(g(l, ph + ":median_ms") is not None for l in layouts): continue
    row(f"{lab}: median ms", lambda l, ph=ph: f(g(l, ph + ":median_ms")))
    row(f"{lab}: rows sent/s", lambda l, ph=ph: f(g(l, ph + ":rows_per_s"), 0))
    row(f"{lab}: devices/s", lambda l, ph=ph: f(g(l, ph + ":devices_per_s"), 0))
    row(f"{lab}: rows written/batch", lambda l, ph=ph: f(g(l, ph + ":rows_written_per_batch"), 0))
    row(f"{lab}: WAL/batch", lambda l, ph=ph: "" if g(l, ph + ":wal_per_batch") is None else f"{g(l, ph + ':wal_per_batch')/1024:,.0f} kB")
    row(f"{lab}: FPI / records (phase)", lambda l, ph=ph: (val.get((l, ph + ":median_ms")) or {}).get("note", "").replace("wal_", ""))
for m, lab in [("read_full", "read one device, full list (ms)"), ("read_full_rows", "read one device, jsonb_each rows (ms)"),
               ("read_prefix", "read one device, prefix Device.WiFi. (ms)"), ("fleet_query", "fleet query DNSRelayWANAccess=true (ms)"),
               ("fleet_query_pathidx_only", "fleet query, (path_id) index only (ms)"), ("fleet_query_gin", "fleet query, GIN jsonb_path_ops (ms)"),
               ("fleet_index_path_only_bytes", "(path_id) index size"), ("gin_index_build_s", "GIN build (s)"), ("gin_index_bytes", "GIN size"),
               ("fleet_result_rows", "fleet query result rows"), ("doc_bytes_avg", "avg stored jsonb doc (B)")]:
    if not any(g(l, m) is not None for l in layouts): continue
    if m.endswith("bytes"): row(lab, lambda l, m=m: mb(g(l, m)))
    else: row(lab, lambda l, m=m: f(g(l, m), 2))
def bloat(l):
    a, e = ts(l, "loaded"), ts(l, "end")
    if not a or not e: return ""
    return f"{mb(int(e['total_bytes']))} (+{(int(e['total_bytes'])/int(a['total_bytes'])-1)*100:.1f}%)"
row("size at end (after all batches)", bloat)
def hot(l):
    ph = [r for r in tab if r["layout"] == l]
    out = []
    prev = None
    for r in ph:
        if prev is not None and r["phase"].startswith("change"):
            du = int(r["n_upd"]) - int(prev["n_upd"]); dh = int(r["n_hot"]) - int(prev["n_hot"])
            out.append(f"{r['phase']}: {dh}/{du} HOT" + (f" ({dh/du*100:.0f}%)" if du else ""))
        prev = r
    return "; ".join(out)
row("HOT updates per change phase", hot)
row("dead tuples at end", lambda l: ts(l, "end")["n_dead"] if ts(l, "end") else "")
print("| metric | " + " | ".join({"A": "A: JSONB per device", "B": "B: path dict + rows", "C": "C: rows, text path"}[l] for l in layouts) + " |")
print("|---|" + "---|" * len(layouts))
for r in rows:
    if any(c for c in r[1:]): print("| " + " | ".join(str(c) for c in r) + " |")
notes = [r for r in res if r["note"]]
