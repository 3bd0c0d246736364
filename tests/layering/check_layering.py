#!/usr/bin/env python3
"""The layering rules of ARCHITECTURE.md, checked on the source tree (ctest `layering`).

Every C++ file under a module folder may include only the project headers of the modules that
folder is allowed to use (MODULES below), and the restricted third-party headers (libpqxx,
Boost.Asio/Beast, gSOAP, sockets) only where RESTRICTED allows them. The module table itself must
point down only: a module's allowed modules come before it in the table.

  check_layering.py ROOT        check the tree at ROOT; exit 1 and one line per violation
  check_layering.py --self-test check that a tree with violations is refused (the check can fail)
"""
import os
import re
import sys
import tempfile

# Modules bottom up: (folder, the folders it may include besides itself). Order matters: a
# module may only use modules listed above it. The most specific folder owns a file
# (db/pg before db).
MODULES = [
    ("base", []),
    ("cwmp", ["base"]),
    ("db", ["base"]),
    ("db/pg", ["base", "db"]),
    ("acs/metrics", ["base"]),
    ("acs/access", ["base", "db"]),
    ("acs/config", ["base", "acs/access"]),
    ("acs/net", ["base", "db", "acs/metrics", "acs/config"]),
    ("acs/connreq", ["base", "cwmp", "acs/metrics", "acs/config"]),
    ("firmware", ["base", "cwmp", "db"]),
    ("acs/tasks", ["base", "cwmp", "db", "acs/metrics", "acs/access", "acs/config", "acs/net", "acs/connreq"]),
    ("acs/endpoint", ["base", "cwmp", "db", "acs/metrics", "acs/access", "acs/config", "acs/net", "acs/tasks"]),
    ("acs/campaign", ["base", "cwmp", "db", "acs/metrics", "acs/access", "acs/config", "acs/tasks"]),
    ("acs/security", ["base", "cwmp", "db", "acs/metrics", "acs/access", "acs/config", "acs/tasks"]),
    ("acs/api", ["base", "cwmp", "db", "acs/metrics", "acs/access", "acs/config", "acs/net", "acs/tasks"]),
    ("acs/ui", ["base"]),
    ("acs/acsd", ["base", "cwmp", "db", "db/pg", "firmware", "acs/metrics", "acs/access", "acs/config", "acs/net",
                  "acs/connreq", "acs/tasks", "acs/endpoint", "acs/campaign", "acs/security", "acs/api", "acs/ui"]),
    ("acs/acsctl", ["base", "cwmp"]),
    # Test-side programs sit beside the stack and use the protocol library; the test ACS also
    # serves HTTP with acsd's own loop.
    ("tests/cpesim", ["base", "cwmp"]),
    ("tests/testacs", ["base", "cwmp", "acs/net", "tests/cpesim"]),
]

# Third-party headers only some modules may include: (name, include pattern, allowed folders).
# A folder allows its subfolders too.
RESTRICTED = [
    ("libpqxx", re.compile(r"^<pqxx/"), ["db/pg", "tests"]),
    ("libpq", re.compile(r"^<(libpq-fe\.h|postgresql/)"), ["db/pg", "tests"]),
    ("Boost.Asio", re.compile(r'^(<boost/asio(?!/ssl)|"base/asio\.h")'),
     ["base/asio.h", "base/beast.h", "acs/net", "acs/tasks", "acs/endpoint", "acs/api", "acs/acsd", "tests/cpesim",
      "tests/testacs", "tests/acs", "tests/bench"]),
    # HTTP on the wire and TLS streams: the listeners and the CWMP endpoint. The REST API and the
    # console take plain messages (base/web.h).
    ("Boost.Beast", re.compile(r'^(<boost/beast|<boost/asio/ssl|"base/beast\.h")'),
     ["base/beast.h", "acs/net", "acs/endpoint", "acs/acsd", "tests/cpesim", "tests/testacs", "tests/acs",
      "tests/bench"]),
    ("gSOAP", re.compile(r'^(<stdsoap2\.h>|"?<?(soapH|soapStub|stdsoap2)\.h|.*\.nsmap)'), ["cwmp", "tests/fuzz"]),
    ("sockets", re.compile(r"^<(sys/socket\.h|netdb\.h)>"),
     ["acs/net", "acs/connreq", "acs/endpoint", "acs/acsd", "acs/acsctl", "tests"]),
    ("libcurl", re.compile(r"^<curl/"), ["acs/connreq", "acs/acsctl", "tests"]),
]

# Tests of a module (*_test.cpp, *_pgtest.cpp) may use other tools to test it (a test of cpesim
# runs testacs); the restricted headers still apply to them.
TEST_FILE = re.compile(r"_(test|pgtest)\.(cpp|h)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"][^>"]+[>"])')
SOURCE_EXT = (".h", ".hpp", ".cpp", ".cc")


def module_of(rel):
    best = None
    for folder, _ in MODULES:
        if rel == folder or rel.startswith(folder + "/"):
            if best is None or len(folder) > len(best):
                best = folder
    return best


def allowed_by(rel, folders):
    return any(rel == f or rel.startswith(f + "/") for f in folders)


def check_table():
    problems = []
    seen = set()
    for folder, deps in MODULES:
        for d in deps:
            if d not in seen:
                problems.append(f"module table: {folder} uses {d}, which is not below it")
        seen.add(folder)
    return problems


def check_tree(root):
    problems = check_table()
    modules = dict(MODULES)
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and not d.startswith("build") and d != "node_modules"]
        for name in filenames:
            if not name.endswith(SOURCE_EXT):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, name))
            owner = module_of(rel)
            with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
            for number, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                where = f"{rel}:{number}"
                if target.startswith('"'):
                    path = target.strip('"')
                    used = module_of(path)
                    if owner is not None and used is not None and not TEST_FILE.search(name) and used != owner and used not in modules[owner]:
                        problems.append(f"{where}: {owner} includes {path} ({used} is not one of its dependencies)")
                for label, pattern, folders in RESTRICTED:
                    if pattern.match(target) and not allowed_by(rel, folders):
                        problems.append(f"{where}: {label} header {target} outside {', '.join(folders)}")
    return problems


TARGET_FOLDER = {"ruru::base": "base", "ruru::asio": "base", "ruru::cwmp": "cwmp", "ruru::cwmp_json": "cwmp",
                 "ruru::db": "db", "ruru::db_pg": "db/pg"}
LINK = re.compile(r"target_link_libraries\(\s*(\S+)([^)]*)\)", re.S)
# Third-party libraries a module's CMake target may link only where the headers are allowed.
RESTRICTED_LIBS = [("libpqxx", "PkgConfig::PQXX", ["db/pg", "tests"]), ("libcurl", "CURL::libcurl", ["acs/connreq", "acs/acsctl", "tests"])]


def check_cmake(root):
    """A module's CMake target links only the modules it may include (dependencies explicit)."""
    problems = []
    modules = dict(MODULES)
    for folder, deps in MODULES:
        path = os.path.join(root, folder, "CMakeLists.txt")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            text = f.read()
        for m in LINK.finditer(text):
            for item in m.group(2).split():
                used = TARGET_FOLDER.get(item)
                if item.startswith("ruru::acs_"):
                    used = "acs/" + item[len("ruru::acs_"):]
                if used is not None and used != folder and used not in deps:
                    problems.append(f"{folder}/CMakeLists.txt: {m.group(1)} links {item} ({used} is not one of its dependencies)")
                for label, lib, folders in RESTRICTED_LIBS:
                    if item == lib and not allowed_by(folder, folders):
                        problems.append(f"{folder}/CMakeLists.txt: {m.group(1)} links {label} outside {', '.join(folders)}")
    return problems


def self_test():
    """A tree with one violation of each kind must produce exactly those violations."""
    cases = {
        "cwmp/codec.cpp": '#include "db/inventory.h"\n',            # protocol includes the inventory
        "acs/config/config.cpp": '#include "acs/tasks/task_engine.h"\n',  # a module includes one above it
        "acs/api/x.cpp": "#include <pqxx/pqxx>\n",                    # pqxx outside db/pg
        "acs/config/y.cpp": '#include "base/asio.h"\n',               # Asio in pure code
        "db/z.cpp": "#include <stdsoap2.h>\n",                        # gSOAP outside cwmp
        "acs/api/w.cpp": '#include "base/asio.h"\n#include "base/beast.h"\n',  # Asio allowed, Beast not
        "db/pg/ok.cpp": '#include <pqxx/pqxx>\n#include "db/inventory.h"\n',  # allowed: no problem
        "acs/metrics/CMakeLists.txt": "target_link_libraries(m PUBLIC ruru::base ruru::acs_tasks)\n",  # links upward
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in cases.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        problems = check_tree(root) + check_cmake(root)
    expected = ["cwmp/codec.cpp:1", "acs/config/config.cpp:1", "acs/api/x.cpp:1", "acs/config/y.cpp:1", "db/z.cpp:1",
                "acs/api/w.cpp:2",                 "acs/metrics/CMakeLists.txt"]
    missing = [e for e in expected if not any(p.startswith(e + ":") for p in problems)]
    extra = [p for p in problems if not any(p.startswith(e + ":") for e in expected)]
    if missing or extra or len(problems) != len(expected):
        print("self-test failed: missing", missing, "unexpected", extra, "all", problems)
        return 1
    print(f"self-test ok: {len(problems)} planted violations found, none invented")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = check_tree(argv[1]) + check_cmake(argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"layering: {len(problems)} violation(s) (the rules: tests/layering/check_layering.py, ARCHITECTURE.md)")
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
