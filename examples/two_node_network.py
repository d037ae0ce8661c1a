"""The two-node sigmoid network of the course, by hand and by the engine, then trained.

    z1 = w1*x + b1,  a1 = sigmoid(z1),  z2 = w2*a1 + b2,  y_hat = sigmoid(z2),  C = (y_hat - y)**2

Run:  python examples/two_node_network.py [--out DIR]
Prints the chain rule by hand beside the engine and explain(C, net.w1), then trains.  Writes into
examples/out/ (or DIR) two_node_graph.svg (the graph top to bottom, local derivatives on its
edges, the gradient path to w1 highlighted) and two_node_backprop.html (the backward pass, step by
step).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _progress import Progress  # noqa: E402

from autograd import explain, save_html, save_svg  # noqa: E402
from nn import SGD, TwoNodeNetwork, mse_loss  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"

x, y = 1.5, 0.2               # one training example
net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)


def sigmoid_prime(a: float) -> float:
    """sigmoid'(z) written with a = sigmoid(z): a * (1 - a)."""
    return a * (1.0 - a)


def show(name: str, formula: str, value: float, engine: float | None = None) -> bool:
    """Print one line of the hand computation; with the engine's number beside it, check they agree."""
    line = f"  {name:<16} = {formula:<34} = {value: .6f}"
    if engine is None:
        print(line)
        return True
    agree = math.isclose(value, engine, rel_tol=1e-12, abs_tol=1e-15)
    print(f"{line}   engine: {engine: .6f}  {'agrees' if agree else 'DISAGREES'}")
    return agree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the pictures")
    out = parser.parse_args(argv).out
    y_hat = net(x)
    C = mse_loss(y_hat, y)
    C.backward()
    z1, a1, z2 = net.z1.data, net.a1.data, net.z2.data
    w2 = net.w2.data

    print(f"Forward pass, one example (x = {x:g}, y = {y:g}):")
    show("z1", "w1*x + b1", z1)
    show("a1", "sigmoid(z1)", a1)
    show("z2", "w2*a1 + b2", z2)
    show("y_hat", "sigmoid(z2)", y_hat.data)
    show("C", "(y_hat - y)**2", C.data)

    print("\nBackward pass by hand (the chain rule), beside the engine's gradients:")
    dC_dyhat = 2.0 * (y_hat.data - y)
    show("dC/dy_hat", "2*(y_hat - y)", dC_dyhat, net.y_hat.grad)
    show("sigmoid'(z2)", "y_hat*(1 - y_hat)", sigmoid_prime(y_hat.data))
    show("a1", "sigmoid(z1), from the forward pass", a1)
    delta2 = dC_dyhat * sigmoid_prime(y_hat.data)
    ok = show("delta2 = dC/dz2", "dC/dy_hat * sigmoid'(z2)", delta2, net.z2.grad)
    ok &= show("dC/dw2", "delta2 * a1", delta2 * a1, net.w2.grad)
    ok &= show("dC/db2", "delta2", delta2, net.b2.grad)
    delta1 = delta2 * w2 * sigmoid_prime(a1)
    ok &= show("delta1 = dC/dz1", "delta2 * w2 * sigmoid'(z1)", delta1, net.z1.grad)
    ok &= show("dC/dw1", "delta1 * x", delta1 * x, net.w1.grad)
    ok &= show("dC/db1", "delta1", delta1, net.b1.grad)
    if not ok:
        print("\nThe hand computation and the engine disagree.", file=sys.stderr)
        return 1
    print("  The error flows backwards from the output, layer by layer: back-propagation.")

    print("\nThe same gradient, spelled out by autograd.explain(C, net.w1):")
    print("  " + str(explain(C, net.w1)).replace("\n", "\n  "))

    out.mkdir(parents=True, exist_ok=True)
    svg = save_svg(C, out / "two_node_graph.svg", rankdir="TB", show_local=True, highlight=net.w1)
    print(f"\nThe graph, local derivatives on the edges, the path to w1 highlighted: {svg}")
    html = save_html(C, out / "two_node_backprop.html")
    print(f"The backward pass to play step by step in a browser: {html}")

    steps, lr = 200, 0.5
    print(f"\nTraining: gradient descent, lr = {lr}, {steps} steps")
    opt = SGD(net.parameters(), lr=lr)
    bar = Progress(steps, "training", stream=sys.stdout)
    history = []
    for k in range(1, steps + 1):
        opt.zero_grad()
        cost = mse_loss(net(x), y)
        cost.backward()
        opt.step()
        history.append(cost.data)
        bar.update(k, f"C = {cost.data:.3e}")
    for k in (1, 10, 50, 100, steps):
        print(f"  step {k:>4}: C = {history[k - 1]:.3e}")
    final = net(x).data
    print(f"  y_hat = {final:.6f} for target y = {y} ({net!r})")
    if not history[-1] < history[0] / 100:
        print("The cost did not fall.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
