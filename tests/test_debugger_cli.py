"""python -m autograd.debug: the terminal stepper, driven end to end through a real pseudo-terminal."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograd import Value

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "(autograd) "

SCRIPT = textwrap.dedent("""\
    import sys
    from autograd import Value
    import helper  # a sibling module: the script's directory is on sys.path

    print("argv", sys.argv[1:], "name", __name__, "helper", helper.VALUE)
    w = Value(0.5, "w")
    x = Value(2.0, "x")
    z = w * x
    z.label = "z"
    loss = z.tanh()
    loss.label = "loss"
    loss.backward()
    print("grads", repr(w.grad), repr(x.grad))
    again = (w * 3.0).exp()
    again.backward()
    print("finished", repr(w.grad))
""")


def expected_grads():
    """What the script's first backward() gives w and x, computed here with backward()."""
    w, x = Value(0.5, "w"), Value(2.0, "x")
    (w * x).tanh().backward()
    return w.grad, x.grad


@pytest.fixture
def script(tmp_path):
    (tmp_path / "scripts").mkdir()
    path = tmp_path / "scripts" / "train.py"
    path.write_text(SCRIPT)
    (tmp_path / "scripts" / "helper.py").write_text("VALUE = 42\n")
    (tmp_path / "elsewhere").mkdir()
    return path


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e["TERM"] = "dumb"  # no readline escape sequences in the transcript
    return e


def spawn(script, *args, cwd=None):
    cwd = cwd or script.parent.parent / "elsewhere"
    child = pexpect.spawn(sys.executable, ["-m", "autograd.debug", *args, str(script)],
                          cwd=str(cwd), env=env(),
                          encoding="utf-8", timeout=30, dimensions=(50, 200))
    return child


def command(child, line):
    """Send one command and return what it printed before the next prompt."""
    child.sendline(line)
    child.expect_exact(PROMPT)
    echo, _, out = child.before.partition("\n")  # the terminal echoes the command first
    return out


@pytest.fixture
def session(script):
    child = spawn(script)
    child.expect_exact(PROMPT)
    yield child
    child.close(force=True)


def test_it_stops_at_the_first_backward_with_a_status_line(script):
    child = spawn(script)
    child.expect_exact(PROMPT)
    before = child.before
    assert "argv [] name __main__ helper 42" in before
    assert "backward() of loss (tanh, data 0.7616) at " in before and "loss.backward()" in before
    assert "4 steps, one per node" in before
    assert "> step 1/4: loss (tanh), data 0.7616, upstream d(loss)/d(loss) = 1.0000" in before
    assert "  d(loss)/d(loss) = 1\r\n" in before  # the seed first, as the course starts
    assert "d(loss)/dz += d(loss)/d(loss) * d(loss)/dz = 1.0000 * 0.4200 = 0.4200" in before
    child.close(force=True)


def test_next_takes_a_step_and_an_empty_line_repeats_it(session):
    assert "> step 2/4: z (*), data 1.0000, upstream d(loss)/dz = 0.4200" in command(session, "n")
    assert "> step 3/4: x (leaf)" in command(session, "")
    assert "> step 4/4: w (leaf)" in command(session, "")


def test_next_k_takes_k_steps_showing_each_one_it_passes(session):
    out = command(session, "next 2")
    assert out.index("> step 2/4: z (*)") < out.index("d(loss)/dw += d(loss)/dz * dz/dw") \
        < out.index("> step 3/4: x (leaf)")
    assert out.count("> step") == 2 and "step 1/4" not in out and "step 4/4" not in out


def test_break_and_continue_stop_at_the_label(session):
    assert "breakpoint set: stop at w" in command(session, "b w")
    out = command(session, "c")
    assert "breakpoint: w" in out and "> step 4/4: w (leaf)" in out
    assert "d(loss)/dw = 0.8399 (a leaf: its gradient is complete)" in out


def test_print_shows_a_nodes_data_and_grad(session):
    assert "loss (tanh): data 0.7616, grad 1.0000 (complete: this step)" in command(session, "p")
    assert "w (leaf): data 0.5000, grad 0.0000 (upstream so far 0.0000" in command(session, "p w")
    command(session, "n 3")
    assert "w (leaf): data 0.5000, grad 0.8399 (complete: this step)" in command(session, "print w")


def test_an_unknown_label_is_an_error_that_suggests_close_matches(session):
    out = command(session, "p zz")
    assert "*** no node or variable named 'zz' here; did you mean z?" in out


def test_break_on_a_label_not_in_this_graph_is_set_for_a_later_pass(session):
    out = command(session, "break los")
    assert ("breakpoint set: stop at los (not in this graph; will stop if a later pass has it; "
            "did you mean loss?)") in out
    assert "breakpoints: los" in command(session, "b")


def test_a_breakpoint_set_ahead_stops_in_the_later_pass_that_has_it(session):
    command(session, "b again")  # the second backward()'s unlabelled root, named by its variable
    out = command(session, "c")
    assert "-- backward() done: 4 steps" in out
    header = out.index("backward() of again (exp, data 4.4817) at ")
    assert "again.backward()" in out
    assert header < out.index("breakpoint: again") < out.index("> step 1/3: again (exp)")


def test_a_breakpoint_hit_in_a_later_pass_shows_that_passs_header(session):
    command(session, "b w")
    command(session, "c")  # w in the first pass
    out = command(session, "c")
    assert "backward() of again (exp, data 4.4817) at " in out and "again.backward()" in out
    assert "3 steps, one per node, from again back to the leaves" in out
    assert out.index("again.backward()") < out.index("breakpoint: w") < out.index("> step 3/3: w")


def test_where_shows_the_path_from_the_root(session):
    command(session, "b w")
    command(session, "c")
    lines = command(session, "w").strip().splitlines()
    assert [line.split(" (")[0].split() for line in lines] == [["loss"], ["z"], ["->", "w"]]
    assert "d(loss)/dz = 0.4200" in lines[0] and "dz/dw = 2.0000" in lines[1]


def test_list_shows_the_steps_around_the_current_one(session):
    command(session, "n")
    lines = command(session, "l").strip().splitlines()
    assert lines[0].split()[:2] == ["1", "loss"] and "(done)" in lines[0]
    assert lines[1].split()[:3] == ["->", "2", "z"]
    assert lines[2].split()[:2] == ["3", "x"] and "upstream so far 0.2100" in lines[2]


def test_graph_saves_an_svg_with_the_current_node_highlighted(session, script):
    from autograd import viz
    out = command(session, "g step.svg")
    saved = script.parent.parent / "elsewhere" / "step.svg"
    assert "wrote step.svg (loss highlighted)" in out
    svg = saved.read_text()
    assert svg.lstrip().startswith("<") and "<svg" in svg and viz.HIGHLIGHT in svg


def test_graph_without_a_file_writes_into_a_temporary_directory_not_the_current_one(session, script):
    from autograd import viz
    out = command(session, "g")
    assert out.startswith("wrote ") and "(loss highlighted)" in out
    saved = Path(out.split()[1])
    assert saved.is_absolute() and saved.parent != script.parent.parent / "elsewhere"
    assert "<svg" in saved.read_text() and viz.HIGHLIGHT in saved.read_text()
    assert list((script.parent.parent / "elsewhere").iterdir()) == []


def test_an_unknown_command_is_one_line(session):
    out = command(session, "frobnicate")
    assert out.strip().splitlines() == ["*** Unknown command: 'frobnicate' (help lists the commands)"]


def test_an_unknown_command_close_to_one_suggests_it(session):
    assert command(session, "nxt").strip() == (
        "*** Unknown command: 'nxt'; did you mean next? (help lists the commands)")


COMMANDS = ("n(ext) [K]", "back [K]", "c(ontinue)", "b(reak) [LABEL]", "cl(ear) [LABEL]",
            "p(rint) [NAME or EXPR]", "e(xplain) [NAME]", "l(ist)", "w(here)",
            "g(raph) [NAME|fold] [FILE]",
            "h(elp) [COMMAND]", "q(uit)")


def test_help_lists_each_command_once_with_the_first_line_of_its_docstring(session):
    from autograd.debug.debugger import Debugger
    lines = command(session, "h").strip().splitlines()
    for usage in COMMANDS:
        found = [line for line in lines if line.strip().split("  ")[0] == usage]
        assert len(found) == 1, usage
    summary = Debugger.do_back.__doc__.splitlines()[0].partition(": ")[2]
    assert any(line.endswith(summary) for line in lines)


@pytest.mark.parametrize("name", ["n", "next", "back", "c", "b", "cl", "p", "e", "l", "w", "g", "h", "q"])
def test_help_command_prints_that_commands_docstring(session, name):
    from autograd.debug.debugger import Debugger
    out = command(session, f"help {name}")
    assert out.replace("\r\n", "\n").strip() == getattr(Debugger, f"do_{name}").__doc__.strip()


def test_end_of_input_runs_the_script_to_its_end(session):
    session.sendeof()
    session.expect(pexpect.EOF)
    out = session.before
    w_grad, x_grad = expected_grads()
    assert "end of input" in out
    assert f"grads {w_grad!r} {x_grad!r}" in out
    assert "finished" in out and PROMPT not in out
    session.close()
    assert session.exitstatus == 0


def test_stepping_to_the_end_leaves_the_grads_of_backward(session):
    command(session, "n 3")
    session.sendline("n")
    session.expect_exact("finished")
    w_grad, x_grad = expected_grads()
    assert f"grads {w_grad!r} {x_grad!r}" in session.before
    assert "-- backward() done: 4 steps; the script goes on --" in session.before


def test_quit_stops_the_script(session):
    session.sendline("q")
    session.expect(pexpect.EOF)
    assert "grads" not in session.before
    session.close()
    assert session.exitstatus == 0


def test_all_stops_at_every_backward(script):
    child = spawn(script, "--all")
    child.expect_exact(PROMPT)
    child.sendline("c")
    child.expect_exact(PROMPT)
    assert "backward() of again (exp, data 4.4817)" in child.before
    assert "> step 1/3: again (exp)" in child.before
    child.sendeof()
    child.expect(pexpect.EOF)
    assert "finished" in child.before
    child.close(force=True)


def test_without_all_later_passes_run_without_stopping(session):
    session.sendline("c")
    session.expect(pexpect.EOF)
    assert "finished" in session.before and PROMPT not in session.before


def test_script_arguments_reach_the_script(script):
    child = pexpect.spawn(sys.executable, ["-m", "autograd.debug", str(script), "a1", "--all"],
                          cwd=str(script.parent.parent / "elsewhere"), env=env(),
                          encoding="utf-8", timeout=30)
    child.expect_exact(PROMPT)
    assert "argv ['a1', '--all'] name __main__" in child.before
    child.sendeof()
    child.expect(pexpect.EOF)
    assert "finished" in child.before  # --all after SCRIPT belongs to the script
    child.close()


# -- without a terminal ------------------------------------------------------------------------------

def run(script, *args, stdin="", cwd=None):
    cwd = cwd or script.parent.parent / "elsewhere"
    return subprocess.run([sys.executable, "-m", "autograd.debug", *args, str(script)],
                          input=stdin, capture_output=True, text=True, env=env(),
                          cwd=str(cwd), timeout=60)


def test_html_writes_the_player_instead_of_prompting(script, tmp_path):
    out = tmp_path / "player.html"
    done = run(script, "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert PROMPT not in done.stdout and "finished" in done.stdout
    assert f"autograd.debug: wrote {out}: the backward() of loss" in done.stdout
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "trace-data" in page


def test_html_names_an_unlabelled_root_as_the_prompt_does(script, tmp_path):
    out = tmp_path / "player.html"
    done = run(script, "--all", "--html", str(out))
    assert done.returncode == 0, done.stderr
    wrote = f"wrote {tmp_path / 'player-2.html'}: the backward() of again (exp, data 4.4817) at "
    assert wrote in done.stdout


def test_no_arguments_is_a_usage_error_that_asks_for_the_script(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograd.debug"], capture_output=True, text=True,
                          env=env(), cwd=str(tmp_path), timeout=60)
    assert done.returncode == 2
    assert "error: give the SCRIPT to run (its ARGS are optional)" in done.stderr
    assert "ARGS" not in done.stderr.split("error:")[1].split("(")[0]


def test_a_script_below_the_current_directory_is_shown_by_its_relative_path(script, tmp_path):
    done = run(script, cwd=tmp_path)  # script is tmp_path/scripts/train.py
    assert "backward() of loss (tanh, data 0.7616) at scripts/train.py:12: loss.backward()" in done.stdout


def test_a_script_elsewhere_is_shown_by_its_full_path(script):
    done = run(script)  # from tmp_path/elsewhere
    assert f"backward() of loss (tanh, data 0.7616) at {script}:12: loss.backward()" in done.stdout


def test_commands_can_come_from_a_pipe(script):
    done = run(script, stdin="n\np z\n")
    assert "> step 2/4: z (*)" in done.stdout
    assert "z (*): data 1.0000, grad 0.4200 (complete: this step)" in done.stdout
    assert "end of input" in done.stdout and "finished" in done.stdout


def test_a_failing_script_shows_its_traceback_and_exits_1(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\nraise RuntimeError('boom')\n")
    done = run(bad, cwd=tmp_path)
    assert done.returncode == 1
    assert 'bad.py", line 2, in <module>' in done.stderr and "RuntimeError: boom" in done.stderr
    assert "runpy" not in done.stderr


def test_the_scripts_exit_status_is_kept(tmp_path):
    code = tmp_path / "code.py"
    code.write_text("import sys\nsys.exit(3)\n")
    done = run(code, cwd=tmp_path)
    assert done.returncode == 3
    assert "finished without calling backward()" in done.stdout


def test_a_missing_script_is_a_usage_error(tmp_path):
    done = run(tmp_path / "nope.py", cwd=tmp_path)
    assert done.returncode == 2 and "no such script" in done.stderr


def test_the_script_runs_with_value_backward_as_it_is(script, tmp_path, capsys):
    from autograd.debug.cli import main
    probe = tmp_path / "probe.py"
    probe.write_text("from autograd import Value\nprint('backward is', Value.backward.__qualname__)\n"
                     "Value(1.0).backward()\n")
    original = Value.backward
    saved_path = list(sys.path)
    assert main(["--html", str(tmp_path / "p.html"), str(probe)]) == 0
    assert "backward is Value.backward" in capsys.readouterr().out
    assert Value.backward is original and sys.path == saved_path


def test_html_reports_a_player_it_cannot_write_and_the_script_goes_on(script, tmp_path):
    out = tmp_path / "no such folder" / "player.html"
    done = run(script, "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert "*** autograd.debug: could not write the player of the backward() at " in done.stdout
    assert "FileNotFoundError" in done.stdout and "finished" in done.stdout


def test_html_writes_a_player_without_a_picture_for_a_graph_too_big_to_draw(tmp_path):
    big = tmp_path / "big.py"
    big.write_text(textwrap.dedent("""\
        from autograd import Value, viz
        x = Value(0.5, "x")
        y = x
        for _ in range(viz.MAX_SIZE // 4 + 1):
            y = y * 1.0001 + 0.5
        y.backward()
        print("finished")
    """))
    out = tmp_path / "big.html"
    done = run(big, "--html", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"autograd.debug: wrote {out}" in done.stdout and "finished" in done.stdout
    assert "No picture: this graph is too big to draw." in out.read_text()


# -- the script's own ending, as python would show it ---------------------------------------------

def test_a_crashing_script_is_not_said_to_have_finished(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('boom')\n")
    done = run(bad, cwd=tmp_path)
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr
    assert "finished" not in done.stdout + done.stderr


def test_a_syntax_error_in_the_script_shows_exactly_what_python_shows(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\ny = (x +\n")
    done = run(bad, cwd=tmp_path)
    plain = subprocess.run([sys.executable, str(bad)], capture_output=True, text=True,
                           cwd=str(tmp_path), timeout=60)
    assert done.returncode == plain.returncode == 1
    assert done.stderr == plain.stderr and "SyntaxError" in done.stderr
    assert "finished" not in done.stdout


def test_ctrl_c_twice_in_the_script_exits_130_as_python_does(tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text("import time\nprint('ready', flush=True)\ntime.sleep(60)\n")
    child = pexpect.spawn(sys.executable, ["-m", "autograd.debug", str(slow)], cwd=str(tmp_path),
                          env=env(), encoding="utf-8", timeout=30)
    child.expect_exact("ready")
    child.sendintr()  # the first asks to stop at the next step, as pdb stops at the next line
    child.expect_exact("Ctrl-C again stops the script")
    child.sendintr()
    child.expect(pexpect.EOF)
    assert "KeyboardInterrupt" in child.before and "finished" not in child.before
    assert 'slow.py", line 3, in <module>' in child.before and "runpy" not in child.before
    child.close()
    assert child.exitstatus == 130


def test_a_backward_in_another_thread_runs_without_stopping(tmp_path):
    threaded = tmp_path / "threaded.py"
    threaded.write_text(textwrap.dedent("""\
        import threading
        from autograd import Value

        def work():
            t = Value(3.0, "t")
            (t * t).backward()
            print("thread grad", t.grad, flush=True)

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        m = Value(2.0, "m")
        (m * m).backward()
        print("main grad", m.grad)
    """))
    child = spawn(threaded, cwd=tmp_path)
    child.expect_exact(PROMPT)
    assert "thread grad 6.0" in child.before
    assert "threaded.py:13: (m * m).backward()" in child.before
    child.sendline("c")
    child.expect(pexpect.EOF)
    assert "main grad 4.0" in child.before
    child.close()


def test_step_names_are_unique_when_labels_look_generated(tmp_path):
    labels = tmp_path / "labels.py"
    labels.write_text(textwrap.dedent("""\
        from autograd import Value
        a, b, c = Value(1.0, "x"), Value(2.0, "x"), Value(3.0, "x#0")
        ((a + b) * c).backward()
    """))
    done = run(labels, stdin="l\n", cwd=tmp_path)
    rows = [re.split(r"\s{2,}", m.group(1)) for m in
            re.finditer(r"(?m)^(?:\(autograd\) )?(?:->)?\s+(\d+\s{2,}.*)$", done.stdout)]
    names = [row[1] for row in rows]  # "x#0b + x#1": a name may hold single spaces
    assert len(names) == 5 and len(set(names)) == 5, names


# -- pdb habits: Python in the frame that called backward(), Tab, back, explain --------------------

NET = textwrap.dedent("""\
    import sys
    from nn import TwoNodeNetwork, mse_loss

    def main():
        net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
        y_hat = net(1.5)
        C = mse_loss(y_hat, 0.2)
        C.backward()
        print("after", repr(net.w1.grad), repr(net.w2.grad))

    main()
""")


def net_grads():
    from nn import TwoNodeNetwork, mse_loss
    net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    mse_loss(net(1.5), 0.2).backward()
    return net.w1.grad, net.w2.grad


def script_session(tmp_path, name, source):
    """The stepper on a script of source, at its first prompt; closed after the test."""
    path = tmp_path / name
    path.write_text(source)
    child = spawn(path, cwd=tmp_path)
    child.expect_exact(PROMPT)
    yield child
    child.close(force=True)


@pytest.fixture
def net_session(tmp_path):
    yield from script_session(tmp_path, "net.py", NET)


def test_the_root_is_named_after_the_variable_that_holds_it(net_session):
    assert "backward() of C (**, data 0.0209)" in net_session.before
    assert command(net_session, "p C").strip() == "C (**): data 0.0209, grad 1.0000 (complete: this step)"


def test_print_evaluates_python_in_the_frame_that_called_backward(net_session):
    assert command(net_session, "p net.w1").startswith("w1 (leaf): data 0.8000, grad 0.0000")
    assert command(net_session, "p y_hat.data > 0.3").strip() == "True"
    assert command(net_session, "p [p.label for p in net.parameters()]").strip() == (
        "['w1', 'b1', 'w2', 'b2']")
    command(net_session, "b w1")
    command(net_session, "c")
    w1_grad, _ = net_grads()
    assert command(net_session, "p w1.grad * 2").strip() == repr(w1_grad * 2)  # w1: a label


def test_print_reports_python_errors_in_one_line_as_pdb_does(net_session):
    assert command(net_session, "p 1 / 0").strip() == "*** ZeroDivisionError: division by zero"
    assert command(net_session, "p net.nope").strip().startswith("*** AttributeError: ")


def test_bang_runs_a_statement_there_and_its_names_stay(net_session):
    assert command(net_session, "!scale = net.w2.data * 10").strip() == ""
    assert command(net_session, "p scale").strip() == "-12.0"
    assert command(net_session, "!print(type(net).__name__, repr(C.label))").strip() == "TwoNodeNetwork ''"


def test_a_backward_called_from_the_prompt_runs_without_stopping(script):
    child = spawn(script, "--all")
    child.expect_exact(PROMPT)
    out = command(child, "p (w * 1.0).backward()")
    assert out.strip() == "None"
    assert command(child, "p w").startswith("w (leaf): data 0.5000, grad 1.0000")
    child.close(force=True)


def tab(child, typed):
    """Type typed, press Tab, then Enter; what the command printed."""
    child.send(typed + "\t")
    return command(child, "")


def test_tab_completes_commands(net_session):
    assert "Commands (help COMMAND for one" in tab(net_session, "hel")


def test_tab_completes_names_of_nodes_even_with_a_hash(net_session):
    assert command(net_session, "p y_hat - 0.2").strip().startswith("y_hat - 0.2 (-): data 0.1446")
    assert command(net_session, "p sub#11").strip().startswith("y_hat - 0.2 (-): data 0.1446")
    assert "breakpoint set: stop at y_hat\r" in tab(net_session, "b y_h")


def test_the_op_and_position_form_works_inside_an_expression_too(net_session):
    """p sub#11 gives the node y_hat - 0.2; so do $sub#11.data and sub#11.data in Python."""
    assert command(net_session, "p $sub#11.data == $y_hat.data - 0.2").strip() == "True"
    assert command(net_session, "p sub#11.data == y_hat.data - 0.2").strip() == "True"


def test_a_name_as_formulas_write_it_names_the_node(net_session):
    """explain prints dC/d(y_hat - 0.2); e (y_hat - 0.2) is that node, not a new Value that C
    does not depend on (it said: 0: C does not depend on Value(data=0.1446...))."""
    text = command(net_session, "e (y_hat - 0.2)")
    assert text.strip().startswith("dC/d(y_hat - 0.2) = ") and "does not depend" not in text


def test_tab_completes_attributes_of_the_frames_variables(net_session):
    assert tab(net_session, "p net.w2.da").strip() == "-1.2"


def test_back_returns_to_the_grads_of_that_step_bit_for_bit(tmp_path):
    shared = tmp_path / "shared.py"
    shared.write_text(textwrap.dedent("""\
        from autograd import Value
        a, b = Value(0.1, "a"), Value(-0.7, "b")
        h = (a * b).tanh()
        L = (h * a + h * b) * h
        L.backward()
        print("grads", repr(a.grad), repr(b.grad))
    """))
    child = spawn(shared, cwd=tmp_path)
    child.expect_exact(PROMPT)
    probe = "p [repr(n.grad) for n in (L, h, a, b)]"
    command(child, "n")
    at_2 = command(child, probe)
    status_2 = command(child, "n 4")
    assert "> step 6/" in status_2
    out = command(child, "back 4")
    assert "> step 2/" in out
    assert command(child, probe) == at_2
    child.sendline("c")
    a, b = Value(0.1, "a"), Value(-0.7, "b")
    h = (a * b).tanh()
    ((h * a + h * b) * h).backward()
    child.expect(pexpect.EOF)
    assert f"grads {a.grad!r} {b.grad!r}" in child.before
    child.close()


def test_back_goes_one_step_back_and_not_before_the_first(session):
    assert command(session, "back").strip() == (
        "*** this is the first step of the pass; back goes no further")
    command(session, "n 2")
    out = command(session, "back")
    assert "> step 2/4: z (*)" in out
    assert "z (*): data 1.0000, grad 0.4200 (complete: this step)" in command(session, "p z")
    assert "x (leaf): data 2.0000, grad 0.0000 (upstream so far 0.2100" in command(session, "p x")
    assert "> step 1/4: loss (tanh)" in command(session, "back 9")


EXPLAINED = textwrap.dedent("""\
    import sys, types
    from autograd import Value
    fake = types.ModuleType("autograd.explain")
    fake.explain = lambda root, node, *, names=None: f"EXPLAIN d{names[root]}/d{names[node]}"
    sys.modules["autograd.explain"] = MODULE
    w = Value(0.5, "w")
    loss = (w * 2.0).tanh()
    loss.backward()
""")


def test_explain_prints_explain_of_the_root_and_the_node(tmp_path):
    path = tmp_path / "explained.py"
    path.write_text(EXPLAINED.replace("MODULE", "fake"))
    done = run(path, stdin="e w\ne\n", cwd=tmp_path)
    assert "EXPLAIN dloss/dw" in done.stdout and "EXPLAIN dloss/dloss" in done.stdout


def test_explain_says_so_politely_when_it_is_not_there(tmp_path):
    path = tmp_path / "explained.py"
    path.write_text(EXPLAINED.replace("MODULE", "None"))
    done = run(path, stdin="e w\n", cwd=tmp_path)
    assert "*** explain is not in this version of chainrule yet" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_explain_prints_the_chain_rule_as_explain_gives_it(net_session):
    from autograd import explain
    from nn import TwoNodeNetwork, mse_loss
    net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    y_hat = net(1.5)
    C = mse_loss(y_hat, 0.2)
    expected = str(explain(C, net.w1))  # named from this frame's variables, as the prompt's
    out = command(net_session, "e net.w1").replace("\r\n", "\n").strip()
    assert out == expected.strip() and "dC/dw1 = delta1 * " in out and y_hat.data > 0


def test_graph_names_nodes_as_the_prompt_does(net_session):
    out = command(net_session, "g")
    svg = Path(out.split()[1]).read_text()
    assert ">C<" in svg and ">y_hat<" in svg


def test_a_label_with_control_characters_shows_escaped(tmp_path):
    odd = tmp_path / "odd.py"
    odd.write_text(textwrap.dedent("""\
        from autograd import Value
        a = Value(2.0, "\\x1b[31mred")
        (a * a).backward()
    """))
    done = run(odd, stdin="n\np \\x1b[31mred\n", cwd=tmp_path)
    assert "\x1b" not in done.stdout
    assert "> step 2/2: \\x1b[31mred (leaf)" in done.stdout
    assert "\\x1b[31mred (leaf): data 2.0000, grad 4.0000 (complete: this step)" in done.stdout


def test_ctrl_c_while_the_script_runs_stops_at_the_next_backward_step(tmp_path):
    loop = tmp_path / "loop.py"
    loop.write_text(textwrap.dedent("""\
        import time
        from autograd import Value
        w = Value(0.5, "w")
        for k in range(600):
            L = (w * w).tanh()
            L.backward()
            if k == 0:
                print("first pass done", flush=True)
            time.sleep(0.05)
        print("finished", flush=True)
        """))
    child = pexpect.spawn(sys.executable, ["-m", "autograd.debug", str(loop)], cwd=str(tmp_path),
                          env=env(), encoding="utf-8", timeout=30)
    child.expect_exact(PROMPT)  # the first backward()
    child.sendline("c")
    child.expect_exact("first pass done")
    child.sendintr()
    child.expect_exact(PROMPT)  # a later pass, stopped at its first step
    assert "Interrupted" in child.before and "step 1/3: L (tanh)" in child.before
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# -- pdb's habits with every name a node can have ---------------------------------------------------

MLP_SCRIPT = textwrap.dedent("""\
    import random
    from autograd import Value
    from nn import MLP

    def main():
        random.seed(0)
        model = MLP(2, [3, 1])
        lr = 0.1
        x = [Value(1.0, "x0"), Value(-2.0, "x1")]
        loss = (model(x) - 1.0) ** 2
        loss.backward()
        print("lr after", lr)
        print("w grad", repr(model.parameters()[0].grad))

    main()
""")


def mlp_first_grad():
    """What the MLP script's backward() gives layers.0.neurons.0.w.0, computed here."""
    import random

    from nn import MLP
    random.seed(0)
    model = MLP(2, [3, 1])
    ((model([Value(1.0, "x0"), Value(-2.0, "x1")]) - 1.0) ** 2).backward()
    return model.parameters()[0]


@pytest.fixture
def mlp_session(tmp_path):
    yield from script_session(tmp_path, "mlp.py", MLP_SCRIPT)


def test_print_reads_an_nn_label_with_dots_as_the_node(mlp_session):
    w = mlp_first_grad()
    assert w.label == "layers.0.neurons.0.w.0"
    command(mlp_session, "b layers.0.neurons.0.w.0")
    command(mlp_session, "c")
    assert command(mlp_session, "p layers.0.neurons.0.w.0.grad").strip() == repr(w.grad)
    assert command(mlp_session, "p layers.0.neurons.0.w.0.grad * 2").strip() == repr(w.grad * 2)


def test_dollar_names_any_node(session):
    out = command(session, "n")
    name = re.search(r"> step 2/4: (.+?) \(\*\)", out).group(1)  # z: a label
    z = Value(0.5, "w") * Value(2.0, "x")
    z.tanh().backward()
    assert command(session, f"p ${name}.grad").strip() == repr(z.grad)
    assert command(session, "p $nope").strip() == (
        "*** NameError: no node named 'nope' here ($NAME takes the name or label of a node of "
        "this pass)")


def test_dollar_names_a_generated_name_with_a_hash(tmp_path):
    path = tmp_path / "hash.py"
    path.write_text("from autograd import Value\na = Value(3.0, 'a')\nL = (a * a) * 2.0\nL.backward()\n")
    child = spawn(path, cwd=tmp_path)
    child.expect_exact(PROMPT)
    out = command(child, "n")
    name = re.search(r"> step 2/3: (.+?) \(\*\)", out).group(1)  # a * a, unnamed
    assert command(child, f"p ${name}.data + 1").strip() == "10.0"
    assert command(child, f"p ${name}").startswith(f"{name} (*): data 9.0000, grad 2.0000")
    child.close(force=True)


LABELS = textwrap.dedent("""\
    from autograd import Value
    a = Value(2.0, "h#1")
    b = Value(3.0, "h#2")
    total = (a * b).tanh()
    total.label = "sum"
    total.backward()
    print("done", a.grad)
""")


@pytest.fixture
def labels_session(tmp_path):
    path = tmp_path / "labels.py"
    path.write_text(LABELS)
    child = spawn(path, cwd=tmp_path)
    child.expect_exact(PROMPT)
    yield child
    child.close(force=True)


def test_a_node_labelled_like_a_builtin_leaves_the_builtin_to_python(labels_session):
    assert command(labels_session, "p sum([1, 2])").strip() == "3"
    assert command(labels_session, "p sum").strip() == "<built-in function sum>"
    assert command(labels_session, "p $sum").startswith("sum (tanh): data 1.0000")
    assert command(labels_session, "p $sum.data > 0.99").strip() == "True"


def test_tab_completes_past_a_hash(labels_session):
    assert tab(labels_session, "p h#2.da").strip() == "3.0"
    assert tab(labels_session, "p $h#1.da").strip() == "2.0"
    shown = listed(labels_session, "p h#")  # two names start so: the second Tab lists both
    assert "h#1" in shown and "h#2" in shown


def test_tab_completes_an_nn_label_with_dots(mlp_session):
    out = tab(mlp_session, "p layers.0.neurons.2.w.1.gr")
    assert re.fullmatch(r"-?\d\.\d+(e-?\d+)?", out.strip()), out
    shown = listed(mlp_session, "b layers.1.neurons.0.")  # its w.0, w.1, w.2 and b
    assert "layers.1.neurons.0.w.2" in shown and "layers.1.neurons.0.b" in shown


def listed(child, typed):
    """What two Tabs after typed list (readline then redraws the prompt and the line, which
    Enter then runs)."""
    child.send(typed + "\t\t")
    child.expect_exact(PROMPT + typed)
    shown = child.before
    command(child, "")
    return shown


def test_tab_after_explain_offers_nodes_and_variables_not_builtins(net_session):
    shown = listed(net_session, "e w")
    assert "w1" in shown and "w2" in shown and "while" not in shown and "with" not in shown
    shown = listed(net_session, "p w")  # p is Python: its keywords too, as pdb offers them
    assert "w1" in shown and "while" in shown


def test_graph_of_a_node_draws_the_part_under_it(mlp_session, tmp_path):
    out = command(mlp_session, "g layers.0.neurons.1 part.svg")
    assert out.strip() == "wrote part.svg (loss is not under layers.0.neurons.1)"
    svg = (tmp_path / "part.svg").read_text()
    assert ">layers.0.neurons.1<" in svg and ">layers.0.neurons.1.w.0<" in svg
    assert ">loss<" not in svg and ">layers.0.neurons.0.w.0<" not in svg


def test_graph_fold_draws_each_neuron_call_as_one_box(mlp_session, tmp_path):
    from autograd.viz import HIGHLIGHT
    command(mlp_session, "g whole.svg")
    out = command(mlp_session, "g fold folded.svg")
    assert out.strip() == "wrote folded.svg (loss highlighted)"
    whole, folded = (tmp_path / "whole.svg").read_text(), (tmp_path / "folded.svg").read_text()
    assert folded.count("<g id=\"node") < whole.count("<g id=\"node") and HIGHLIGHT in folded


def test_graph_too_big_says_which_command_draws_a_smaller_part(mlp_session):
    command(mlp_session, "!import autograd.viz; autograd.viz.MAX_SIZE = 60")
    out = command(mlp_session, "g").strip()
    assert out.startswith("*** the graph has ") and "more than autograd.viz.MAX_SIZE = 60" in out
    assert "g fold draws each nn neuron call as one box" in out
    assert "g NAME draws the part under one node (" in out  # loss, the current node, is all of it
    name = re.search(r"> step 2/\d+: (.+?) \(-\)", command(mlp_session, "n")).group(1)
    assert f"g NAME draws the part under one node, e.g. g {name} (" in command(mlp_session, "g")
    assert command(mlp_session, "g layers.0.neurons.0 small.svg").startswith("wrote small.svg")


def test_bang_assigns_a_functions_variable_as_pdb_does(mlp_session):
    assert command(mlp_session, "!lr = 0.5").strip() == ""
    assert command(mlp_session, "p lr").strip() == "0.5"
    mlp_session.sendline("c")
    mlp_session.expect(pexpect.EOF)
    assert "lr after 0.5" in mlp_session.before
    assert f"w grad {mlp_first_grad().grad!r}" in mlp_session.before


def test_exit_in_print_is_an_error_and_the_session_goes_on(mlp_session):
    out = command(mlp_session, "p exit()").strip()
    assert out == "*** SystemExit: None (the script goes on; q quits)"
    assert command(mlp_session, "!raise SystemExit(3)").strip().startswith("*** SystemExit: 3")
    assert command(mlp_session, "p 1 + 1").strip() == "2"  # stdin still open
    mlp_session.sendline("c")
    mlp_session.expect(pexpect.EOF)
    assert "lr after 0.1" in mlp_session.before
    mlp_session.close()
    assert mlp_session.exitstatus == 0


def test_the_banner_starts_on_a_fresh_line_after_a_progress_bar(tmp_path):
    path = tmp_path / "progress.py"
    path.write_text(textwrap.dedent("""\
        import sys
        from autograd import Value
        w = Value(0.5, "w")
        for epoch in range(2):
            print(f"\\repoch {epoch + 1}/2 [####]", end="", flush=True)
            sys.stderr.write("\\r  ")
            loss = (w * w).tanh()
            loss.backward()
        print()
    """))
    child = spawn(path, "--all", cwd=tmp_path)
    child.expect_exact(PROMPT)
    assert "\r  \r\nbackward() of loss" in child.before
    child.sendline("c")
    child.expect_exact(PROMPT)
    assert "epoch 2/2 [####]\r  \r\nbackward() of loss" in child.before
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()


# -- Tape.backward() -------------------------------------------------------------------------------

TAPED = textwrap.dedent("""\
    from autograd import Tape, Value
    w = Value(0.5, "w")
    x = Value(2.0, "x")
    loss = (w * x).tanh()
    loss.label = "loss"
    tape = Tape(BATCH)
    w.data = 0.25
    print("forward", tape.forward(ROWS))
    tape.backward()
    print("grads", repr(w.grad), repr(x.grad))
""")


def run_taped(tmp_path, batch, rows, commands):
    """The taped script under the stepper (commands typed at its one stop) and under python."""
    path = tmp_path / "taped.py"
    path.write_text(TAPED.replace("BATCH", batch).replace("ROWS", rows))
    plain = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                           env=env(), cwd=str(tmp_path), timeout=60)
    child = spawn(path, cwd=tmp_path)
    child.expect_exact(PROMPT)
    shown = [child.before] + [command(child, line) for line in commands]
    child.sendline("c")
    child.expect(pexpect.EOF)
    shown.append(child.before)
    child.close()
    return shown, plain.stdout.splitlines()[-1]


def test_tape_backward_stops_as_backward_does(tmp_path):
    shown, plain = run_taped(tmp_path, "loss", "", ["p w"])
    assert "backward() of loss (tanh, data 0.4621) at taped.py:9: tape.backward()" in shown[0]
    assert "4 steps, one per node" in shown[0] and "This is" not in shown[0]
    assert shown[1].startswith("w (leaf): data 0.2500, grad 0.0000")  # the replayed numbers
    assert plain.startswith("grads ") and plain in shown[-1]


def test_a_batched_tape_backward_steps_example_0_then_adds_the_batchs_grads(tmp_path):
    shown, plain = run_taped(tmp_path, "loss, batch=[x]", "[[2.0], [3.0]]", ["p x", "n 3"])
    assert "backward() of loss (tanh, data 0.4621) at taped.py:9: tape.backward()" in shown[0]
    assert ("This is example 0 of the 2 rows of tape.forward(rows), stepped in the graph of one "
            "example; then every .grad is put back and the batch's backward() adds its mean as "
            "usual.") in shown[0]
    assert shown[1].startswith("x (leaf): data 2.0000")  # example 0's row
    assert "> step 4/4: w (leaf), data 0.2500, upstream d(loss)/dw = 1.5729" in shown[2]
    assert plain.startswith("grads ") and plain in shown[-1]  # the batch's grads, not example 0's
