// Control chip of the optical core: SPI host interface and register file, heater DAC
// sequencer, microring lock FSM and edge-node ranging unit.
//
// Clocking: a single clock, clk, nominally 156.25 MHz (the 10 GBd SerDes word clock,
// 64 samples per word); every timing parameter is in clk cycles. The SPI pins are
// asynchronous and synchronised inside spi_slave (f_sclk <= f_clk / 8). The monitor ADC
// handshake and the SerDes probe/echo ports are synchronous to clk.
// Reset: rst is synchronous and active high; every register has a defined reset value.
module opticloud_ctrl #(
    parameter int N_RINGS     = 8,   // 1..16
    parameter int N_NODES     = 4,   // 1..8
    parameter int DAC_BITS    = 16,  // heater DAC resolution (DAC8568 16, DAC8168 14, DAC7568 12)
    parameter int ADC_BITS    = 12,  // monitor ADC resolution
    parameter int TARGET_BITS = 8,   // weight resolution
    parameter int SPW_LOG2    = 6,   // SerDes samples per word = 2^SPW_LOG2
    parameter int WORD_BITS   = 20,  // ranging word counter
    parameter int CHW         = $clog2(N_RINGS + 1),  // derived: do not override
    parameter int NCHIP       = (N_RINGS + 7) / 8     // derived: do not override
) (
    input  logic                clk,
    input  logic                rst,
    // host SPI (mode 0)
    input  logic                spi_sclk,
    input  logic                spi_cs_n,
    input  logic                spi_mosi,
    output logic                spi_miso,
    output logic                spi_miso_oe,
    // heater DACs (DAC8568 family, one SYNC per 8 channels)
    output logic                dac_sclk,
    output logic                dac_din,
    output logic [   NCHIP-1:0] dac_sync_n,
    // monitor ADC: channel i = ring i drop-port tap, channel N_RINGS = input tap
    output logic                adc_start,
    output logic [     CHW-1:0] adc_ch,
    input  logic                adc_valid,
    input  logic [ADC_BITS-1:0] adc_data,
    // ranging (SerDes side)
    output logic                rng_probe_valid,
    output logic [         2:0] rng_probe_node,
    input  logic                rng_echo_valid,
    input  logic [         2:0] rng_echo_node,
    input  logic [SPW_LOG2-1:0] rng_echo_pos,
    // status pins
    output logic [ N_RINGS-1:0] locked,
    output logic                los
);
  localparam int RW = (N_RINGS > 1) ? $clog2(N_RINGS) : 1;

  logic frame_end;
  logic [31:0] rx_word, tx_word;
  logic [5:0] rx_bits;

  logic lock_en;
  logic [ADC_BITS-1:0] lock_tol, los_thresh, capture, input_mon;
  logic [15:0] slew_max, sweep_start, sweep_stop, sweep_step, fine_step, round_cycles, rounds;
  logic [3:0] settle;
  logic [7:0] lock_count;
  logic [N_RINGS*TARGET_BITS-1:0] target_active_flat;
  logic [N_RINGS*16-1:0] ki_flat;
  logic [N_RINGS*DAC_BITS-1:0] codes_flat;
  logic [N_RINGS*5-1:0] ring_status_flat;
  logic [N_RINGS*ADC_BITS-1:0] peak_flat;
  /* verilator lint_off UNUSEDSIGNAL */
  logic round_restart;  // read by the co-simulation scoreboard (cosim/control/bench)
  /* verilator lint_on UNUSEDSIGNAL */

  logic dac_req, dac_busy, dac_ack;
  logic [RW-1:0] dac_ch;
  logic [DAC_BITS-1:0] dac_code, dac_ack_code;

  logic range_start, range_busy, range_done;
  logic [7:0] range_mask, range_valid;
  logic [N_NODES*32-1:0] rtt_flat, ofs_flat;

  spi_slave u_spi (
      .clk(clk), .rst(rst), .sclk(spi_sclk), .cs_n(spi_cs_n), .mosi(spi_mosi),
      .miso(spi_miso), .miso_oe(spi_miso_oe), .tx_word(tx_word), .frame_end(frame_end),
      .rx_word(rx_word), .rx_bits(rx_bits)
  );

  ctrl_regs #(
      .N_RINGS(N_RINGS), .N_NODES(N_NODES), .DAC_BITS(DAC_BITS), .ADC_BITS(ADC_BITS),
      .TARGET_BITS(TARGET_BITS)
  ) u_regs (
      .clk(clk), .rst(rst), .frame_end(frame_end), .rx_word(rx_word), .rx_bits(rx_bits),
      .tx_word(tx_word), .lock_en(lock_en), .lock_tol(lock_tol), .los_thresh(los_thresh),
      .capture(capture), .slew_max(slew_max), .sweep_start(sweep_start),
      .sweep_stop(sweep_stop), .sweep_step(sweep_step), .fine_step(fine_step),
      .settle(settle), .lock_count(lock_count), .round_cycles(round_cycles),
      .target_active_flat(target_active_flat), .ki_flat(ki_flat), .locked(locked),
      .los(los), .rounds(rounds), .input_mon(input_mon), .codes_flat(codes_flat),
      .ring_status_flat(ring_status_flat), .peak_flat(peak_flat),
      .range_start(range_start), .range_mask(range_mask), .range_busy(range_busy),
      .range_done(range_done), .range_valid(range_valid), .rtt_flat(rtt_flat),
      .ofs_flat(ofs_flat)
  );

  ring_lock #(
      .N_RINGS(N_RINGS), .DAC_BITS(DAC_BITS), .ADC_BITS(ADC_BITS), .TARGET_BITS(TARGET_BITS)
  ) u_lock (
      .clk(clk), .rst(rst), .lock_en(lock_en), .lock_tol(lock_tol), .los_thresh(los_thresh),
      .capture(capture), .sweep_start(sweep_start), .sweep_stop(sweep_stop),
      .sweep_step(sweep_step), .fine_step(fine_step), .settle(settle),
      .lock_count(lock_count), .round_cycles(round_cycles), .target_flat(target_active_flat),
      .ki_flat(ki_flat), .adc_start(adc_start), .adc_ch(adc_ch), .adc_valid(adc_valid),
      .adc_data(adc_data), .dac_req(dac_req), .dac_ch(dac_ch), .dac_code(dac_code),
      .dac_busy(dac_busy), .dac_ack(dac_ack), .dac_ack_code(dac_ack_code), .locked(locked),
      .los(los), .rounds(rounds), .input_mon(input_mon), .status_flat(ring_status_flat),
      .peak_flat(peak_flat), .round_restart(round_restart)
  );

  heater_dac_seq #(
      .N_CH(N_RINGS), .DAC_BITS(DAC_BITS)
  ) u_dac (
      .clk(clk), .rst(rst), .req(dac_req), .req_ch(dac_ch), .req_code(dac_code),
      .slew_max(slew_max), .busy(dac_busy), .ack(dac_ack), .ack_code(dac_ack_code),
      .dac_sclk(dac_sclk), .dac_din(dac_din), .dac_sync_n(dac_sync_n), .codes_flat(codes_flat)
  );

  ranging #(
      .N_NODES(N_NODES), .SPW_LOG2(SPW_LOG2), .WORD_BITS(WORD_BITS)
  ) u_rng (
      .clk(clk), .rst(rst), .start(range_start), .mask(range_mask),
      .probe_valid(rng_probe_valid), .probe_node(rng_probe_node),
      .echo_valid(rng_echo_valid), .echo_node(rng_echo_node), .echo_pos(rng_echo_pos),
      .busy(range_busy), .done(range_done), .valid(range_valid), .rtt_flat(rtt_flat),
      .ofs_flat(ofs_flat)
  );
endmodule
