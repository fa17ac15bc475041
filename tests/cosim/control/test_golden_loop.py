"""The lock scenario on the golden models alone, on seeds other than the HDL run's: the
loop design (not only one lucky draw of resonance offsets and targets) meets the
criteria."""

from __future__ import annotations

import pytest

from cosim.control import golden_loop
from cosim.control.golden_lock import FINE, SEEK
from cosim.control.scenario import Scenario, criteria_failures
from cosim.control.trace import summarize


@pytest.mark.parametrize("seed", [2, 3])
def test_golden_loop_meets_the_lock_criteria(seed):
    scn = Scenario(seed=seed)
    tr = golden_loop.run(scn)
    assert criteria_failures(summarize(tr), scn) == []
    # one ring sweeps at a time (the sweep token)
    a = tr.arrays()
    sweeping = (a["mode"] == SEEK) | (a["mode"] == FINE)
    for rnd in set(a["round"][sweeping].tolist()):
        assert len(set(a["ring"][sweeping & (a["round"] == rnd)].tolist())) == 1, rnd


def test_design_refuses_a_drift_the_heater_cannot_follow():
    with pytest.raises(ValueError, match="drift_k"):
        Scenario(drift_k=15).design()
    with pytest.raises(ValueError, match="targets"):
        Scenario(targets=[10, 100, 100, 100]).design()  # set point under the LOS threshold
