#!/usr/bin/env python3
"""Top frames of the service's event loops from `perf script` output (stdin), as in bench/README.md#cache: each sample
of a thread named vert.x-eventloop* is charged to the first frame outside the JDK (java., jdk., sun., the JVM, libc
and the kernel), grouped by that frame's package (its first four names); the kernel's share of each group is the
samples whose innermost frame was in the kernel. Samples with no frame outside the JDK are charged to "(JDK/JVM only)".

    perf script -i perf.data | bench/cache/frames.py [TOP]
"""
import re
import sys

TOP = int(sys.argv[1]) if len(sys.argv) > 1 else 15
JDK = ("java.", "jdk.", "sun.", "Ljava/", "Ljdk/", "Lsun/", "Interpreter", "StubRoutines")


def java_name(sym):
    """The dotted class of a JIT or interpreter frame from the JVM's perf map, or None."""
    s = sym.strip()
    if s.startswith("L") and ";::" in s:  # Lio/netty/Foo;::bar
        return s[1:s.index(";::")].replace("/", ".")
    m = re.match(r"^(?:\w+ )?([a-zA-Z_$][\w$]*(?:\.[\w$]+)+)::", s)  # io.netty.Foo::bar
    if m:
        return m.group(1)
    m = re.search(r"([a-zA-Z_$][\w$.]*)\.[\w$<>]+\(", s)  # jcmd Compiler.perfmap: "void io.netty.Foo.bar(int)"
    return m.group(1) if m else None


def group(cls):
    parts = cls.split(".")
    pkg = [p for p in parts[:-1]]  # the package of the class
    return ".".join(pkg[:4]) if pkg else cls


total = 0
groups = {}
kernel = {}


def account(frames):
    global total
    if not frames:
        return
    total += 1
    leaf_kernel = "kernel" in frames[0][1]
    name = "(JDK/JVM only)"
    for sym, dso in frames:
        cls = java_name(sym)
        if cls is None or cls.startswith(JDK):
            continue
        name = group(cls)
        break
    groups[name] = groups.get(name, 0) + 1
    if leaf_kernel:
        kernel[name] = kernel.get(name, 0) + 1


frames = None
for line in sys.stdin:
    if not line.strip():
        if frames is not None:
            account(frames)
        frames = None
        continue
    if not line[0].isspace():
        frames = [] if line.startswith("vert.x-eventloo") else None
        continue
    if frames is not None:
        m = re.match(r"^\s*[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$", line)
        if m:
            frames.append((m.group(1), m.group(2)))
if frames is not None:
    account(frames)

if total == 0:
    print("no samples of the event loops")
    sys.exit(0)
print(f"{total} samples of the event loops")
for name, n in sorted(groups.items(), key=lambda kv: -kv[1])[:TOP]:
    k = kernel.get(name, 0)
    print(f"{100.0 * n / total:5.1f}%  (kernel {100.0 * k / total:4.1f}%)  {name}")
