// Testbench only (not synthesised): behavioural receiver of one TI DAC8568 (SBAS430):
// DIN shifts in on falling SCLK while SYNC is low; after the 32nd edge the frame is
// latched and `updates` increments. SYNC rising clears the bit count (SYNC interrupt).
// The bit-level Python model (cosim/control/dac8568.py) checks the timing and
// cross-checks this receiver in the sequencer test.
module dac8568_model (
    input  logic        sclk,
    input  logic        din,
    input  logic        sync_n,
    output logic [31:0] frame,
    output logic [31:0] updates
);
  logic [31:0] sr;
  logic [5:0] n;
  initial begin
    sr = '0;
    n = '0;
    frame = '0;
    updates = '0;
  end
  always @(negedge sclk or posedge sync_n) begin
    if (sync_n) n <= '0;
    else if (n < 6'd32) begin
      sr <= {sr[30:0], din};
      n  <= n + 6'd1;
      if (n == 6'd31) begin
        frame   <= {sr[30:0], din};
        updates <= updates + 32'd1;
      end
    end
  end
endmodule
