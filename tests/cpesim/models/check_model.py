#!/usr/bin/env python3
"""Validates CPE simulator device models (tests/cpesim/models/*.json); see README.md there.

Usage: check_model.py [--spec BBF-XML] FILE...

Prints one summary line per valid model, every problem found as "FILE: message", and exits 1
if any file has a problem (2 on bad usage). With --spec (a BBF "full" data model XML such as
tr-181-2-17-0-cwmp-full.xml) it also checks that every standard (non X_) parameter of a model
under that XML's root exists there with the same type and writability; this is optional, the
XML is not part of the project. Standard library only.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

TOP_KEYS = {"name", "root", "device_id", "software_version", "hardware_version", "dual_bank",
            "inform_parameters", "objects", "parameters"}
OPTIONAL_TOP_KEYS = {"rpc_methods"}  # accepted by the engine (tests/cpesim/model.h)
DEVICE_ID_KEYS = {"manufacturer", "oui", "product_class"}
OBJECT_KEYS = {"path", "addable", "instances"}
PARAM_KEYS = {"path", "type", "writable", "value"}
OPTIONAL_PARAM_KEYS = {"secret", "notification", "range", "enum"}  # range/enum: model.h
ROOTS = ("Device.", "InternetGatewayDevice.")
TYPES = {"string", "int", "unsignedInt", "long", "unsignedLong", "boolean", "dateTime",
         "base64", "hexBinary"}
PLACEHOLDERS = {"serial", "oui", "product_class", "wan_ip", "connreq_url", "mac", "time_zone",
                "software_version", "hardware_version", "acs_url", "now", "i"}
MIN_EXPANDED = 250
MAX_DEPTH = 4  # kMaxInstanceDepth in model.h

INT_RANGES = {"int": (-2**31, 2**31 - 1), "unsignedInt": (0, 2**32 - 1),
              "long": (-2**63, 2**63 - 1), "unsignedLong": (0, 2**64 - 1)}
DATETIME_RE = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$")
BASE64_RE = re.compile(r"^[A-Za-z0-9+/\s]*=?=?\s*$")
HEX_RE = re.compile(r"^([0-9A-Fa-f]{2})*$")
SEGMENT_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*|\{i\})$")
PLACEHOLDER_RE = re.compile(r"\$\{([^}]*)\}")


def lexical_error(type_, value):
    """Why `value` is not in the lexical space of `type_` (placeholders already excluded), or None."""
    if type_ == "string":
        return None
    if type_ in INT_RANGES:
        if not re.fullmatch(r"[+-]?\d+", value):
            return "not an integer"
        lo, hi = INT_RANGES[type_]
        if not lo <= int(value) <= hi:
            return "out of range for %s" % type_
        return None
    if type_ == "boolean":
        return None if value in ("true", "false") else 'boolean must be "true" or "false"'
    if type_ == "dateTime":
        return None if DATETIME_RE.match(value) else "not an xsd:dateTime"
    if type_ == "base64":
        return None if BASE64_RE.match(value) and len(re.sub(r"\s", "", value)) % 4 == 0 \
            else "not base64"
    if type_ == "hexBinary":
        return None if HEX_RE.match(value) else "not hexBinary"
    return "unknown type"


def load_spec(filename):
    """{path: (type, writable)} for every parameter of a BBF full XML (objects are skipped)."""
    prim = TYPES
    root = ET.parse(filename).getroot()
    strip = lambda tag: tag.split("}", 1)[-1]
    datatypes = {}
    for dt in root.iter():
        if strip(dt.tag) == "dataType" and dt.get("name"):
            base = next((strip(c.tag) for c in dt if strip(c.tag) in prim), None)
            datatypes[dt.get("name")] = (dt.get("base"), base)

    def resolve(name):
        for _ in range(20):
            if name not in datatypes:
                break
            base, p = datatypes[name]
            if p:
                return p
            name = base
        return name if name in prim else "string"

    out = {}
    for model in root.iter():
        if strip(model.tag) != "model":
            continue
        for obj in model:
            if strip(obj.tag) != "object":
                continue
            for p in obj:
                if strip(p.tag) != "parameter":
                    continue
                t = "string"
                for syn in (c for c in p if strip(c.tag) == "syntax"):
                    for c in syn:
                        tag = strip(c.tag)
                        if tag == "list":
                            break
                        if tag in prim:
                            t = tag
                            break
                        if tag == "dataType":
                            t = resolve(c.get("ref"))
                            break
                    break
                writable = p.get("access") in ("readWrite", "writeOnceReadOnly")
                out[obj.get("name") + p.get("name")] = (t, writable)
    return out


def check(filename, specs):
    errors = []
    err = errors.append
    try:
        with open(filename, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return ["cannot load: %s" % e], None
    if not isinstance(doc, dict):
        return ["top level is not a JSON object"], None
    keys = set(doc)
    for k in sorted(TOP_KEYS - keys):
        err("missing key %r" % k)
    for k in sorted(keys - TOP_KEYS - OPTIONAL_TOP_KEYS):
        err("unknown key %r" % k)
    if errors:
        return errors, None

    for k in ("name", "software_version", "hardware_version"):
        if not isinstance(doc[k], str) or not doc[k]:
            err("%r must be a non-empty string" % k)
    root = doc["root"]
    if root not in ROOTS:
        return errors + ["root %r is not one of %s" % (root, ", ".join(ROOTS))], None
    if not isinstance(doc["dual_bank"], bool):
        err('"dual_bank" must be true or false')
    did = doc["device_id"]
    if not isinstance(did, dict) or set(did) != DEVICE_ID_KEYS:
        err('"device_id" must have exactly the keys %s' % ", ".join(sorted(DEVICE_ID_KEYS)))
    else:
        for k, v in did.items():
            if not isinstance(v, str) or not v:
                err("device_id.%s must be a non-empty string" % k)
        if isinstance(did["oui"], str) and not re.fullmatch(r"[0-9A-F]{6}", did["oui"]):
            err("device_id.oui %r is not 6 upper-case hex digits" % did["oui"])
    if "rpc_methods" in doc and (not isinstance(doc["rpc_methods"], list) or
                                 not all(isinstance(x, str) for x in doc["rpc_methods"])):
        err('"rpc_methods" must be an array of strings')

    def check_path(path, what):
        if not isinstance(path, str):
            err("%s path %r is not a string" % (what, path))
            return False
        if not path.startswith(root):
            err("%s %s is not under root %s" % (what, path, root))
            return False
        body = path[:-1] if path.endswith(".") else path
        bad = [s for s in body.split(".") if not SEGMENT_RE.match(s)]
        if bad:
            err("%s %s has a malformed segment %r" % (what, path, bad[0]))
            return False
        if path.count("{i}") > MAX_DEPTH:
            err("%s %s nests deeper than %d instances" % (what, path, MAX_DEPTH))
            return False
        return True

    # Objects: multi-instance templates.
    seen = set()
    objects = {}  # path -> instances
    if not isinstance(doc["objects"], list):
        return errors + ['"objects" is not an array'], None
    for i, o in enumerate(doc["objects"]):
        where = "objects[%d]" % i
        if not isinstance(o, dict) or set(o) != OBJECT_KEYS:
            err("%s must have exactly the keys %s" % (where, ", ".join(sorted(OBJECT_KEYS))))
            continue
        path = o["path"]
        if not check_path(path, "object"):
            continue
        if not path.endswith(".{i}."):
            err('object %s does not end with ".{i}."' % path)
            continue
        if path in seen:
            err("object %s declared twice" % path)
        seen.add(path)
        if not isinstance(o["addable"], bool):
            err("object %s: addable must be true or false" % path)
        n = o["instances"]
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            err("object %s: instances must be a non-negative integer" % path)
            n = 0
        objects[path] = n

    def templates_of(path):
        """The template prefixes of `path`, outermost first ("A.{i}.", "A.{i}.B.{i}.")."""
        out = []
        pos = path.find("{i}")
        while pos >= 0:
            out.append(path[:pos + 3] + ".")
            pos = path.find("{i}", pos + 3)
        return out

    for path in objects:
        for t in templates_of(path)[:-1]:
            if t not in objects:
                err("object %s: enclosing template %s is not declared" % (path, t))

    def expanded(path):
        n = 1
        for t in templates_of(path):
            n *= objects.get(t, 0)
        return n

    # Parameters.
    params = {}
    total = 0
    if not isinstance(doc["parameters"], list):
        return errors + ['"parameters" is not an array'], None
    for i, p in enumerate(doc["parameters"]):
        where = "parameters[%d]" % i
        if not isinstance(p, dict) or not PARAM_KEYS <= set(p) or \
                set(p) - PARAM_KEYS - OPTIONAL_PARAM_KEYS:
            err("%s must have the keys %s (and optionally %s)" %
                (where, ", ".join(sorted(PARAM_KEYS)), ", ".join(sorted(OPTIONAL_PARAM_KEYS))))
            continue
        path = p["path"]
        if not check_path(path, "parameter"):
            continue
        where = "parameter " + path
        if path.endswith("."):
            err("%s ends with '.'" % where)
            continue
        if path.endswith("{i}"):
            err("%s ends in an instance number, not a name" % where)
            continue
        if path in params:
            err("%s declared twice" % where)
        if path + "." in objects:
            err("%s is also declared as an object" % where)
        temps = templates_of(path)
        missing = [t for t in temps if t not in objects]
        if missing:
            err("%s: template %s is not declared in \"objects\"" % (where, missing[0]))
        t = p["type"]
        if t not in TYPES:
            err("%s: unknown type %r" % (where, t))
            continue
        if not isinstance(p["writable"], bool):
            err("%s: writable must be true or false" % where)
        value = p["value"]
        if not isinstance(value, str):
            err("%s: value must be a JSON string" % where)
            continue
        if value.count("${") != len(PLACEHOLDER_RE.findall(value)):
            err("%s: unterminated placeholder in %r" % (where, value))
            continue
        names = PLACEHOLDER_RE.findall(value)
        for name in names:
            if name not in PLACEHOLDERS:
                err("%s: unknown placeholder ${%s}" % (where, name))
            elif name == "i" and not temps:
                err("%s: ${i} outside a multi-instance template" % where)
        if names and t != "string":
            if not (t == "dateTime" and value == "${now}"):
                err("%s: placeholders in a %s value (only whole \"${now}\" for dateTime)"
                    % (where, t))
        elif not names:
            why = lexical_error(t, value)
            if why:
                err("%s: value %r: %s" % (where, value, why))
        if "secret" in p:
            if not isinstance(p["secret"], bool):
                err("%s: secret must be true or false" % where)
            elif p["secret"] and t != "string":
                err("%s: secret on a %s parameter (strings only)" % (where, t))
        if "notification" in p:
            n = p["notification"]
            if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 6:
                err("%s: notification must be an integer 0-6" % where)
        params[path] = p
        total += expanded(path)

    for path in objects:
        if not any(q.startswith(path) for q in params):
            err("object %s has no parameter" % path)

    # Inform parameters: concrete or template paths of declared parameters.
    inform = doc["inform_parameters"]
    if not isinstance(inform, list):
        err('"inform_parameters" is not an array')
        inform = []
    seen_inform = set()
    for path in inform:
        if not isinstance(path, str):
            err("inform parameter %r is not a string" % (path,))
            continue
        if path in seen_inform:
            err("inform parameter %s listed twice" % path)
        seen_inform.add(path)
        template = re.sub(r"\.\d+\.", ".{i}.", path)
        template = re.sub(r"\.\d+\.", ".{i}.", template)  # adjacent numbers ("A.1.2.")
        if template not in params:
            err("inform parameter %s is not a parameter of the model" % path)
            continue
        concrete = path.replace("{i}", "1")
        # Each instance number along the path must be an initial instance.
        numbers = [int(n) for n in re.findall(r"\.(\d+)(?=\.)", concrete)]
        for t, num in zip(templates_of(template), numbers):
            if num > objects.get(t, 0):
                err("inform parameter %s: %s has no initial instance %d" % (path, t, num))

    if total < MIN_EXPANDED:
        err("only %d parameters after expanding initial instances (at least %d required)"
            % (total, MIN_EXPANDED))

    for spec_root, spec in specs:
        if spec_root != root:
            continue
        for path, p in params.items():
            if "X_" in path:
                continue
            if path not in spec:
                err("parameter %s is not in the data model XML" % path)
                continue
            t, w = spec[path]
            if p["type"] != t:
                err("parameter %s: type %s, data model says %s" % (path, p["type"], t))
            if p["writable"] != w:
                err("parameter %s: writable %s, data model says %s"
                    % (path, str(p["writable"]).lower(), str(w).lower()))

    summary = "%s: %s (%s) ok: %d objects, %d parameter entries, %d after expanding initial " \
              "instances, %d inform parameters" % (filename, doc["name"], root, len(objects),
                                                   len(params), total, len(inform))
    return errors, summary


def main(argv):
    args = argv[1:]
    spec_files = []
    while args and args[0] == "--spec":
        if len(args) < 2:
            break
        spec_files.append(args[1])
        args = args[2:]
    if not args or any(a.startswith("-") for a in args):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    specs = []
    for fn in spec_files:
        try:
            spec = load_spec(fn)
        except (OSError, ET.ParseError) as e:
            print("%s: cannot load data model XML: %s" % (fn, e), file=sys.stderr)
            return 2
        roots = {p.split(".", 1)[0] + "." for p in spec}
        specs.extend((r, spec) for r in roots if r in ROOTS)
    failed = False
    for fn in args:
        errors, summary = check(fn, specs)
        for e in errors:
            print("%s: %s" % (fn, e))
        if errors:
            failed = True
            print("%s: FAILED (%d problem%s)" % (fn, len(errors), "" if len(errors) == 1 else "s"))
        else:
            print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
