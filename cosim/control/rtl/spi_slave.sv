// SPI slave, mode 0 (CPOL = 0, CPHA = 0), 32-bit frames, MSB first.
//
// Clocking: one clock domain, clk. sclk, cs_n and mosi are asynchronous to clk and pass
// through two-flop synchronisers, so the host must keep: SCLK high and low phases >= 4 clk
// periods (f_sclk <= f_clk / 8); >= 4 clk from CS_n falling to the first rising SCLK edge;
// >= 4 clk from the last falling SCLK edge to CS_n rising; CS_n high >= 4 clk between frames.
// MOSI is sampled on rising SCLK; MISO changes after falling SCLK and holds tx_word[31]
// from CS_n falling, so the host samples it on rising SCLK.
// Reset: synchronous, active high; MISO is low and not enabled outside a frame.
module spi_slave (
    input  logic        clk,
    input  logic        rst,
    input  logic        sclk,
    input  logic        cs_n,
    input  logic        mosi,
    output logic        miso,
    output logic        miso_oe,
    input  logic [31:0] tx_word,    // response, loaded when CS_n falls
    output logic        frame_end,  // one-cycle pulse after CS_n rose
    output logic [31:0] rx_word,    // last 32 bits received
    output logic [5:0]  rx_bits     // bits received in the frame, saturates at 63
);
  logic [2:0] sclk_s;  // [1:0] synchroniser, [2] previous value for edge detection
  logic [2:0] cs_s;
  logic [1:0] mosi_s;
  logic [31:0] tx_sr;

  always_ff @(posedge clk) begin
    if (rst) begin
      sclk_s <= 3'b000;
      cs_s   <= 3'b111;
      mosi_s <= 2'b00;
    end else begin
      sclk_s <= {sclk_s[1:0], sclk};
      cs_s   <= {cs_s[1:0], cs_n};
      mosi_s <= {mosi_s[0], mosi};
    end
  end

  wire active    = ~cs_s[1];
  wire sclk_rise = sclk_s[1] & ~sclk_s[2];
  wire sclk_fall = ~sclk_s[1] & sclk_s[2];
  wire cs_fall   = ~cs_s[1] & cs_s[2];
  wire cs_rise   = cs_s[1] & ~cs_s[2];

  always_ff @(posedge clk) begin
    if (rst) begin
      rx_word   <= 32'd0;
      rx_bits   <= 6'd0;
      tx_sr     <= 32'd0;
      frame_end <= 1'b0;
    end else begin
      frame_end <= cs_rise;
      if (cs_fall) begin
        rx_bits <= 6'd0;
        tx_sr   <= tx_word;
      end else if (active) begin
        if (sclk_rise) begin
          rx_word <= {rx_word[30:0], mosi_s[1]};
          if (rx_bits != 6'd63) rx_bits <= rx_bits + 6'd1;
        end
        if (sclk_fall) tx_sr <= {tx_sr[30:0], 1'b0};
      end
    end
  end

  assign miso    = active & tx_sr[31];
  assign miso_oe = active;
endmodule
