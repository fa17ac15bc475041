// Heater DAC sequencer with slew limiting, for TI DAC8568-family octal DACs
// (DAC8568 16 bit, DAC8168 14 bit, DAC7568 12 bit; data sheet SBAS430, "Timing
// Requirements" and "Input Shift Register").
//
// One request writes one channel. The new code is limited to +-slew_max of the channel's
// present code (thermal-shock protection), shifted out as one 32-bit frame and
// acknowledged with the code actually applied:
//   [31:28] prefix 0000, [27:24] control 0011 = write input register n and update DAC n,
//   [23:20] channel address n, [19:4] data left-aligned (DAC_BITS used), [3:0] feature 0.
// The DAC latches DIN on falling SCLK edges and updates after the 32nd. Channel ch is
// on chip ch / 8 (its own SYNC line), address ch % 8. Codes reset to 0, as the DACs'
// power-on reset to zero scale.
//
// Timing in clk periods (defaults at clk = 156.25 MHz, 6.4 ns, against SBAS430 minima):
//   SCLK high and low HALF = 2 -> 12.8 ns >= t6, t7 = 8 ns; period 25.6 ns >= t2 = 20 ns.
//   DIN changes with rising SCLK: setup and hold 12.8 ns >= t9 = 6 ns, t10 = 4 ns.
//   SYNC falls LEAD + HALF = 4 clk (25.6 ns) before the first falling SCLK >= t5 = 13 ns.
//   SYNC rises HALF clk (12.8 ns) after the 32nd falling SCLK >= t8 = 10 ns.
//   SYNC stays high >= GAP = 13 clk (83.2 ns) >= t4 = 80 ns; SCLK idles high.
// Clocking: clk only. Reset: synchronous, active high (SYNC high, SCLK high, codes 0).
module heater_dac_seq #(
    parameter int N_CH     = 8,
    parameter int DAC_BITS = 16,
    parameter int HALF     = 2,
    parameter int LEAD     = 2,
    parameter int GAP      = 13,
    parameter int CHW      = (N_CH > 1) ? $clog2(N_CH) : 1,  // derived: do not override
    parameter int NCHIP    = (N_CH + 7) / 8                  // derived: do not override
) (
    input  logic                     clk,
    input  logic                     rst,
    input  logic                     req,       // accepted when !busy
    input  logic [          CHW-1:0] req_ch,
    input  logic [     DAC_BITS-1:0] req_code,
    input  logic [             15:0] slew_max,  // largest code step per update
    output logic                     busy,
    output logic                     ack,       // one-cycle pulse: the DAC updated
    output logic [     DAC_BITS-1:0] ack_code,  // code applied (after slew limiting)
    output logic                     dac_sclk,
    output logic                     dac_din,
    output logic [        NCHIP-1:0] dac_sync_n,
    output logic [N_CH*DAC_BITS-1:0] codes_flat
);
  localparam logic [1:0] S_IDLE = 2'd0, S_HIGH = 2'd1, S_LOW = 2'd2, S_GAP = 2'd3;
  logic [1:0] state;

  logic [DAC_BITS-1:0] codes[N_CH];
  logic [DAC_BITS-1:0] applied;
  logic [CHW-1:0] ch;
  logic [30:0] sr;  // bits still to send
  logic [5:0] nfall;
  logic [7:0] ph;  // cycles left in this phase

  // slew limiting
  logic [DAC_BITS-1:0] cur;
  logic [DAC_BITS:0] diff;
  logic [DAC_BITS-1:0] limited;
  always_comb begin
    cur = '0;
    for (int i = 0; i < N_CH; i++) if (32'(req_ch) == i) cur = codes[i];
    if (req_code >= cur) begin
      diff    = {1'b0, req_code} - {1'b0, cur};
      limited = (17'(diff) > 17'(slew_max)) ? cur + slew_max[DAC_BITS-1:0] : req_code;
    end else begin
      diff    = {1'b0, cur} - {1'b0, req_code};
      limited = (17'(diff) > 17'(slew_max)) ? cur - slew_max[DAC_BITS-1:0] : req_code;
    end
  end

  wire [3:0] dac_addr = 4'(req_ch % 8);
  wire [15:0] data16 = 16'(limited) << (16 - DAC_BITS);
  wire [31:0] frame = {4'b0000, 4'b0011, dac_addr, data16, 4'b0000};

  always_ff @(posedge clk) begin
    if (rst) begin
      state      <= S_IDLE;
      dac_sclk   <= 1'b1;
      dac_din    <= 1'b0;
      dac_sync_n <= '1;
      ack        <= 1'b0;
      ack_code   <= '0;
      applied    <= '0;
      ch         <= '0;
      sr         <= '0;
      nfall      <= '0;
      ph         <= '0;
      for (int i = 0; i < N_CH; i++) codes[i] <= '0;
    end else begin
      ack <= 1'b0;
      case (state)
        S_IDLE:
        if (req) begin
          applied  <= limited;
          ch       <= req_ch;
          dac_din  <= frame[31];
          sr       <= frame[30:0];
          nfall    <= '0;
          ph       <= 8'(LEAD + HALF - 1);
          for (int c = 0; c < NCHIP; c++) if (32'(req_ch) / 8 == c) dac_sync_n[c] <= 1'b0;
          state    <= S_HIGH;
        end
        S_HIGH:
        if (ph == 0) begin
          dac_sclk <= 1'b0;  // the DAC samples DIN on this edge
          nfall    <= nfall + 6'd1;
          ph       <= 8'(HALF - 1);
          state    <= S_LOW;
        end else ph <= ph - 8'd1;
        S_LOW:
        if (ph == 0) begin
          dac_sclk <= 1'b1;
          if (nfall == 6'd32) begin
            dac_sync_n <= '1;
            codes[ch]  <= applied;
            ack        <= 1'b1;
            ack_code   <= applied;
            ph         <= 8'(GAP - 1);
            state      <= S_GAP;
          end else begin
            dac_din <= sr[30];
            sr      <= {sr[29:0], 1'b0};
            ph      <= 8'(HALF - 1);
            state   <= S_HIGH;
          end
        end else ph <= ph - 8'd1;
        S_GAP:
        if (ph == 0) state <= S_IDLE;
        else ph <= ph - 8'd1;
        default: state <= S_IDLE;
      endcase
    end
  end

  assign busy = (state != S_IDLE);

  genvar g;
  generate
    for (g = 0; g < N_CH; g++) begin : g_flat
      assign codes_flat[g*DAC_BITS+:DAC_BITS] = codes[g];
    end
  endgenerate
endmodule
