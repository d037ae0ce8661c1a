"""python -m autograd.debug: the terminal stepper, driven end to end through a real pseudo-terminal."""

import os
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


def spawn(script, *args):
    child = pexpect.spawn(sys.executable, ["-m", "autograd.debug", *args, str(script)],
                          cwd=str(script.parent.parent / "elsewhere"), env=env(),
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
    assert "> step 1/4: loss (tanh), data 0.7616, upstream dloss/dloss = 1.0000" in before
    assert "dloss/dz += dloss/dloss * dloss/dz = 1.0000 * 0.4200 = 0.4200" in before
    child.close(force=True)


def test_next_takes_a_step_and_an_empty_line_repeats_it(session):
    assert "> step 2/4: z (*), data 1.0000, upstream dloss/dz = 0.4200" in command(session, "n")
    assert "> step 3/4: x (leaf)" in command(session, "")
    assert "> step 4/4: w (leaf)" in command(session, "")


def test_next_k_takes_k_steps(session):
    out = command(session, "next 2")
    assert "> step 3/4" in out and "step 2/4" not in out


def test_break_and_continue_stop_at_the_label(session):
    assert "breakpoint set: stop at w" in command(session, "b w")
    out = command(session, "c")
    assert "breakpoint: w" in out and "> step 4/4: w (leaf)" in out
    assert "dloss/dw = 0.8399 (a leaf: its gradient is complete)" in out


def test_print_shows_a_nodes_data_and_grad(session):
    assert "loss (tanh): data 0.7616, grad 1.0000 (complete: this step)" in command(session, "p")
    assert "w (leaf): data 0.5000, grad 0.0000 (upstream so far 0.0000" in command(session, "p w")
    command(session, "n 3")
    assert "w (leaf): data 0.5000, grad 0.8399 (complete: this step)" in command(session, "print w")


def test_an_unknown_label_is_an_error_that_suggests_close_matches(session):
    out = command(session, "p zz")
    assert "*** no node labelled 'zz' in this graph; did you mean z?" in out


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
    assert "dloss/dz = 0.4200" in lines[0] and "dz/dw = 2.0000" in lines[1]


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


def test_an_unknown_command_prints_help(session):
    out = command(session, "frobnicate")
    assert "*** unknown command 'frobnicate'" in out and "n(ext) [K]" in out and "q(uit)" in out


def test_help_lists_the_commands(session):
    out = command(session, "h")
    for cmd in ("n(ext) [K]", "c(ontinue)", "b(reak) [LABEL]", "p(rint) [LABEL]", "l(ist)",
                "w(here)", "g(raph) [FILE]", "h(elp)", "q(uit)"):
        assert cmd in out


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


def test_html_names_an_unlabelled_root_L_as_the_prompt_does(script, tmp_path):
    out = tmp_path / "player.html"
    done = run(script, "--all", "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote {tmp_path / 'player-2.html'}: the backward() of again (exp, data 4.4817) at " in done.stdout


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


def test_value_backward_is_restored_after_the_script(script, tmp_path, capsys):
    from autograd.debug.cli import main
    original = Value.backward
    saved_path = list(sys.path)
    assert main(["--html", str(tmp_path / "p.html"), str(script)]) == 0
    assert Value.backward is original and sys.path == saved_path
    assert "finished" in capsys.readouterr().out


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
