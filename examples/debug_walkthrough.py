"""Watching back-propagation happen, checking it, and finding where a NaN was born.

    1. step through the two-node network's backward pass from Python, one node at a time
    2. write the same pass as an HTML player and as JSON (examples/out/)
    3. check every gradient against finite differences with gradcheck
    4. a loss that turns into NaN: find the op that made it with detect_anomaly
    5. your own op with a wrong derivative: gradcheck finds it, check_graph pins it to its line

Run:  python examples/debug_walkthrough.py [--out DIR]
The same pass in the terminal:  python -m autograd.debug examples/two_node_network.py
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from autograd import (
    AnomalyError,
    GradcheckError,
    Value,
    backward_steps,
    check_graph,
    detect_anomaly,
    gradcheck,
    primitive,
    save_html,
    to_json,
)
from autograd.ops import exp
from nn import TwoNodeNetwork, mse_loss

OUT = Path(__file__).resolve().parent / "out"

x, y = 1.5, 0.2  # one training example, as in examples/two_node_network.py


def step_through() -> Value:
    """The pass of cost.backward(), printed step by step; returns the cost."""
    net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    cost = mse_loss(net(x), y)
    cost.label = "C"
    steps = backward_steps(cost)
    print(f"1. The backward pass of C = (y_hat - y)**2, {len(steps)} steps, one per node:")
    for step in steps:  # each step is already applied to the .grad fields when it arrives
        kind = step.node.op or "leaf"
        print(f"  {step.index + 1:>2}. {steps.names[step.node]} ({kind})")
        for clause in step.clauses():
            print(f"        {clause}")
    print(f"  After the last step: dC/dw1 = {net.w1.grad:.6f}, dC/dw2 = {net.w2.grad:.6f}, "
          f"exactly what cost.backward() gives.")
    return cost


def write_player(cost: Value, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    html = save_html(cost, out / "debug_walkthrough.html")
    data = to_json(cost)
    (out / "debug_walkthrough.json").write_text(json.dumps(data, indent=1))
    print(f"\n2. The same pass as a player: open {html} in a browser (arrow keys step);")
    print(f"   and as JSON: {out / 'debug_walkthrough.json'} "
          f"({len(data['nodes'])} nodes, {len(data['edges'])} edges, {len(data['steps'])} steps)")


def check_gradients() -> None:
    print("\n3. gradcheck: every derivative of C(w1, b1, w2, b2) against central finite differences")

    def cost_of(w1: Value, b1: Value, w2: Value, b2: Value) -> Value:
        net = TwoNodeNetwork(w1=w1, w2=w2, b1=b1, b2=b2)
        return mse_loss(net(x), y)

    print(f"   first derivatives:  {gradcheck(cost_of, [0.8, 0.1, -1.2, 0.3])}")
    print(f"   second derivatives: {gradcheck(cost_of, [0.8, 0.1, -1.2, 0.3], order=2)}")


def nan_hunt() -> None:
    print("\n4. A NaN: the negative log-likelihood of a linear 'probability' p = w*x + b")

    def nll(w: Value, b: Value, xs: list[float]) -> Value:
        loss = Value(0.0)
        for xi in xs:
            p = w * xi + b            # not squashed into (0, 1): can go negative
            loss = loss - p.log()     # log of a negative number is nan
        return loss

    w, b = Value(0.5, "w"), Value(0.1, "b")
    loss = nll(w, b, [0.3, 0.8, -0.6, 0.5])
    loss.backward()
    print(f"   without help: loss = {loss.data}, yet dloss/dw = {w.grad:.4f} looks fine "
          f"(d log p / dp = 1/p is finite): which op made the nan?")
    with detect_anomaly():
        try:
            nll(w, b, [0.3, 0.8, -0.6, 0.5])
        except AnomalyError as e:
            print("   with detect_anomaly(): AnomalyError:")
            print("     " + str(e).replace("\n", "\n     "))
    print("   The third example has w*x + b = 0.5*(-0.6) + 0.1 = -0.2 < 0: squash p with sigmoid.")

    x0 = Value(0.0, "x0")
    with detect_anomaly():
        r = x0.sqrt()
        r.label = "r"
        try:
            (r * 3.0).backward()
        except AnomalyError as e:
            print("   In backward too: sqrt'(0) is infinite:")
            print("     " + str(e).replace("\n", "\n     "))


def own_op() -> None:
    print("\n5. Your own op: a learner's softplus(z) = log(1 + e**z), derivative written by hand")

    # the planted mistake: d softplus / dz is sigmoid(z) = 1 / (1 + e**-z), not 1 / (1 + e**z)
    softplus = primitive("softplus", lambda a: math.log1p(math.exp(a)) if a < 30 else a,
                         lambda a, out: 1.0 / (1.0 + exp(a)))

    def loss_of(w: Value) -> Value:
        return (softplus(w * 2.0) - 1.0) ** 2

    try:
        gradcheck(loss_of, [0.3])
    except GradcheckError as e:
        print("   gradcheck says the gradient is wrong, and which op:")
        print("     " + str(e).replace("\n", "\n     "))
    with detect_anomaly():  # so that every node remembers its line
        w = Value(0.3, "w")
        h = softplus(w * 2.0)  # the node check_graph will point at
        loss = (h - 1.0) ** 2
    try:
        check_graph(loss)
    except GradcheckError as e:
        print("   check_graph pins it to the op and the line:")
        print("     " + str(e).replace("\n", "\n     "))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the player and JSON")
    out = parser.parse_args(argv).out
    cost = step_through()
    write_player(cost, out)
    check_gradients()
    nan_hunt()
    own_op()
    return 0


if __name__ == "__main__":
    sys.exit(main())
