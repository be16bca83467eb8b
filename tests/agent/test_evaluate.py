"""Tests for agent.evaluate: greedy exact match per stage."""

import dataclasses

import pytest
import torch

from agentlib.agent import a2c, evaluate
from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.errors import AgentlibError
from agentlib.experiments.controller import OneBitController
from agentlib.tasks import arithmetic
from agentlib.tasks import expressions as ex
from tests.agent.test_a2c import Oracle

TASK = arithmetic.ArithmeticTask()


def test_accuracy_by_stage_by_hand():
    correct = torch.tensor([True, False, True, True, False])
    stage = torch.tensor([0, 0, 1, 2, 2])
    assert evaluate.accuracy_by_stage(correct, stage, 3) == [0.5, 1.0, 0.5]


def test_a_stage_without_problems_has_no_accuracy():
    correct = torch.tensor([True, False, True])
    stage = torch.tensor([0, 0, 2])
    # 0% would read as a stage the agent fails on
    assert evaluate.accuracy_by_stage(correct, stage, 3) == [
        0.5, None, 1.0]


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5])
def test_accuracy_per_stage_refuses_a_bad_seed(seed):
    model = ActorCritic(ActorCriticConfig(d_model=8))
    with pytest.raises(AgentlibError, match="seed must be an integer"):
        evaluate.accuracy_per_stage(model, num=4, seed=seed)


def test_the_shortest_programs_score_100_percent():
    accuracy = evaluate.accuracy_per_stage(Oracle(), num=500)
    assert accuracy == [1.0, 1.0, 1.0]


def test_the_stage_1_program_everywhere_scores_as_counted():
    oracle = Oracle(("MUL ADD SUB ANS",) * 3)
    problems = TASK.evaluation_problems(2000, seed=0)
    accuracy = evaluate.greedy_accuracy(oracle, problems)
    # stage 0: the SUB has no operand, so a*b+c is answered
    # stage 2: right only when d*e == d, i.e. d == 0 or e == 1
    assert accuracy[:2] == [1.0, 1.0]
    assert abs(accuracy[2] - 0.19) < 0.03


def test_decoded_programs_end_at_ans_and_name_digit_actions():
    batch = Oracle(("MUL ADD ANS",) * 3)
    problems = TASK.evaluation_problems(1, seed=0)
    rollout = a2c.rollout(batch, problems, greedy=True)
    assert evaluate.decode_programs(rollout, arithmetic.TOOLS) == [
        ["MUL", "ADD", "ANS"]] * 3
    rollout.action[0, 1] = arithmetic.NUM_TOOLS + 7  # the digit 7
    assert evaluate.decode_programs(rollout, arithmetic.TOOLS)[0] == [
        "MUL", "7", "ANS"]


def test_every_context_scores_the_stage_1_program_exactly():
    oracle = Oracle(("MUL ADD SUB ANS",) * 3)
    # stage 2: right exactly when d*e == d: d == 0 (10 of 100 pairs of
    # d, e) or e == 1 with d != 0 (9 more)
    assert evaluate.test_accuracy(oracle, evaluate.EVERY) == [1.0, 1.0, 0.19]


def test_a_sampled_policy_is_scored_on_the_same_problems():
    # a policy that always plays the same program samples what it
    # would choose greedily, so on the same problems both scores agree,
    # to the last problem (stage 2 is right on about 19% of them)
    oracle = Oracle(("MUL ADD SUB ANS",) * 3)
    for num, seed in ((300, 1), (300, 2), (evaluate.EVERY, 0)):
        greedy = evaluate.test_accuracy(oracle, num, seed=seed)
        sampled = evaluate.test_accuracy(oracle, num, seed=seed,
                                         sampled=True)
        assert sampled == greedy
    assert greedy == [1.0, 1.0, 0.19]
    # and other seeds draw other problems
    assert evaluate.test_accuracy(oracle, 300, seed=1) != (
        evaluate.test_accuracy(oracle, 300, seed=2))


def test_test_scores_are_greedy_and_sampled_test_accuracy():
    torch.manual_seed(0)  # an untrained agent: its samples differ
    model = ActorCritic(ActorCriticConfig(d_model=8, task="expressions",
                                          use_stage=False))
    for held_out in (False, True):
        greedy = evaluate.test_accuracy(model, 30, seed=5,
                                        held_out=held_out)
        sampled = evaluate.test_accuracy(model, 30, seed=5,
                                         held_out=held_out, sampled=True)
        assert held_out or greedy != sampled  # held out: 0% both
        assert evaluate.test_scores(model, 30, seed=5,
                                    held_out=held_out) == (greedy, sampled)


@pytest.mark.parametrize("num", [-1, True, 2.5])
def test_test_accuracy_refuses_a_bad_size(num):
    with pytest.raises(AgentlibError, match="num must be"):
        evaluate.test_accuracy(Oracle(), num)


@pytest.mark.parametrize("memory, expected", [(True, 1.0), (False, 0.5)])
def test_play_scores_each_episode_as_the_rollout_does(memory, expected):
    controller = OneBitController(memory=memory)
    # 3-4*5 needs the bit: without it the controller pops with +
    problems = ex.problems_from_expressions(["3+4*5", "3-4*5"])
    played = evaluate.play(controller, problems, greedy=True)
    rolled = a2c.rollout(controller, problems, greedy=True).correct
    assert torch.equal(played, rolled)
    assert played.float().mean().item() == expected


def test_play_draws_the_rollouts_samples_in_the_same_order():
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(d_model=8))
    problems = TASK.evaluation_problems(200, seed=2)
    draws, rollout_draws = (torch.Generator().manual_seed(5)
                            for _ in range(2))
    played = evaluate.play(model, problems, generator=draws)
    rolled = a2c.rollout(model, problems, generator=rollout_draws)
    assert torch.equal(played, rolled.correct)
    assert torch.equal(draws.get_state(), rollout_draws.get_state())


class CountingOracle(Oracle):
    """The oracle, counting the steps it is asked to act."""

    def __init__(self):
        super().__init__()
        self.steps = 0

    def act(self, *args, **kwargs):
        self.steps += 1
        return super().act(*args, **kwargs)


def test_until_done_stops_when_the_last_episode_ends():
    problems = arithmetic.problems_from_contexts([[3, 4, 5], [3, 4, 6]])
    full, short = CountingOracle(), CountingOracle()
    whole = evaluate.play(full, problems, greedy=True)
    cut = evaluate.play(short, problems, greedy=True, until_done=True)
    assert full.steps == 6 and short.steps == 3
    assert cut.tolist() == whole.tolist() == [True, True]
    # while one episode runs, every step is taken
    mixed = arithmetic.problems_from_contexts([[3, 4, 5], [3, 4, 5, 2, 6]])
    oracle = CountingOracle()
    evaluate.play(oracle, mixed, greedy=True, until_done=True)
    assert oracle.steps == 6


def test_all_done_reads_no_flags_off_the_cpu():
    state = arithmetic.reset(arithmetic.problems_from_contexts([[3, 4, 5]]))
    assert not evaluate.all_done(state)
    assert evaluate.all_done(dataclasses.replace(state, done=~state.done))
    on_meta = torch.ones(1, dtype=torch.bool, device="meta")
    assert not evaluate.all_done(dataclasses.replace(state, done=on_meta))


@pytest.mark.parametrize("task", ["arithmetic", "expressions"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rows_episode_is_the_same_in_any_batch(task, seed):
    # what scoring stage by stage rests on, sampled on random networks:
    # each stage's rows played alone act, score and value as they do
    # inside the whole batch, to the last bit
    torch.manual_seed(seed)
    model = ActorCritic(ActorCriticConfig(d_model=16, task=task))
    problems = model.task.evaluation_problems(300, seed=seed)
    with torch.no_grad():
        whole = a2c.rollout(model, problems, greedy=True)
        for stage in model.task.stages:
            rows = (problems.stage == stage).nonzero().squeeze(1)
            alone = a2c.rollout(model, a2c.take_rows(problems, rows),
                                greedy=True)
            for name in ("action", "log_prob", "value", "correct"):
                assert torch.equal(getattr(alone, name),
                                   getattr(whole, name)[rows])
    accuracy = evaluate.accuracy_by_stage(whole.correct, problems.stage,
                                          len(model.task.stages))
    assert evaluate.greedy_accuracy(model, problems) == accuracy


def test_each_stage_ends_with_its_own_episodes():
    problems = arithmetic.problems_from_contexts(
        [[3, 4, 5], [3, 4, 5, 2, 6], [3, 4, 6]])
    oracle = CountingOracle()
    assert evaluate.greedy_accuracy(oracle, problems) == [1.0, None, 1.0]
    # stage 0 ends after its 3 steps, not the 6 that stage 2 needs
    assert oracle.steps == 3 + 6
