#!/usr/bin/env python3
"""Emit the per-model parameter templates used by the layout benchmark, as CSV on stdout:
   model,ord,path,type,writable,volatile,value
Models: 0 = tests/cpesim/models/tr181-router.json, 1 = tests/cpesim/models/tr098-router.json,
        2 = /work/shared/vectors/datamodels/igd-202BC1-BM632w.csv (a real device's list).
{i} object templates are expanded with the model's instance counts; each model keeps PARAMS
parameters (the watched X_RURU_DNSRelayWANAccess path is always kept)."""
import csv, json, os, re, sys

PARAMS = int(os.environ.get("PARAMS", "300"))
REPO = os.environ.get("REPO", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECT = os.environ.get("VECTOR_CSV", "/work/shared/vectors/datamodels/igd-202BC1-BM632w.csv")
VOLATILE = re.compile(r"(Bytes|Packets|UpTime|Time$|Address|MAC|Serial|SSID|Passphrase|Key|Errors|"
                      r"Count|Uptime|Password|Username|URL|Lease|Signal|Noise|Rate|Channel|Status)")
TYPES = {"string": "s", "unsignedInt": "u", "int": "i", "boolean": "b", "dateTime": "d",
         "base64": "x", "long": "l", "unsignedLong": "U", "hexBinary": "h"}

def expand(path, inst):
    out = [path]
    while any("{i}" in p for p in out):
        nxt = []
        for p in out:
            k = p.find("{i}")
            if k < 0:
                nxt.append(p); continue
            prefix = p[:k + 4]
            # object template for this level: replace earlier numbers back by {i}
            tmpl = re.sub(r"\.\d+\.", ".{i}.", prefix)
            n = inst.get(tmpl, 1)
            for j in range(1, n + 1):
                nxt.append(p[:k] + str(j) + p[k + 3:])
        out = nxt
    return out

def keep(rows):
    watched = [r for r in rows if "X_RURU_DNSRelayWANAccess" in r[0]][:1]
    rest = [r for r in rows if r not in watched]
    if len(rest) + len(watched) > PARAMS:  # spread the pick over the whole tree
        step = len(rest) / (PARAMS - len(watched))
        rest = [rest[int(i * step)] for i in range(PARAMS - len(watched))]
    return watched + rest

w = csv.writer(sys.stdout, lineterminator="\n")
for model, f in enumerate(["tr181-router.json", "tr098-router.json"]):
    d = json.load(open(os.path.join(REPO, "tests/cpesim/models", f)))
    inst = {o["path"]: o["instances"] for o in d["objects"]}
    rows = []
    for p in d["parameters"]:
        for path in expand(p["path"], inst):
            rows.append((path, TYPES.get(p["type"], "s"), p["writable"], str(p.get("value", ""))))
    # pad (if the model is smaller than PARAMS) with further instances of multi-instance objects
    j = 2
    while len(rows) < PARAMS and j < 50:
        for p in d["parameters"]:
            if "{i}" in p["path"] and len(rows) < PARAMS:
                rows.append((p["path"].replace("{i}", str(j)), TYPES.get(p["type"], "s"), p["writable"], str(p.get("value", ""))))
        j += 1
    for o, r in enumerate(keep(rows)):
        w.writerow([model, o, r[0], r[1], "t" if r[2] else "f", "t" if VOLATILE.search(r[0]) and r[1] != "b" else "f", r[3]])
rows = []
with open(VECT, newline="") as fh:
    for r in csv.DictReader(fh):
        if r["Object"] == "true" or not r["Parameter"].startswith("InternetGatewayDevice."):
            continue  # DeviceID.* is the Inform's DeviceIdStruct, not a parameter
        t = r["Value type"].replace("xsd:", "")
        rows.append((r["Parameter"], TYPES.get(t, "s"), r["Writable"] == "true", r["Value"]))
for o, r in enumerate(keep(rows)):
    w.writerow([2, o, r[0], r[1], "t" if r[2] else "f", "t" if VOLATILE.search(r[0]) and r[1] != "b" else "f", r[3]])
