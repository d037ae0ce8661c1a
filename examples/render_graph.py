"""The options of autograd's pictures, each written as an SVG into examples/out/.

    two_node_graph.svg    the course's two-node network: local derivatives, w1's gradient path
    two_node_plain.svg    the same graph with the defaults: data, grad, the gradient cue
    two_node_forward.svg  before backward(), without grads: just the forward pass
    two_node_tb.svg       top to bottom (rankdir="TB")
    mlp_full.svg          a small MLP's loss, every node
    mlp_folded.svg        the same, fold=True: one box per neuron call, a frame per layer call
    moons_one_point_folded.svg   the moons MLP(2, [16, 16, 1]) on one point, folded

Then it shows what happens with the moons demo's whole loss graph (tens of thousands of nodes).

Run:  python examples/render_graph.py          (--docs also writes the README's pictures to docs/)
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograd import Value, draw, save_svg
from nn import MLP, TwoNodeNetwork, hinge_loss, mse_loss

OUT = Path(__file__).resolve().parent / "out"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def two_node_network() -> tuple[TwoNodeNetwork, Value]:
    """C = (y_hat - y)**2 for the course's network on one example, before backward()."""
    net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    C = mse_loss(net(1.5), 0.2)
    C.label = "C"
    return net, C


def main(docs: bool = False) -> None:
    OUT.mkdir(exist_ok=True)

    net, C = two_node_network()
    save_svg(C, OUT / "two_node_forward.svg", show_grad=False)
    C.backward()
    written = [
        OUT / "two_node_forward.svg",
        save_svg(C, OUT / "two_node_graph.svg", show_local=True, highlight=net.w1),
        save_svg(C, OUT / "two_node_plain.svg"),
        save_svg(C, OUT / "two_node_tb.svg", rankdir="TB"),
    ]

    mlp = MLP(2, [3, 3, 1])
    loss = (mlp([0.5, -1.0]) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    first_weight = mlp.layers[0].neurons[0].w[0]
    written += [
        save_svg(loss, OUT / "mlp_full.svg"),
        save_svg(loss, OUT / "mlp_folded.svg", fold=True, show_local=True, highlight=first_weight),
    ]
    if docs:
        DOCS.mkdir(exist_ok=True)
        written += [
            save_svg(C, DOCS / "two_node_graph.svg", rankdir="TB", show_local=True,
                     highlight=net.w1),
            save_svg(loss, DOCS / "mlp_folded.svg", fold=True, highlight=first_weight),
        ]
    for path in written:
        print(f"wrote {path.relative_to(OUT.parent.parent)}")

    # The moons demo's whole loss: 100 points through MLP(2, [16, 16, 1]), hinge loss plus L2.
    model = MLP(2, [16, 16, 1], activation="relu")
    points = [[(i % 10) / 5 - 1.0, (i // 10) / 5 - 1.0] for i in range(100)]
    labels = [1 if x + y > 0 else -1 for x, y in points]
    total = hinge_loss([model(p) for p in points], labels)
    total = total + 1e-4 * sum(p * p for p in model.parameters())
    try:
        draw(total, fold=True)
    except ValueError as e:
        print(f"\nThe moons loss graph is too big to lay out:\n  {e}")
    k = next(k for k in range(len(points)) if model(points[k]).data * labels[k] < 1.0)
    one = hinge_loss([model(points[k])], labels[k:k + 1])   # a point with a loss, so with grads
    one.label = f"loss of point {k}"
    one.backward()
    path = save_svg(one, OUT / "moons_one_point_folded.svg", fold=True)
    print(f"wrote {path.relative_to(OUT.parent.parent)}  (one point's loss, folded, is what fits)")


if __name__ == "__main__":
    main(docs="--docs" in sys.argv[1:])
