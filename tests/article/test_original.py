"""Tests for article.original: the article's program, behaviour intact."""

import random
import subprocess
import sys

import pytest
import torch

from agentlib import cli
from agentlib.article import original
from agentlib.article.original import ADD, ANS, MUL, RCL, STO, SUB, ToolEnv
from agentlib.errors import AgentlibError
from tests.article.verbatim import VERBATIM, load_article

PUBLISHED = "Final greedy accuracies → T0=1.061, T1=0.000, T2=0.176"
ABC = (3, 4, 5, 2, 6)


@pytest.mark.parametrize(
    ("stage", "program", "expected"),
    [
        (0, [MUL, ANS], 1.0 + 0.2 * 0.25),  # a*b: the goal it checks
        (0, [MUL, ADD, ANS], 0.2 * 0.5),  # a*b+c: the stated target
        (1, [MUL, ADD, ANS], 1.0 + 0.2 * 0.5),
        (1, [MUL, ADD, SUB, ANS], 0.2 * 0.75),
        (2, [MUL, ADD, SUB, ANS], 1.0),  # a*b+c-d = 15
        # answers d*e = 12, which here also equals a*b
        (2, [MUL, ADD, STO, MUL, RCL, ANS], 0.2 * (0.2 + 0.6)),
        (2, [MUL, ADD, MUL], 0.0),  # never answers
    ],
)
def test_step_seq_hand_computed_rewards(stage, program, expected):
    reward, steps = ToolEnv().step_seq(program, ABC, stage)
    assert reward == pytest.approx(expected)
    assert steps == len(program)


def test_step_seq_stops_at_max_steps():
    assert ToolEnv(max_steps=7).step_seq([5] * 9 + [ANS], ABC, 0) == (0.0, 7)


def test_rcl_keeps_the_articles_quirks():
    env = ToolEnv()
    assert env.run_tools([STO, RCL, ANS], ABC, 0) == (0, True, 3)
    assert env.run_tools([MUL, STO, RCL, ANS], ABC, 2) == (12, True, 4)


def test_step_seq_equals_the_article_on_random_programs():
    article_env = load_article("ToolEnv")["ToolEnv"]()
    env = ToolEnv()
    rng = random.Random(0)
    tokens = list(range(original.V))
    for _ in range(30_000):
        stage = rng.randrange(3)
        abc = tuple(rng.randint(0, 9) for _ in range(5))
        program = rng.choices(tokens, k=rng.randint(0, 8))
        ours = env.step_seq(program, abc, stage)
        assert ours == article_env.step_seq(program, abc, stage), program


def test_sample_matches_the_article_given_the_same_seed():
    article_env = load_article("ToolEnv")["ToolEnv"]()
    random.seed(3)
    theirs = [article_env.sample(s % 3) for s in range(50)]
    env = ToolEnv(rng=random.Random(3))
    assert [env.sample(s % 3) for s in range(50)] == theirs


@pytest.mark.parametrize("stage", [-1, 3, 1.5, "0", True])
def test_bad_stage_is_a_clear_error(stage):
    with pytest.raises(AgentlibError, match="stage must be 0, 1 or 2"):
        ToolEnv().step_seq([ANS], ABC, stage)


def test_forward_shapes():
    torch.manual_seed(0)
    net = original.ActorCritic(original.V)
    ctx = original.pad_batch([[1, 2, 3], [4, 5, 6, 7]])
    outputs = net(ctx, torch.tensor([0, 1]))
    assert [tuple(x.shape) for x in outputs] == [(2, 6)] * 4
    assert outputs[0].dtype == torch.long


def test_pad_batch_appends_ctx_and_pads_with_eos():
    padded = original.pad_batch([[1, 2, 3], [4, 5, 6, 7]])
    eos, ctx = original.EOS, original.CTX
    assert padded.tolist() == [[1, 2, 3, ctx, eos], [4, 5, 6, 7, ctx]]


def test_initial_state_mixes_the_batch():
    torch.manual_seed(0)
    net = original.ActorCritic(original.V)
    stage = torch.zeros(2, dtype=torch.long)
    first = original.pad_batch([[3, 4, 5], [0, 0, 0]])
    second = original.pad_batch([[3, 4, 5], [9, 9, 9]])
    with torch.no_grad():
        h_first = net.initial_state(first, stage)
        h_second = net.initial_state(second, stage)
    # Two different problems, one state; one problem, two states.
    assert torch.equal(h_first[0, 0], h_first[0, 1])
    assert not torch.allclose(h_first[0, 0], h_second[0, 0])


def reproduced_lines() -> list[str]:
    """What ``reproduce`` logs for seed 0 on the CPU."""
    lines = []
    original.reproduce(seed=0, device="cpu", log=lines.append)
    return lines


def test_reproduce_prints_the_articles_lines_on_cpu():
    script = subprocess.run(
        [sys.executable, str(VERBATIM)], capture_output=True, text=True,
        check=True, env={"CUDA_VISIBLE_DEVICES": "", "PATH": ""},
    )
    assert "\n".join(reproduced_lines()) + "\n" == script.stdout


@pytest.mark.skipif(
    not torch.__version__.startswith("2.13"),
    reason=f"the published line was printed with torch 2.13; torch "
           f"{torch.__version__} draws other random numbers")
def test_reproduce_ends_with_the_published_line_on_torch_2_13():
    assert reproduced_lines()[-1].strip() == PUBLISHED


@pytest.mark.parametrize("seed", [-1, 2**64, 1.0, True])
def test_seeds_outside_64_bits_or_negative_are_refused(seed):
    with pytest.raises(AgentlibError, match="seed must be an integer >= 0"):
        original.make_article(seed)


def test_the_reproduce_command_refuses_a_negative_seed(capsys):
    assert cli.main(["reproduce", "--seed", "-1"]) == 2
    assert "seed must be" in capsys.readouterr().err


def test_pad_batch_names_an_unknown_device():
    with pytest.raises(AgentlibError, match="unknown device 'gpu'"):
        original.pad_batch([[3, 4, 5]], device="gpu")
