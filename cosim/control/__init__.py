"""Control logic of the optical core in RTL, verified with cocotb against the photonic plant.

``rtl/``      synthesizable SystemVerilog: SPI slave and register file (double-buffered
              weights), DAC8568-family heater DAC sequencer with slew limiting, microring
              lock FSM, edge-node ranging unit, top level ``opticloud_ctrl``.
``regmap``    the one source of the register map (generates REGISTERS.md, regmap.json,
              rtl/regmap.svh).
``golden_*``  bit-exact Python models of the register file and the lock FSM.
``plant``     heater -> thermal (crosstalk, ambient) -> add-drop ring -> monitor PD -> ADC.
``host``      the host software's register design from the plant's physics.
``scenario``, ``golden_loop``, ``trace``  the plant-in-the-loop scenario, run on the
              golden models alone, and its figures of merit.
``bench/``    cocotb testbenches (also used by ``opticloud control lock``).
``ranging``   fibre delays from the network model and the ranging golden model.
"""
