"""Tests for agent.curriculum: the fixed and mastery schedules."""

import pytest
import torch

from agentlib.agent import curriculum
from agentlib.errors import AgentlibError

STAGES = (0, 1, 2)  # the first task's


def test_fixed_schedule_is_the_articles_stretched():
    stages = [curriculum.fixed_stage(u, 60) for u in range(60)]
    assert stages == [0] * 30 + [1] * 20 + [2] * 10
    assert curriculum.fixed_stage(999, 60) == 2


def test_promotion_needs_the_threshold_and_stops_at_the_last_stage():
    assert curriculum.promote(0, 0.97, threshold=0.98,
                             stages=STAGES) == 0
    assert curriculum.promote(0, 0.98, threshold=0.98,
                             stages=STAGES) == 1
    assert curriculum.promote(2, 1.0, threshold=0.98,
                             stages=STAGES) == 2


def test_mastery_batches_replay_earlier_stages():
    generator = torch.Generator().manual_seed(0)
    stages = curriculum.mix_stages(2, 20_000, 0.25, generator, stages=STAGES)
    share = torch.bincount(stages, minlength=3).float() / 20_000
    assert share.tolist() == pytest.approx([0.125, 0.125, 0.75], abs=0.01)


def test_no_replay_at_stage_0_or_without_replay():
    assert curriculum.mix_stages(0, 5, 0.5, stages=STAGES).tolist() == [0] * 5
    assert curriculum.mix_stages(2, 5, 0.0, stages=STAGES).tolist() == [2] * 5


def test_fixed_batches_hold_one_stage():
    stages = curriculum.batch_stages("fixed", 1, 8, replay=0.5, stages=STAGES)
    assert stages.tolist() == [1] * 8


def test_unknown_curriculum_raises():
    with pytest.raises(AgentlibError, match="unknown curriculum"):
        curriculum.batch_stages("random", 1, 8, replay=0.5, stages=STAGES)


def test_mixed_batches_draw_every_stage_from_the_start():
    generator = torch.Generator().manual_seed(0)
    stages = curriculum.batch_stages("mixed", 0, 30_000, 0.25, generator,
                                     stages=STAGES)
    share = torch.bincount(stages, minlength=3).float() / 30_000
    assert share.tolist() == pytest.approx([1 / 3] * 3, abs=0.01)
    assert curriculum.first_stage("mixed", STAGES) == 2


def test_last_trains_stage_2_alone():
    assert curriculum.first_stage("last", STAGES) == 2
    assert curriculum.batch_stages(
        "last", 2, 4, 0.25, stages=STAGES).tolist() == [2] * 4
    assert curriculum.trained_stages("last", STAGES) == (2,)
    assert curriculum.trained_stages("mastery", STAGES) == (0, 1, 2)
    assert curriculum.first_stage("mastery", STAGES) == 0


@pytest.mark.parametrize(
    "call, message",
    [(lambda: curriculum.fixed_stage(0, 0), "num_updates must be"),
     (lambda: curriculum.promote(0, 1.0, 98, STAGES), "threshold must be"),
     (lambda: curriculum.promote(0, 1.5, 0.98, STAGES), "accuracy must be"),
     (lambda: curriculum.promote(5, 1.0, 0.98, STAGES),
      "stage must be 0, 1 or 2"),
     (lambda: curriculum.mix_stages(2, 8, 25, stages=STAGES),
      "replay must be"),
     (lambda: curriculum.mix_stages(3, 8, 0.25, stages=STAGES),
      "stage must be 0, 1 or 2"),
     (lambda: curriculum.promote(4, 1.0, 0.98, (0, 1, 2, 3, 4)), None),
     (lambda: curriculum.promote(5, 1.0, 0.98, (0, 1, 2, 3, 4)),
      "stage must be 0, 1, 2, 3 or 4")],
)
def test_out_of_range_arguments_raise(call, message):
    if message is None:  # the task's stages decide what is in range
        assert call() == 4
        return
    with pytest.raises(AgentlibError, match=message):
        call()


def test_fixed_replay_mixes_earlier_stages_into_the_schedule():
    generator = torch.Generator().manual_seed(0)
    drawn = curriculum.batch_stages("fixed-replay", 2, 10_000, 0.25,
                                    generator, stages=STAGES)
    shares = torch.bincount(drawn, minlength=3) / 10_000
    assert abs(shares[2] - 0.75) < 0.02
    assert abs(shares[0] - shares[1]) < 0.02
    assert "fixed-replay" in curriculum.SCHEDULED


def test_mixing_draws_each_earlier_stage_evenly_by_hand():
    # stage 3 of five, replay 0.3: draws below 0.3 pick stage
    # floor(draw / 0.3 * 3), the rest stay at stage 3
    generator = torch.Generator().manual_seed(0)
    draw = torch.rand(8, generator=generator)
    stages = curriculum.mix_stages(3, 8, 0.3, torch.Generator().manual_seed(0),
                                   stages=(0, 1, 2, 3, 4))
    by_hand = [int(d / 0.3 * 3) if d < 0.3 else 3 for d in draw.tolist()]
    assert stages.tolist() == by_hand
    shares = torch.bincount(curriculum.mix_stages(
        3, 30_000, 0.3, generator, stages=(0, 1, 2, 3, 4)), minlength=5)
    assert (shares / 30_000).tolist() == pytest.approx(
        [0.1, 0.1, 0.1, 0.7, 0.0], abs=0.01)


def test_batches_under_each_curriculum():
    generator = torch.Generator().manual_seed(0)
    # mixed draws from every stage, wherever the run is
    mixed = curriculum.batch_stages("mixed", 2, 3_000, 0.0, generator,
                                    stages=STAGES)
    assert set(mixed.tolist()) == {0, 1, 2}
    # the mastery and fixed-replay schedules replay earlier stages
    for name in ("mastery", "fixed-replay"):
        drawn = curriculum.batch_stages(name, 1, 3_000, 0.5, generator,
                                        stages=STAGES)
        assert set(drawn.tolist()) == {0, 1}
    assert curriculum.batch_stages("mastery", 1, 5, 0.0,
                                   stages=STAGES).tolist() == [1] * 5


def test_the_fixed_schedule_by_hand_on_an_uneven_budget():
    # 7 updates over six slots: update u is in slot floor(6u / 7)
    assert [curriculum.fixed_stage(u, 7) for u in range(7)] == [
        0, 0, 0, 0, 1, 1, 2]
    assert curriculum.fixed_stage(3, 4, schedule=(5, 6)) == 6


def test_batches_come_from_their_generator_on_their_device():
    cpu = torch.device("cpu")
    for name in ("mixed", "mastery", "fixed", "last"):
        drawn = []
        for global_seed in (1, 2):
            torch.manual_seed(global_seed)  # plays no part
            torch.set_default_device("meta")  # nor does the default
            try:
                drawn.append(curriculum.batch_stages(
                    name, 2, 500, 0.5, torch.Generator().manual_seed(0),
                    cpu, stages=STAGES))
            finally:
                torch.set_default_device(None)
        assert drawn[0].device == cpu and torch.equal(*drawn), name
    assert set(drawn[0].tolist()) == {2}


def test_nothing_to_replay_draws_nothing_from_the_generator():
    # a draw here would shift every later batch of the run
    for stage, replay in ((0, 0.5), (2, 0.0)):
        generator = torch.Generator().manual_seed(0)
        before = generator.get_state()
        stages = curriculum.mix_stages(stage, 8, replay, generator,
                                       stages=STAGES)
        assert stages.tolist() == [stage] * 8
        assert torch.equal(generator.get_state(), before)
