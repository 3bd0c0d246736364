#!/usr/bin/env python3
"""No function in acs/ or db/ over 100 lines (ctest function_length; ARCHITECTURE.md).

A brace-matching scan, not a parser: comments and string literals are blanked, then every block
opened directly in a namespace or class scope whose preceding text looks like a function head
(parentheses, not a control statement, not an initializer) is measured from its opening line to
its closing brace. Lambdas and blocks inside functions count toward their function.

  check_function_length.py ROOT [DIR...]   check ROOT/DIR (default acs db); exit 1 on a long one
  check_function_length.py --self-test     a planted 101-line function is found, a 100-line one not
"""
import os
import re
import sys
import tempfile

LIMIT = 100
CONTROL = re.compile(r"^\s*(if|for|while|switch|else|do|try|catch|return|co_return)\b")
SCOPE = re.compile(r"\b(namespace|class|struct|enum|union)\b")
FUNCTION_END = re.compile(r"\)\s*(const\s*)?(override\s*)?(noexcept\s*)?(->[^{]*)?$")


def blank(text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r'R"\((?:.|\n)*?\)"', lambda m: '""' + "\n" * m.group(0).count("\n"), text)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
    return re.sub(r"'(?:[^'\\\n]|\\.)*'", "''", text)


def functions(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = blank(f.read())
    found, stack, pending, line = [], [], "", 1
    for ch in text:
        if ch == "\n":
            line += 1
            pending += " "
        elif ch == "{":
            head = pending.strip()
            in_scope = all(kind == "scope" for kind, _, _ in stack)
            if SCOPE.search(head.split("(")[0]) and not FUNCTION_END.search(head):
                kind = "scope"
            elif in_scope and "(" in head and FUNCTION_END.search(head) and not CONTROL.match(head) \
                    and not re.search(r"=\s*$", head):
                kind = "function"
            else:
                kind = "block"
            name = re.findall(r"([~\w:]+)\s*\(", head)
            stack.append((kind, line, name[0] if name else "?"))
            pending = ""
        elif ch == "}":
            if stack:
                kind, start, name = stack.pop()
                if kind == "function":
                    found.append((line - start + 1, start, name))
            pending = ""
        elif ch == ";":
            pending = ""
        else:
            pending += ch
    return found


def check(root, dirs):
    problems = []
    for d in dirs:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames[:] = [x for x in dirnames if not x.startswith(".")]
            for name in sorted(filenames):
                if not name.endswith((".h", ".cpp")):
                    continue
                path = os.path.join(dirpath, name)
                for length, start, fn in functions(path):
                    if length > LIMIT:
                        problems.append(f"{os.path.relpath(path, root)}:{start}: {fn} is {length} lines (limit {LIMIT})")
    return problems


def self_test():
    body = "  x += 1;\n"
    long_fn = "int Long(int x) {\n" + body * (LIMIT - 2 + 1) + "  return x;\n}\n"   # 101 lines
    ok_fn = "int Fine(int x) {\n" + body * (LIMIT - 3) + "  return x;\n}\n"          # 100 lines
    method = "struct S {\n  void M() const {\n" + "    if (a) {\n    }\n" * 60 + "  }\n};\n"  # 122 lines
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "acs", "x"))
        with open(os.path.join(root, "acs", "x", "a.cpp"), "w") as f:
            f.write("namespace n {\n" + long_fn + ok_fn + method + "}  // namespace n\n")
        problems = check(root, ["acs"])
    names = sorted(p.split(": ")[1].split(" ")[0] for p in problems)
    if names != ["Long", "M"]:
        print("self-test failed:", problems)
        return 1
    print("self-test ok: the 101- and 122-line functions are found, the 100-line one is not")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) < 2:
        print(__doc__)
        return 2
    problems = check(argv[1], argv[2:] or ["acs", "db"])
    for p in problems:
        print(p)
    if problems:
        print(f"function_length: {len(problems)} function(s) over {LIMIT} lines")
        return 1
    print(f"function_length: ok (no function in acs/ or db/ over {LIMIT} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
