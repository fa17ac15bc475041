// Register file behind the SPI host interface; addresses, access and reset values come
// from the generated regmap.svh (source: cosim/control/regmap.py).
//
// A frame is accepted only if it is exactly 32 bits long, its CRC-8 matches and its
// address is mapped for the access (read / write). Otherwise it is dropped: one error
// counter increments (priority: framing, CRC, address) and nothing is written.
// TARGET writes go to the shadow bank; a write to COMMIT copies the whole shadow bank to
// the active bank on one clock edge, so the lock loop never sees a half-written matrix.
// The response to each frame (ack, address, data, CRC) is shifted out during the next one.
//
// Clocking: clk only; frame_end comes from spi_slave in the same domain.
// Reset: synchronous, active high; registers take their regmap reset values.
module ctrl_regs #(
    parameter int N_RINGS     = 8,
    parameter int N_NODES     = 4,
    parameter int DAC_BITS    = 16,
    parameter int ADC_BITS    = 12,
    parameter int TARGET_BITS = 8
) (
    input  logic clk,
    input  logic rst,
    // SPI frames
    input  logic        frame_end,
    input  logic [31:0] rx_word,
    input  logic [ 5:0] rx_bits,
    output logic [31:0] tx_word,
    // configuration of the lock loop
    output logic                            lock_en,
    output logic [            ADC_BITS-1:0] lock_tol,
    output logic [            ADC_BITS-1:0] los_thresh,
    output logic [            ADC_BITS-1:0] capture,
    output logic [                    15:0] slew_max,
    output logic [                    15:0] sweep_start,
    output logic [                    15:0] sweep_stop,
    output logic [                    15:0] sweep_step,
    output logic [                    15:0] fine_step,
    output logic [                     3:0] settle,
    output logic [                     7:0] lock_count,
    output logic [                    15:0] round_cycles,
    output logic [N_RINGS*TARGET_BITS-1:0] target_active_flat,
    output logic [         N_RINGS*16-1:0] ki_flat,
    // status of the lock loop
    input  logic [             N_RINGS-1:0] locked,
    input  logic                            los,
    input  logic [                    15:0] rounds,
    input  logic [            ADC_BITS-1:0] input_mon,
    input  logic [   N_RINGS*DAC_BITS-1:0] codes_flat,
    input  logic [          N_RINGS*5-1:0] ring_status_flat,
    input  logic [   N_RINGS*ADC_BITS-1:0] peak_flat,
    // ranging
    output logic                            range_start,
    output logic [                     7:0] range_mask,
    input  logic                            range_busy,
    input  logic                            range_done,
    input  logic [                     7:0] range_valid,
    input  logic [         N_NODES*32-1:0] rtt_flat,
    input  logic [         N_NODES*32-1:0] ofs_flat
);
  `include "regmap.svh"
  `include "crc8.svh"

  // --- storage ---------------------------------------------------------------------
  logic [TARGET_BITS-1:0] target_shadow[N_RINGS];
  logic [TARGET_BITS-1:0] target_active[N_RINGS];
  logic [15:0] ki[N_RINGS];
  logic [15:0] commits, err_crc, err_addr, err_frame, frames_ok;
  logic [2:0] range_sel;
  logic [23:0] resp;  // {ack, address, data} of the previous frame

  // --- frame decode ------------------------------------------------------------------
  wire [23:0] payload = rx_word[31:8];
  wire        is_write = payload[23];
  wire [ 6:0] a = payload[22:16];
  wire [15:0] d = payload[15:0];
  wire [ 3:0] idx = a[3:0];
  wire        len_ok = (rx_bits == 6'd32);
  wire        crc_ok = (crc8_24(payload) == rx_word[7:0]);
  wire        addr_ok = is_write ? rm_writable(a) : rm_readable(a);
  wire        accept = len_ok & crc_ok & addr_ok;

  function automatic logic [15:0] sat_inc(input logic [15:0] x);
    sat_inc = (x == 16'hFFFF) ? x : x + 16'd1;
  endfunction

  // --- read mux ------------------------------------------------------------------------
  logic [15:0] rdata;
  logic [31:0] rtt_sel, ofs_sel;
  always_comb begin
    rtt_sel = 32'd0;
    ofs_sel = 32'd0;
    for (int k = 0; k < N_NODES; k++) begin
      if ({29'd0, range_sel} == k) begin
        rtt_sel = rtt_flat[k*32+:32];
        ofs_sel = ofs_flat[k*32+:32];
      end
    end
  end

  always_comb begin
    rdata = 16'd0;
    case (a)
      A_ID:           rdata = 16'h4F43;
      A_CONFIG:       rdata = {8'(N_NODES), 8'(N_RINGS)};
      A_CTRL:         rdata = {15'd0, lock_en};
      A_COMMITS:      rdata = commits;
      A_STATUS:       rdata = {12'd0, &locked, range_done, range_busy, los};
      A_LOCKED:       rdata = 16'(locked);
      A_ERR_CRC:      rdata = err_crc;
      A_ERR_ADDR:     rdata = err_addr;
      A_ERR_FRAME:    rdata = err_frame;
      A_FRAMES_OK:    rdata = frames_ok;
      A_LOCK_TOL:     rdata = 16'(lock_tol);
      A_LOS_THRESH:   rdata = 16'(los_thresh);
      A_CAPTURE:      rdata = 16'(capture);
      A_SLEW_MAX:     rdata = slew_max;
      A_SWEEP_START:  rdata = sweep_start;
      A_SWEEP_STOP:   rdata = sweep_stop;
      A_SWEEP_STEP:   rdata = sweep_step;
      A_FINE_STEP:    rdata = fine_step;
      A_SETTLE:       rdata = {12'd0, settle};
      A_LOCK_COUNT:   rdata = {8'd0, lock_count};
      A_ROUND_CYCLES: rdata = round_cycles;
      A_ROUNDS:       rdata = rounds;
      A_INPUT_MON:    rdata = 16'(input_mon);
      A_RANGE_STATUS: rdata = {range_valid, 6'd0, range_done, range_busy};
      A_RANGE_SEL:    rdata = {13'd0, range_sel};
      A_RANGE_RTT_LO: rdata = rtt_sel[15:0];
      A_RANGE_RTT_HI: rdata = rtt_sel[31:16];
      A_RANGE_OFS_LO: rdata = ofs_sel[15:0];
      A_RANGE_OFS_HI: rdata = ofs_sel[31:16];
      default: ;
    endcase
    for (int i = 0; i < N_RINGS; i++) begin
      if ({28'd0, idx} == i) begin
        if (a[6:4] == A_TARGET[6:4]) rdata = 16'(target_shadow[i]);
        if (a[6:4] == A_TARGET_ACTIVE[6:4]) rdata = 16'(target_active[i]);
        if (a[6:4] == A_KI[6:4]) rdata = ki[i];
        if (a[6:4] == A_HEATER_CODE[6:4]) rdata = 16'(codes_flat[i*DAC_BITS+:DAC_BITS]);
        if (a[6:4] == A_RING_STATUS[6:4]) rdata = {11'd0, ring_status_flat[i*5+:5]};
        if (a[6:4] == A_PEAK[6:4]) rdata = 16'(peak_flat[i*ADC_BITS+:ADC_BITS]);
      end
    end
  end

  // --- register updates ------------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (rst) begin
      lock_en      <= RST_CTRL[0];
      lock_tol     <= RST_LOCK_TOL[ADC_BITS-1:0];
      los_thresh   <= RST_LOS_THRESH[ADC_BITS-1:0];
      capture      <= RST_CAPTURE[ADC_BITS-1:0];
      slew_max     <= RST_SLEW_MAX;
      sweep_start  <= RST_SWEEP_START;
      sweep_stop   <= RST_SWEEP_STOP;
      sweep_step   <= RST_SWEEP_STEP;
      fine_step    <= RST_FINE_STEP;
      settle       <= RST_SETTLE[3:0];
      lock_count   <= RST_LOCK_COUNT[7:0];
      round_cycles <= RST_ROUND_CYCLES;
      range_sel    <= RST_RANGE_SEL[2:0];
      range_start  <= 1'b0;
      range_mask   <= 8'd0;
      commits      <= 16'd0;
      err_crc      <= 16'd0;
      err_addr     <= 16'd0;
      err_frame    <= 16'd0;
      frames_ok    <= 16'd0;
      resp         <= 24'd0;
      for (int i = 0; i < N_RINGS; i++) begin
        target_shadow[i] <= RST_TARGET[TARGET_BITS-1:0];
        target_active[i] <= RST_TARGET[TARGET_BITS-1:0];
        ki[i]            <= RST_KI;
      end
    end else begin
      range_start <= 1'b0;
      if (frame_end) begin
        if (!len_ok) begin
          err_frame <= sat_inc(err_frame);
          resp      <= {1'b0, 7'd0, 16'h0004};
        end else if (!crc_ok) begin
          err_crc <= sat_inc(err_crc);
          resp    <= {1'b0, 7'd0, 16'h0001};
        end else if (!addr_ok) begin
          err_addr <= sat_inc(err_addr);
          resp     <= {1'b0, 7'd0, 16'h0002};
        end else begin
          frames_ok <= sat_inc(frames_ok);
          resp      <= {1'b1, a, is_write ? d : rdata};
        end
        if (accept && is_write) begin
          case (a)
            A_CTRL:         lock_en <= d[0];
            A_LOCK_TOL:     lock_tol <= d[ADC_BITS-1:0];
            A_LOS_THRESH:   los_thresh <= d[ADC_BITS-1:0];
            A_CAPTURE:      capture <= d[ADC_BITS-1:0];
            A_SLEW_MAX:     slew_max <= d;
            A_SWEEP_START:  sweep_start <= d;
            A_SWEEP_STOP:   sweep_stop <= d;
            A_SWEEP_STEP:   sweep_step <= d;
            A_FINE_STEP:    fine_step <= d;
            A_SETTLE:       settle <= d[3:0];
            A_LOCK_COUNT:   lock_count <= d[7:0];
            A_ROUND_CYCLES: round_cycles <= d;
            A_RANGE_SEL:    range_sel <= d[2:0];
            A_RANGE_CTRL: begin
              range_start <= 1'b1;
              range_mask  <= d[7:0];
            end
            A_ERR_CLEAR: begin
              err_crc   <= 16'd0;
              err_addr  <= 16'd0;
              err_frame <= 16'd0;
            end
            A_COMMIT: begin
              commits <= commits + 16'd1;
              for (int i = 0; i < N_RINGS; i++) target_active[i] <= target_shadow[i];
            end
            default: ;
          endcase
          for (int i = 0; i < N_RINGS; i++) begin
            if ({28'd0, idx} == i) begin
              if (a[6:4] == A_TARGET[6:4]) target_shadow[i] <= d[TARGET_BITS-1:0];
              if (a[6:4] == A_KI[6:4]) ki[i] <= d;
            end
          end
        end
      end
    end
  end

  assign tx_word = {resp, crc8_24(resp)};

  genvar g;
  generate
    for (g = 0; g < N_RINGS; g++) begin : g_flat
      assign target_active_flat[g*TARGET_BITS+:TARGET_BITS] = target_active[g];
      assign ki_flat[g*16+:16] = ki[g];
    end
  endgenerate
endmodule
