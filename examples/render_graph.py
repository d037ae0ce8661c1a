"""The options of autograd's pictures, each written as an SVG into examples/out/ (or --out DIR).

    two_node_graph.svg    the course's two-node network top to bottom, as the README shows it:
                          local derivatives on the edges, w1's gradient path in orange
    two_node_plain.svg    the same graph with the defaults (left to right): data, grad, the cue
    two_node_forward.svg  before backward(), without grads: just the forward pass
    mlp_full.svg          a small MLP's loss, every node
    mlp_folded.svg        the same, fold=True: one box per neuron call, a frame per layer call
    moons_one_point_folded.svg   the moons MLP(2, [16, 16, 1]) on one point, folded

Nodes without a label are named after the variables that hold them here (C, y_hat in italics),
else by their op and position (mul#6, in grey), as the stepper and the player name them.
Then it shows what happens with the moons demo's whole loss graph (tens of thousands of nodes).

Run:  python examples/render_graph.py [--out DIR] [--docs]   (--docs: the README's pictures to docs/)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd import draw, save_svg
from nn import MLP, TwoNodeNetwork, hinge_loss, mse_loss

OUT = Path(__file__).resolve().parent / "out"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the pictures go")
    parser.add_argument("--docs", action="store_true", help="also write the README's pictures")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    # the course's network on one example: C = (y_hat - y)**2
    net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    y_hat = net(1.5)
    C = mse_loss(y_hat, 0.2)
    written = [save_svg(C, out / "two_node_forward.svg", show_grad=False)]
    C.backward()
    two_node = {"rankdir": "TB", "show_local": True, "highlight": net.w1}   # the README's picture
    written += [save_svg(C, out / "two_node_graph.svg", **two_node),
                save_svg(C, out / "two_node_plain.svg")]

    mlp = MLP(2, [3, 3, 1])
    loss = (mlp([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    first_weight = mlp.layers[0].neurons[0].w[0]
    written += [
        save_svg(loss, out / "mlp_full.svg"),
        save_svg(loss, out / "mlp_folded.svg", fold=True, show_local=True, highlight=first_weight),
    ]
    if args.docs:
        DOCS.mkdir(exist_ok=True)
        written += [save_svg(C, DOCS / "two_node_graph.svg", **two_node),
                    save_svg(loss, DOCS / "mlp_folded.svg", fold=True, highlight=first_weight)]
    for path in written:
        print(f"wrote {path}")

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
    path = save_svg(one, out / "moons_one_point_folded.svg", fold=True)
    print(f"wrote {path}  (one point's loss, folded, is what fits)")


if __name__ == "__main__":
    main()
