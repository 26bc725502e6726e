"""Every element every page draws, over links that open every tab: a refactor's yardstick.

``python -m tests.page_snapshot OUT.json`` writes, for each link of :data:`LINKS`, the page's
element tree as AppTest sees it (each element's type and its full protobuf message, nested as
drawn). ``python -m tests.page_snapshot --compare BEFORE.json AFTER.json`` lists every element
that differs. A change that only moves code must report none.
"""

from __future__ import annotations

import json
import sys

from google.protobuf.json_format import MessageToDict

from tests.apptest_kit import open_page

LINKS: tuple[tuple[str, dict], ...] = (
    ("app.py", {}),
    ("app.py", {"factor": "2", "depth": "40"}),
    ("app.py", {"factor": "0.05", "depth": "1000"}),
    *(
        ("pages/1_Activations.py", {"tab": tab})
        for tab in ("Curves", "Properties", "Depth", "Saturation", "Random products")
    ),
    ("pages/1_Activations.py", {"tab": "Zero-centred"}),
    ("pages/1_Activations.py", {"tab": "Curves", "act": ["sigmoid", "ELU", "softsign"]}),
    *(
        ("pages/2_Initialization.py", {"tab": tab})
        for tab in ("Layers", "Histograms", "Phase diagram", "Training")
    ),
    ("pages/2_Initialization.py", {"tab": "Layers", "preset": "zero + sigmoid"}),
    ("pages/2_Initialization.py", {"tab": "Layers", "preset": "too large", "depth": "30"}),
    *(
        ("pages/3_Deep_chain.py", {"tab": tab})
        for tab in ("Neuron chain", "Linear chain", "Jacobian spectra")
    ),
    ("pages/3_Deep_chain.py", {"tab": "Neuron chain", "source": "explosion (w = 100)"}),
    *(
        ("pages/4_RNN_LSTM.py", {"tab": tab})
        for tab in ("Gradient through time", "Clipping and the cliff", "Long-range memory")
    ),
    ("pages/4_RNN_LSTM.py", {"tab": "Gradient through time", "radius": "1.5", "seq_len": "200"}),
    *(
        ("pages/5_Remedies.py", {"tab": tab})
        for tab in ("Remedies & symptoms", "Dying ReLU", "Choosing an activation", "Gated cells")
    ),
    ("pages/6_Your_network.py", {}),
    ("pages/6_Your_network.py", {"sample": "healthy: 10-layer ReLU + He init", "at": ["start"]}),
    ("pages/6_Your_network.py", {"paste": "step,name,grad_norm\n0,a.weight,1\n0,b.weight,inf\n"}),
    ("pages/6_Your_network.py", {"paste": "step,name,grad_norm\n0,a,abc\n"}),
)


def tree(node) -> dict:
    """One element (its type and protobuf message) or block (its type and children)."""
    out = {"type": getattr(node, "type", type(node).__name__)}
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "DESCRIPTOR"):
        out["proto"] = MessageToDict(proto)
    children = getattr(node, "children", None)
    if children:
        out["children"] = [tree(child) for _, child in sorted(children.items())]
    return out


def snapshot(links=LINKS) -> list[dict]:
    shots = []
    for page, query in links:
        at = open_page(page, query, timeout=600)
        shots.append({"page": page, "query": query, "tree": tree(at._tree)})
    return shots


def differences(a, b, path: str = "") -> list[str]:
    """Paths at which two snapshots differ."""
    if type(a) is not type(b):
        return [f"{path}: {type(a).__name__} vs {type(b).__name__}"]
    if isinstance(a, dict):
        found = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                found.append(f"{path}/{key}: only in {'after' if key in b else 'before'}")
            else:
                found += differences(a[key], b[key], f"{path}/{key}")
        return found
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {str(a)[:120]!r} vs {str(b)[:120]!r}"]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--compare"]:
        before, after = (json.load(open(name)) for name in argv[1:3])
        found = differences(before, after)
        print("\n".join(found[:200]) or "identical")
        return 1 if found else 0
    json.dump(snapshot(), open(argv[0], "w"), ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
