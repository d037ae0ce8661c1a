"""A real data set: handwritten digits (scikit-learn's 8x8 images), learned by an MLP written
for ONE image and replayed over all of them at once through a batched Tape.

Run:  python examples/digits.py                 train, then list the misclassified test images
      python examples/digits.py --explain K     also show test image K through tape.example(K):
                                                its prediction, its loss, explain() of the loss
                                                with respect to one weight, and its player page
      --epochs N, --out DIR (default examples/out/)

`pip install 'chainrule[examples]'` brings scikit-learn, which ships the 1,797 images (no
download).  The last line is `test accuracy: NN.N%`.

The idea in ten lines (see README, "Training on a data set"):

    pixels = [Value(0.0, label=f"px{i}") for i in range(64)]       # one image ...
    target = [Value(0.0, label=f"is{c}") for c in range(10)]       # ... and its one-hot label
    loss = cross_entropy(model(pixels), target)                     # one example's loss
    tape = Tape(loss, batch=pixels + target)                        # these take one number per row
    for rows in minibatches:                                        # rows: (N, 74) array
        tape.forward(rows); opt.zero_grad(); tape.backward(); opt.step()
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

# examples/, the script's own folder, is first on sys.path
from _progress import Progress

from autograd import Tape, Value, explain, save_html
from nn import MLP, Adam, cross_entropy

OUT = Path(__file__).resolve().parent / "out"
CLASSES = 10


def load(seed: int = 0, test_share: float = 0.2) -> tuple:
    """The digits as rows of 64 pixels in [0, 1] then a one-hot label (74 numbers), shuffled and
    split into training and held-out test rows; and the test labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("examples/digits.py needs scikit-learn: pip install 'chainrule[examples]'")
    import numpy as np
    digits = load_digits()
    X = digits.data / 16.0
    y = digits.target
    rows = np.hstack([X, np.eye(CLASSES)[y]])
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1.0 - test_share))
    train, test = order[:cut], order[cut:]
    return rows[train], rows[test], y[test], digits.images[test]


def one_example(model: MLP) -> tuple[list[Value], list[Value], Value]:
    """The graph of one image's loss: 64 pixel leaves, 10 label leaves, the cross-entropy."""
    pixels = [Value(0.0, label=f"px{i}") for i in range(64)]
    target = [Value(1.0 if c == 0 else 0.0, label=f"is{c}") for c in range(CLASSES)]
    return pixels, target, cross_entropy(model(pixels), target)


def predict(tape: Tape, rows: object) -> object:
    """Each row's class: the cross-entropy against class c is logsumexp(logits) - logit_c, so the
    class whose loss is smallest is the class with the largest logit.  Ten forwards of the same
    tape, the label columns set to each class in turn."""
    import numpy as np
    losses = []
    for c in range(CLASSES):
        candidate = np.array(rows, copy=True)
        candidate[:, 64:] = np.eye(CLASSES)[c]
        tape.forward(candidate)
        losses.append(tape.losses)
    return np.argmin(np.array(losses), axis=0)


def train(tape: Tape, opt: Adam, rows: object, epochs: int, batch_size: int, seed: int = 1) -> None:
    import numpy as np
    rng = np.random.default_rng(seed)
    steps_per_epoch = -(-len(rows) // batch_size)  # type: ignore[arg-type]
    bar = Progress(epochs * steps_per_epoch, "training", stream=sys.stdout)
    step = 0
    for epoch in range(epochs):
        shuffled = rows[rng.permutation(len(rows))]  # type: ignore[index, arg-type]
        for start in range(0, len(shuffled), batch_size):
            loss = tape.forward(shuffled[start:start + batch_size])
            opt.zero_grad()
            tape.backward()
            opt.step()
            step += 1
        bar.update(step, f"epoch {epoch + 1}/{epochs}  loss {loss:.4f}")


def show(image: object) -> str:
    """An 8x8 image as text, darker pixels as denser characters."""
    shades = " .:-=+*#%@"
    return "\n".join("    " + "".join(shades[min(int(v), 16) * 9 // 16] * 2 for v in row)
                     for row in image)  # type: ignore[attr-defined]


def explain_one(tape: Tape, model: MLP, rows: object, labels: object, predicted: object,
                images: object, k: int, out: Path) -> None:
    """Test image k in the graph (tape.example(k)): its picture, prediction, loss, explain() of
    the loss with respect to the output weight from hidden unit 0 to its true class, and the
    player page of its backward pass."""
    tape.forward(rows)
    loss = tape.example(k)
    truth = int(labels[k])  # type: ignore[index]
    print(f"\ntest image {k}: a {truth}, read as {int(predicted[k])}")  # type: ignore[index]
    print(show(images[k]))  # type: ignore[index]
    print(f"its loss: {loss.data:.4f} (tape.losses[{k}] = {tape.losses[k]:.4f})")
    weight = model.layers[-1].neurons[truth].w[0]
    print(explain(loss, weight))
    out.mkdir(parents=True, exist_ok=True)
    page = save_html(loss, out / f"digits_test_{k}.html")
    print(f"its backward pass, step by step: {page}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="An MLP on scikit-learn's 8x8 digits, "
                                                 "trained through a batched Tape.")
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training rows")
    parser.add_argument("--batch-size", type=int, default=128, help="rows per step (default 128)")
    parser.add_argument("--lr", type=float, default=0.02, help="Adam's learning rate (default 0.02)")
    parser.add_argument("--explain", type=int, metavar="K", default=None,
                        help="show test image K through tape.example(K) and write its player")
    parser.add_argument("--out", type=Path, default=OUT, metavar="DIR",
                        help="directory for the player page (default examples/out)")
    args = parser.parse_args(argv)
    train_rows, test_rows, test_labels, test_images = load()
    if args.explain is not None and not 0 <= args.explain < len(test_rows):
        parser.error(f"--explain takes a test image's index, 0 to {len(test_rows) - 1}")
    started = time.perf_counter()
    model = MLP(64, [32, CLASSES], activation="tanh", rng=random.Random(0))
    pixels, target, loss = one_example(model)
    tape = Tape(loss, batch=pixels + target)
    recorded = time.perf_counter() - started
    print(f"{model}: {len(model.parameters())} parameters; one image's graph recorded in "
          f"{recorded:.2f} s; {len(train_rows)} training and {len(test_rows)} test images")
    train(tape, Adam(model.parameters(), lr=args.lr), train_rows, args.epochs, args.batch_size)
    predicted = predict(tape, test_rows)
    trained = time.perf_counter() - started
    wrong = [k for k in range(len(test_rows)) if predicted[k] != test_labels[k]]  # type: ignore[index]
    print(f"trained and tested in {trained:.1f} s")
    if args.explain is not None:
        explain_one(tape, model, test_rows, test_labels, predicted, test_images, args.explain,
                    args.out)
    listed = ", ".join(f"#{k} (a {test_labels[k]} read as {predicted[k]})"  # type: ignore[index]
                       for k in wrong)
    print(f"misclassified ({len(wrong)} of {len(test_rows)}): {listed or 'none'}")
    accuracy = 100.0 * (1.0 - len(wrong) / len(test_rows))
    print(f"test accuracy: {accuracy:.1f}%")
    return 0 if accuracy >= 95.0 else 1


if __name__ == "__main__":
    sys.exit(main())
