"""Tests for agent.reader: the agent that reads once and moves a head."""

import pytest
import torch

from agentlib.agent import a2c
from agentlib.agent.policy import Policy
from agentlib.agent.reader import (
    Reader,
    ReaderConfig,
    ReaderState,
    move_head,
)
from agentlib.agent.train import TrainConfig, make_agent, train
from agentlib.errors import AgentlibError
from agentlib.tasks import expressions, get_task
from agentlib.tasks.interface import protocol_members


def problems_of(*lines):
    """A batch of expressions written as text."""
    return expressions.problems_from_expressions(list(lines))


def test_the_reader_has_every_member_of_the_policy_protocol():
    reader = Reader(ReaderConfig())
    for member in protocol_members(Policy):
        assert hasattr(reader, member), member


def test_it_reads_every_token_and_two_ends_into_one_vector_each():
    reader = Reader(ReaderConfig(d_model=8))
    # 3+4*5: 5 tokens; 2+3: 3 tokens, padded to 5 with END tokens
    state = reader.initial_state(problems_of("3+4*5", "2+3"))
    assert isinstance(state, ReaderState)
    assert state.memory.shape == (2, 5 + 2, 8)
    assert state.h.shape == (2, 8)
    assert state.head.tolist() == [0, 0]
    # the last END: 5 + 2 - 1 and 3 + 2 - 1
    assert state.last.tolist() == [6, 4]


def test_the_padding_of_a_short_expression_is_its_end_tokens():
    reader = Reader(ReaderConfig(d_model=8))
    short, _ = reader.encode(problems_of("2+3"))
    padded, _ = reader.encode(problems_of("2+3", "3+4*5"))
    # a window of 3 sees END beside END alike: padding changes nothing
    assert torch.allclose(padded[0, :5], short[0], atol=1e-6)


def test_the_head_moves_forward_and_stops_at_the_last_end():
    head = torch.tensor([0, 3, 5, 6])
    move = torch.tensor([2, 1, 2, 0])
    last = torch.tensor([6, 6, 6, 6])
    assert move_head(head, move, last).tolist() == [2, 4, 6, 6]


def test_a_step_moves_the_head_by_the_greedy_move_clamped():
    reader = Reader(ReaderConfig(d_model=8))
    with torch.no_grad():  # the move head always chooses +2
        reader.move_head[-1].weight.zero_()
        reader.move_head[-1].bias.copy_(torch.tensor([0.0, 0.0, 5.0]))
    problems = problems_of("3+4*5", "2+3")
    state = reader.initial_state(problems)
    heads = []
    action = reader.start_action(2, torch.device("cpu"))
    obs = reader.task.observe(reader.task.reset(problems), problems)
    for _ in range(4):
        action, _, _, _, state = reader.get_action_and_value(
            state, action, greedy=True, obs=obs)
        heads.append(state.head.tolist())
    assert heads == [[2, 2], [4, 4], [6, 4], [6, 4]]


def test_its_log_prob_is_the_tools_plus_the_moves():
    torch.manual_seed(0)
    reader = Reader(ReaderConfig(d_model=8))
    problems = problems_of("3+4*5")
    state = reader.initial_state(problems)
    obs = reader.task.observe(reader.task.reset(problems), problems)
    start = reader.start_action(1, torch.device("cpu"))
    action, log_prob, entropy, _, after = reader.get_action_and_value(
        state, start, greedy=True, obs=obs)
    # recompute both distributions by hand from the same layers
    read = state.memory[0, 0]
    x = torch.cat([reader.token_emb(start)[0],
                   reader.obs_emb(obs[0]).sum(0), read])
    h = reader.gru(x[None], state.h)[0]
    tools = torch.log_softmax(reader.policy_head(torch.cat([h, read])), -1)
    moves = torch.log_softmax(reader.move_head(
        torch.cat([read, reader.token_emb(action)[0]])), -1)
    assert action.item() == tools.argmax().item()
    assert after.head.item() == moves.argmax().item()
    expected = tools.max() + moves.max()
    assert log_prob.item() == pytest.approx(expected.item(), abs=1e-5)
    entropies = -(tools.exp() * tools).sum() - (moves.exp() * moves).sum()
    assert entropy.item() == pytest.approx(entropies.item(), abs=1e-5)


def test_the_reader_sees_its_registers_not_the_cursor_or_operators():
    task = get_task("expressions-read")
    assert task.num_obs == 4
    # same registers, different operators and cursor: the same obs
    problems = problems_of("3+4*5", "3*4-5")
    state = task.reset(problems)
    moved = task.step(state, problems, torch.tensor([expressions.LOAD,
                                                     expressions.PUSH]))
    assert moved.cursor.tolist() == [1, 0]
    # acc: full / empty; mem: empty / empty (PUSH of nothing does
    # nothing): ids acc_empty (0, 1) and 2 + mem_empty (2, 3)
    assert task.observe(moved, problems).tolist() == [[0, 3], [1, 3]]
    assert task.observe(state, problems).tolist() == [[1, 3], [1, 3]]


def test_the_reader_acts_in_the_read_view_of_its_task():
    model, _ = make_agent(
        TrainConfig.for_task("expressions", policy="reader", d_model=8),
        torch.device("cpu"))
    assert isinstance(model, Reader)
    assert model.task.name == "expressions-read"
    assert model.task.view == "read"


@pytest.mark.parametrize("changes, message", [
    ({"task": "arithmetic"}, "the reader reads expressions"),
    ({"task": "expressions-read", "policy": "gru"}, "the reader's view"),
])
def test_a_reader_on_another_task_is_a_clear_error(changes, message):
    with pytest.raises(AgentlibError, match=message):
        TrainConfig(**{"policy": "reader", "use_stage": False, **changes})


def test_a_rollout_reads_tokens_beyond_anything_trained_on():
    torch.manual_seed(0)
    reader = Reader(ReaderConfig(d_model=8))
    line = "+".join("1" * 32)
    batch = a2c.rollout(reader, problems_of(line), greedy=True)
    assert batch.action.shape == (1, 2 * 32 + 1)


def test_a_tiny_run_trains_through_the_same_loop():
    config = TrainConfig.for_task(
        "expressions", policy="reader", seed=0, device="cpu", d_model=16,
        batch_size=64, max_episodes=1280, eval_size=50,
        final_eval_size=20)
    result = train(config)
    assert isinstance(result.model, Reader)
    assert result.episodes == 1280
    summary = result.summary()
    assert summary["task"] == "expressions-read"
    assert set(summary["generalization"]) == {"6", "8", "16", "32", "64"}


def test_a_saved_reader_loads_and_solves_as_before(tmp_path):
    from agentlib.agent import checkpoint, solve

    torch.manual_seed(0)
    reader = Reader(ReaderConfig(d_model=8))
    path = checkpoint.save(reader, tmp_path / "reader.pt")
    loaded = checkpoint.load(path, "cpu")
    assert isinstance(loaded, Reader)
    lines = ["3+4*5", "2*3-1+4"]
    assert solve.solve(loaded, lines) == solve.solve(reader.eval(), lines)


def test_a_bidirectional_encoder_gives_one_vector_per_token_and_end():
    reader = Reader(ReaderConfig(d_model=8, encoder="bidirectional"))
    state = reader.initial_state(problems_of("3+4*5", "2+3"))
    assert state.memory.shape == (2, 5 + 2, 8)
    assert state.last.tolist() == [6, 4]


def test_a_bidirectional_encoder_sees_past_its_window():
    # the first token's vector changes with the last operand's value
    reader = Reader(ReaderConfig(d_model=8, encoder="bidirectional"))
    local = Reader(ReaderConfig(d_model=8))
    for model, changes in ((reader, True), (local, False)):
        one, _ = model.encode(problems_of("3+4*5"))
        two, _ = model.encode(problems_of("3+4*6"))
        assert (not torch.allclose(one[0, 0], two[0, 0])) == changes


def test_the_move_reads_the_gru_state_only_when_asked():
    for move_from, width in (("read", 16), ("state", 24)):
        reader = Reader(ReaderConfig(d_model=8, move_from=move_from))
        assert reader.move_head[0].in_features == width
        read, gru_h = torch.randn(3, 8), torch.randn(3, 8)
        logits = reader.move_logits(read, gru_h, torch.tensor([0, 1, 2]))
        assert logits.shape == (3, 3)


def test_the_defaults_draw_the_same_weights_as_before_the_options():
    # the options add no layer to the default reader: the seeded
    # weights, and so every stored run, stay as they were
    torch.manual_seed(0)
    names = [name for name, _ in Reader(ReaderConfig()).named_parameters()]
    assert names == [
        "token_emb.weight", "encoder.weight", "encoder.bias",
        "obs_emb.weight", "gru.weight_ih", "gru.weight_hh", "gru.bias_ih",
        "gru.bias_hh", "policy_head.weight", "policy_head.bias",
        "value_head.weight", "value_head.bias", "move_head.0.weight",
        "move_head.0.bias", "move_head.2.weight", "move_head.2.bias"]


@pytest.mark.parametrize("changes, message", [
    ({"encoder": "global"}, "encoder"),
    ({"move_from": "gru"}, "move_from"),
    ({"encoder": "bidirectional", "d_model": 7}, "even width"),
])
def test_a_bad_reader_option_is_refused(changes, message):
    with pytest.raises(AgentlibError, match=message):
        ReaderConfig(**changes)


def test_the_train_config_passes_the_options_to_the_reader():
    config = TrainConfig.for_task("expressions", policy="reader",
                                  encoder="bidirectional",
                                  move_from="state")
    assert config.reader_config().encoder == "bidirectional"
    assert config.reader_config().move_from == "state"


def test_the_reader_options_are_refused_for_another_agent():
    with pytest.raises(AgentlibError, match="shape the reader"):
        TrainConfig.for_task("expressions", encoder="bidirectional")


def test_an_operand_head_moves_two_tokens_a_step():
    reader = Reader(ReaderConfig(d_model=8, head_step="operand"))
    with torch.no_grad():  # the move head always chooses one step
        reader.move_head[2].weight.zero_()
        reader.move_head[2].bias.copy_(torch.tensor([0.0, 50.0, 0.0]))
    problems = problems_of("3+4*5")
    state = reader.initial_state(problems)
    obs = get_task("expressions-read").observe(
        get_task("expressions-read").reset(problems), problems)
    prev = reader.start_action(1, torch.device("cpu"))
    *_, state = reader.get_action_and_value(state, prev, greedy=True,
                                            obs=obs)
    assert state.head.tolist() == [2]  # on operand 4, not on "+"


def test_the_train_command_refuses_a_head_step_without_the_reader(capsys):
    from agentlib import cli

    status = cli.main(["train", "--task", "expressions", "--head-step",
                       "operand"])
    assert status == 2
    error = capsys.readouterr().err
    assert "shape the reader only" in error and error.count("\n") == 1
