// Testbench top (not synthesised): the heater DAC sequencer alone, twelve channels on two
// DAC8568s, with the behavioural receivers. Clock as in tb_ctrl.sv.
module tb_dac_seq #(
    parameter int N_CH = 12,
    parameter int NCHIP = (N_CH + 7) / 8,  // derived: do not override
    parameter int CHW = $clog2(N_CH)  // derived: do not override
) (
`ifndef TB_INTERNAL_CLOCK
    input  logic                clk,
`endif
    input  logic                rst,
    input  logic                req,
    input  logic [     CHW-1:0] req_ch,
    input  logic [        15:0] req_code,
    input  logic [        15:0] slew_max,
    output logic                busy,
    output logic                ack,
    output logic [        15:0] ack_code,
    output logic                dac_sclk,
    output logic                dac_din,
    output logic [   NCHIP-1:0] dac_sync_n,
    output logic [N_CH*16-1:0] codes_flat
);
`ifdef TB_INTERNAL_CLOCK
  logic clk = 1'b1;
  always #3200 clk = ~clk;
`endif

  heater_dac_seq #(
      .N_CH(N_CH),
      .DAC_BITS(16)
  ) dut (
      .*
  );
  genvar c;
  generate
    for (c = 0; c < NCHIP; c++) begin : g_dac
      logic [31:0] frame, updates;
      dac8568_model u_model (
          .sclk(dac_sclk), .din(dac_din), .sync_n(dac_sync_n[c]), .frame(frame),
          .updates(updates)
      );
    end
  endgenerate
endmodule
