#!/usr/bin/env python3
"""Out-of-line calls made from the per-level kernel copies (detail/dispatch.hpp).

    python scripts/check_dispatch.py build/dev/python/fastcpp/_core.*.so

Each at_v3/at_v4 wrapper should hold its kernel whole. A call from it to a
function that is not itself a dispatch wrapper runs that function's baseline
code (slower), and if the callee takes or returns a vector wider than 16
bytes by value it is an ABI mismatch: a crash. Library calls (allocation,
memcpy, libmvec, exceptions) are left out. Prints one line per callee and
per-level instruction counts of the wrappers (zmm/ymm/xmm registers, FMA).
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys

SKIP = (
    "operator new",
    "operator delete",
    "memcpy",
    "memmove",
    "memset",
    "__throw",
    "_Unwind",
    "__cxa",
    "__stack_chk",
    "_ZGV",
    "@plt",
    "basic_string",
    "at_v3<",
    "at_v4<",
    "at_baseline<",
)


def main(path: str) -> int:
    asm = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", "-C", path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    level = None
    calls: collections.Counter[tuple[str, str]] = collections.Counter()
    regs: dict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    for line in asm.splitlines():
        head = re.match(r"^[0-9a-f]+ <(.*)>:", line)
        if head:
            m = re.match(r"decltype\(auto\) fastcpp::detail::(at_\w+)<", head.group(1))
            level = m.group(1) if m else None
            continue
        if level is None or "\t" not in line:
            continue
        for r in ("zmm", "ymm", "xmm"):
            regs[level][r] += f"%{r}" in line
        regs[level]["fma"] += "vfmadd" in line or "vfnmadd" in line or "vfmsub" in line
        regs[level]["insn"] += 1
        call = re.search(r"\bcall\s+[0-9a-f]+ <(.*)>", line)
        if call and level != "at_baseline":
            callee = re.sub(r"\+0x[0-9a-f]+$", "", call.group(1))
            if not any(s in callee for s in SKIP):
                calls[(level, callee)] += 1
    for lvl, c in sorted(regs.items()):
        print(lvl, " ".join(f"{k}={v}" for k, v in sorted(c.items())))
    for (lvl, callee), n in sorted(calls.items()):
        print(f"out-of-line from {lvl} ({n}x): {callee[:220]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
