// Microring lock and calibration FSM, time-multiplexed over N_RINGS rings.
// Golden model: cosim/control/golden_lock.py (bit-exact).
//
// Rounds: one conversion of the input-tap monitor (ADC channel N_RINGS; below LOS_THRESH
// = loss of signal, every ring holds its heater code), then, with light, one visit per
// ring: convert its drop-port monitor (ADC channel i), update its state, write its heater
// code through the DAC sequencer. Per ring: wait for the sweep token (one ring sweeps at
// a time: a sweeping heater moves its neighbours through thermal crosstalk), coarse sweep
// of heater power (stopped once the reading falls to half of a peak), fine sweep from -2
// to +1 coarse steps around the maximum (the peak reading), then integral tracking of
// PEAK * TARGET / 2^TARGET_BITS on the high-power side of the resonance. The integrator
// works on heater power p (2*DAC_BITS bits) because the ring phase is linear in power;
// the DAC code is sqrt(p) (heater power goes as the square of the DAC voltage) with
// SD_BITS fractional bits that a first-order sigma-delta dithers, averaged by the heater's
// thermal time constant. Light back after a loss: a ring resumes tracking if its error
// is within CAPTURE, otherwise it queues for a new sweep; so does a ring whose tracking
// runs onto a power rail.
//
// Clocking: clk only. The ADC handshake is synchronous to clk: adc_start is a one-cycle
// pulse with adc_ch held until adc_valid (one cycle, adc_data valid with it).
// Reset: synchronous, active high; rings idle at power 0, LOS clear, counters 0.
module ring_lock #(
    parameter int N_RINGS     = 8,
    parameter int DAC_BITS    = 16,
    parameter int ADC_BITS    = 12,
    parameter int TARGET_BITS = 8,
    parameter int SD_BITS     = 4,   // dithered fractional DAC-code bits
    parameter int CHW         = $clog2(N_RINGS + 1),             // derived: do not override
    parameter int RW          = (N_RINGS > 1) ? $clog2(N_RINGS) : 1  // derived
) (
    input  logic                           clk,
    input  logic                           rst,
    // configuration (ctrl_regs)
    input  logic                           lock_en,
    input  logic [           ADC_BITS-1:0] lock_tol,
    input  logic [           ADC_BITS-1:0] los_thresh,
    input  logic [           ADC_BITS-1:0] capture,
    input  logic [                   15:0] sweep_start,
    input  logic [                   15:0] sweep_stop,
    input  logic [                   15:0] sweep_step,
    input  logic [                   15:0] fine_step,
    input  logic [                    3:0] settle,
    input  logic [                    7:0] lock_count,
    input  logic [                   15:0] round_cycles,
    input  logic [N_RINGS*TARGET_BITS-1:0] target_flat,
    input  logic [         N_RINGS*16-1:0] ki_flat,
    // monitor ADC
    output logic                           adc_start,
    output logic [                CHW-1:0] adc_ch,
    input  logic                           adc_valid,
    input  logic [           ADC_BITS-1:0] adc_data,
    // heater DAC sequencer
    output logic                           dac_req,
    output logic [                 RW-1:0] dac_ch,
    output logic [           DAC_BITS-1:0] dac_code,
    input  logic                           dac_busy,
    input  logic                           dac_ack,
    input  logic [           DAC_BITS-1:0] dac_ack_code,
    // status
    output logic [            N_RINGS-1:0] locked,
    output logic                           los,
    output logic [                   15:0] rounds,
    output logic [           ADC_BITS-1:0] input_mon,
    output logic [          N_RINGS*5-1:0] status_flat,
    output logic [   N_RINGS*ADC_BITS-1:0] peak_flat,
    output logic                           round_restart  // this round restarted all rings
);
  localparam int PB = 2 * DAC_BITS;  // heater power word
  localparam int QB = PB + 2 * SD_BITS;  // square-root operand
  localparam int SH = PB - 16;  // 16-bit power units -> p
  localparam int PW = ADC_BITS + 18;  // error * gain
  localparam int SW = ((PB + 1 > PW) ? PB + 1 : PW) + 1;  // p + error * gain
  localparam logic [PB-1:0] PMAX = '1;

  localparam logic [2:0]
      M_IDLE = 3'd0, M_SEEK = 3'd1, M_FINE = 3'd2, M_TRACK = 3'd3, M_HOLD = 3'd4, M_WAIT = 3'd5;
  localparam logic [3:0]
      S_IDLE = 4'd0, S_MON = 4'd1, S_MON_WAIT = 4'd2, S_ADC = 4'd3, S_ADC_WAIT = 4'd4,
      S_CALC = 4'd5, S_SQRT = 4'd6, S_DAC = 4'd7, S_DAC_WAIT = 4'd8, S_PACE = 4'd9;

  // --- per-ring state ----------------------------------------------------------------
  logic [         2:0] mode_m    [N_RINGS];
  logic [      PB-1:0] p_m       [N_RINGS];
  logic [        15:0] pos_m     [N_RINGS];
  logic [        15:0] end_m     [N_RINGS];
  logic [ADC_BITS-1:0] best_adc_m[N_RINGS];
  logic [        15:0] best_pos_m[N_RINGS];
  logic [ADC_BITS-1:0] peak_m    [N_RINGS];
  logic [         3:0] wait_m    [N_RINGS];
  logic [         7:0] lcnt_m    [N_RINGS];
  logic [ SD_BITS-1:0] sd_m      [N_RINGS];
  logic [N_RINGS-1:0] clamped, has_peak, dark;

  // --- sequencing state ----------------------------------------------------------------
  logic [3:0] state;
  logic [RW-1:0] idx;
  logic [ADC_BITS-1:0] s;  // sample of the ring being visited
  logic [15:0] round_t;
  logic lock_en_q, restart_pending, token;
  logic [QB-1:0] sq_op, sq_res, sq_one;
  logic [5:0] sq_cnt;

  // --- current ring (idx) -------------------------------------------------------------------
  logic [2:0] c_mode;
  logic [PB-1:0] c_p;
  logic [15:0] c_pos, c_end, c_best_pos, c_ki;
  logic [ADC_BITS-1:0] c_best_adc, c_peak;
  logic [3:0] c_wait;
  logic [SD_BITS-1:0] c_sd;
  logic [7:0] c_lcnt;
  logic [TARGET_BITS-1:0] c_target;
  logic c_locked, c_clamped, c_has_peak, c_dark;
  always_comb begin
    c_mode = '0; c_p = '0; c_pos = '0; c_end = '0; c_best_pos = '0; c_ki = '0;
    c_best_adc = '0; c_peak = '0; c_wait = '0; c_lcnt = '0; c_target = '0; c_sd = '0;
    c_locked = 1'b0; c_clamped = 1'b0; c_has_peak = 1'b0; c_dark = 1'b0;
    for (int i = 0; i < N_RINGS; i++) begin
      if (32'(idx) == i) begin
        c_mode = mode_m[i]; c_p = p_m[i]; c_pos = pos_m[i]; c_end = end_m[i];
        c_best_pos = best_pos_m[i]; c_best_adc = best_adc_m[i]; c_peak = peak_m[i];
        c_wait = wait_m[i]; c_lcnt = lcnt_m[i]; c_ki = ki_flat[i*16+:16]; c_sd = sd_m[i];
        c_target = target_flat[i*TARGET_BITS+:TARGET_BITS];
        c_locked = locked[i]; c_clamped = clamped[i]; c_has_peak = has_peak[i]; c_dark = dark[i];
      end
    end
  end

  // --- next state of the visited ring (mirrors golden_lock.LockModel.visit) ---------
  logic [2:0] n_mode;
  logic [PB-1:0] n_p;
  logic [15:0] n_pos, n_end, n_best_pos, step, nb_pos;
  logic [ADC_BITS-1:0] n_best_adc, n_peak, nb_adc, sp, abs_e;
  logic [3:0] n_wait;
  logic [7:0] n_lcnt;
  logic n_locked, n_has_peak, n_dark, n_token, ok, restart, to_wait, passed;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [ADC_BITS+TARGET_BITS-1:0] sp_full;  // low TARGET_BITS dropped by the >> TARGET_BITS
  /* verilator lint_on UNUSEDSIGNAL */
  logic signed [ADC_BITS:0] e;
  logic signed [PW-1:0] prod;
  logic signed [SW-1:0] psum;
  always_comb begin
    n_mode = c_mode; n_p = c_p; n_pos = c_pos; n_end = c_end; n_best_pos = c_best_pos;
    n_best_adc = c_best_adc; n_peak = c_peak; n_lcnt = c_lcnt; n_locked = c_locked;
    n_has_peak = c_has_peak; n_dark = c_dark;
    n_token = token;
    ok = !c_clamped && (c_wait == 4'd0);
    n_wait = (c_wait != 4'd0 && !c_clamped) ? c_wait - 4'd1 : c_wait;
    restart = 1'b0;
    to_wait = 1'b0;
    step = (c_mode == M_SEEK) ? sweep_step : fine_step;
    nb_adc = (s > c_best_adc) ? s : c_best_adc;
    nb_pos = (s > c_best_adc) ? c_pos : c_best_pos;
    // the window holds one FSR: once the reading has fallen to half of a peak inside the
    // window, that peak is the resonance (one at the window start may lie outside it)
    passed = (c_mode == M_SEEK) && (nb_adc >= los_thresh) && (nb_pos != sweep_start) &&
             (s < (nb_adc >> 1));
    sp_full = c_peak * c_target;
    sp = sp_full[ADC_BITS+TARGET_BITS-1:TARGET_BITS];
    e = $signed({1'b0, s}) - $signed({1'b0, sp});
    abs_e = e[ADC_BITS] ? ADC_BITS'(-e) : e[ADC_BITS-1:0];
    prod = e * $signed({1'b0, c_ki});
    psum = $signed({{(SW - PB) {1'b0}}, c_p}) + $signed({{(SW - PW) {prod[PW-1]}}, prod});
    case (c_mode)
      M_WAIT:
      if (!token) begin
        n_token = 1'b1;
        n_mode  = M_SEEK;
      end
      M_SEEK, M_FINE: begin
        if (ok) begin
          n_best_adc = nb_adc;
          n_best_pos = nb_pos;
          if (({1'b0, c_pos} + {1'b0, step} > {1'b0, c_end}) || passed) begin
            if (c_mode == M_SEEK) begin
              if (nb_adc < los_thresh) restart = 1'b1;
              else begin  // the coarse maximum lags the resonance: fine-sweep -2 .. +1 steps
                n_mode = M_FINE;
                n_pos = ({1'b0, nb_pos} < {sweep_step, 1'b0}) ? 16'd0
                                                               : nb_pos - {sweep_step[14:0], 1'b0};
                n_end = ({1'b0, nb_pos} + {1'b0, sweep_step} > 17'h0FFFF) ? 16'hFFFF
                                                                         : nb_pos + sweep_step;
                n_best_adc = '0;
                n_best_pos = n_pos;
                n_wait = settle;
              end
            end else begin
              n_token = 1'b0;
              n_mode = M_TRACK;
              n_peak = nb_adc;
              n_has_peak = 1'b1;
              n_wait = settle;
              n_lcnt = 8'd0;
            end
          end else n_pos = c_pos + step;
        end
        n_p = (n_mode == M_TRACK) ? PB'(nb_pos) << SH : PB'(n_pos) << SH;
      end
      M_TRACK:
      if (ok) begin
        if (s < los_thresh) begin
          if (c_dark) to_wait = 1'b1;
          else n_dark = 1'b1;
        end else begin
          n_dark = 1'b0;
          if (psum < 0) n_p = '0;
          else if (psum > $signed({{(SW - PB) {1'b0}}, PMAX})) n_p = PMAX;
          else n_p = psum[PB-1:0];
          if (abs_e <= lock_tol) begin
            n_lcnt = (c_lcnt == 8'hFF) ? c_lcnt : c_lcnt + 8'd1;
            if (n_lcnt >= lock_count) n_locked = 1'b1;
          end else begin
            n_lcnt = 8'd0;
            if ({2'b00, abs_e} > {lock_tol, 2'b00}) n_locked = 1'b0;
          end
          if (n_p == '0 || n_p == PMAX) to_wait = 1'b1;
        end
      end
      M_HOLD:
      if (c_has_peak && abs_e <= capture) begin
        n_mode = M_TRACK;
        n_lcnt = 8'd0;
        n_dark = 1'b0;
      end else to_wait = 1'b1;
      default: ;
    endcase
    if (restart || to_wait) begin
      n_mode = to_wait ? M_WAIT : M_SEEK; n_pos = sweep_start; n_end = sweep_stop; n_best_adc = '0;
      n_best_pos = sweep_start; n_wait = settle; n_locked = 1'b0; n_lcnt = 8'd0;
      n_has_peak = 1'b0; n_dark = 1'b0; n_p = PB'(sweep_start) << SH;
    end
  end

  // --- square root result and sigma-delta ---------------------------------------------
  localparam logic [DAC_BITS-1:0] DMAX = '1;
  wire [DAC_BITS-1:0] root_int = sq_res[DAC_BITS+SD_BITS-1:SD_BITS];
  wire [SD_BITS:0] sd_sum = {1'b0, c_sd} + {1'b0, sq_res[SD_BITS-1:0]};
  wire sd_carry = sd_sum[SD_BITS];

  // --- sequencing ------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (rst) begin
      state <= S_IDLE; idx <= '0; s <= '0; round_t <= '0; rounds <= '0;
      lock_en_q <= 1'b0; restart_pending <= 1'b0; round_restart <= 1'b0; token <= 1'b0;
      los <= 1'b0; input_mon <= '0; adc_start <= 1'b0; adc_ch <= '0;
      dac_req <= 1'b0; dac_ch <= '0; dac_code <= '0;
      sq_op <= '0; sq_res <= '0; sq_one <= '0; sq_cnt <= '0;
      locked <= '0; clamped <= '0; has_peak <= '0; dark <= '0;
      for (int i = 0; i < N_RINGS; i++) begin
        mode_m[i] <= M_IDLE; p_m[i] <= '0; pos_m[i] <= '0; end_m[i] <= '0;
        best_adc_m[i] <= '0; best_pos_m[i] <= '0; peak_m[i] <= '0; wait_m[i] <= '0;
        lcnt_m[i] <= '0; sd_m[i] <= '0;
      end
    end else begin
      lock_en_q <= lock_en;
      adc_start <= 1'b0;
      dac_req   <= 1'b0;
      if (round_t != 16'hFFFF) round_t <= round_t + 16'd1;
      if (lock_en && !lock_en_q) restart_pending <= 1'b1;
      else if (state == S_MON) restart_pending <= 1'b0;

      case (state)
        S_IDLE: if (lock_en) state <= S_MON;

        S_MON: begin
          round_restart <= restart_pending;
          if (restart_pending) begin  // every ring parks at the window start, queued
            token <= 1'b0;
            for (int i = 0; i < N_RINGS; i++) begin
              mode_m[i] <= M_WAIT; pos_m[i] <= sweep_start; end_m[i] <= sweep_stop;
              best_adc_m[i] <= '0; best_pos_m[i] <= sweep_start; wait_m[i] <= settle;
              lcnt_m[i] <= '0; p_m[i] <= PB'(sweep_start) << SH;
            end
            locked <= '0; has_peak <= '0; dark <= '0;
          end
          round_t   <= '0;
          adc_start <= 1'b1;
          adc_ch    <= CHW'(N_RINGS);
          state     <= S_MON_WAIT;
        end

        S_MON_WAIT:
        if (adc_valid) begin
          input_mon <= adc_data;
          los <= (adc_data < los_thresh);
          if (adc_data < los_thresh) begin
            if (!los) begin
              token <= 1'b0;
              for (int i = 0; i < N_RINGS; i++) begin
                if (mode_m[i] != M_IDLE) begin
                  mode_m[i] <= M_HOLD;
                  lcnt_m[i] <= '0;
                  locked[i] <= 1'b0;
                end
              end
            end
            rounds <= rounds + 16'd1;
            state  <= S_PACE;
          end else begin
            idx   <= '0;
            state <= S_ADC;
          end
        end

        S_ADC: begin
          adc_start <= 1'b1;
          adc_ch    <= CHW'(idx);
          state     <= S_ADC_WAIT;
        end

        S_ADC_WAIT:
        if (adc_valid) begin
          s     <= adc_data;
          state <= S_CALC;
        end

        S_CALC: begin
          for (int i = 0; i < N_RINGS; i++) begin
            if (32'(idx) == i) begin
              mode_m[i] <= n_mode; p_m[i] <= n_p; pos_m[i] <= n_pos; end_m[i] <= n_end;
              best_adc_m[i] <= n_best_adc; best_pos_m[i] <= n_best_pos; peak_m[i] <= n_peak;
              wait_m[i] <= n_wait; lcnt_m[i] <= n_lcnt; locked[i] <= n_locked;
              has_peak[i] <= n_has_peak; dark[i] <= n_dark;
            end
          end
          token  <= n_token;
          sq_op  <= QB'(n_p) << (2 * SD_BITS);
          sq_res <= '0;
          sq_one <= QB'(1) << (QB - 2);
          sq_cnt <= 6'(DAC_BITS + SD_BITS);
          state  <= S_SQRT;
        end

        S_SQRT:  // digit-by-digit integer square root, one result bit per cycle
        if (sq_cnt == 6'd0) begin  // first-order sigma-delta on the fractional bits
          dac_code <= (sd_carry && root_int != DMAX) ? root_int + 1'b1 : root_int;
          for (int i = 0; i < N_RINGS; i++) if (32'(idx) == i) sd_m[i] <= sd_sum[SD_BITS-1:0];
          state    <= S_DAC;
        end else begin
          if (sq_op >= sq_res + sq_one) begin
            sq_op  <= sq_op - (sq_res + sq_one);
            sq_res <= (sq_res >> 1) + sq_one;
          end else sq_res <= sq_res >> 1;
          sq_one <= sq_one >> 2;
          sq_cnt <= sq_cnt - 6'd1;
        end

        S_DAC:
        if (!dac_busy) begin
          dac_req <= 1'b1;
          dac_ch  <= idx;
          state   <= S_DAC_WAIT;
        end

        S_DAC_WAIT:
        if (dac_ack) begin
          for (int i = 0; i < N_RINGS; i++)
            if (32'(idx) == i) clamped[i] <= (dac_ack_code != dac_code);
          if (32'(idx) == N_RINGS - 1) begin
            rounds <= rounds + 16'd1;
            state  <= S_PACE;
          end else begin
            idx   <= idx + RW'(1);
            state <= S_ADC;
          end
        end

        S_PACE: if (round_t >= round_cycles) state <= lock_en ? S_MON : S_IDLE;

        default: state <= S_IDLE;
      endcase
    end
  end

  genvar g;
  generate
    for (g = 0; g < N_RINGS; g++) begin : g_status
      assign status_flat[g*5+:5] = {has_peak[g], locked[g], mode_m[g]};
      assign peak_flat[g*ADC_BITS+:ADC_BITS] = peak_m[g];
    end
  endgenerate
endmodule
