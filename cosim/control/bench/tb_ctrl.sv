// Testbench top (not synthesised): the control chip and one DAC8568 receiver per SYNC
// line. cocotb drives the SPI host, the monitor ADC and the SerDes ranging ports. The
// 156.25 MHz clock comes from cocotb (Icarus), or, with TB_INTERNAL_CLOCK (Verilator,
// --timing), from this module: far cheaper than a clock driven through VPI.
module tb_ctrl #(
    parameter int N_RINGS = 4,
    parameter int N_NODES = 4,
    parameter int NCHIP   = (N_RINGS + 7) / 8,  // derived: do not override
    parameter int CHW     = $clog2(N_RINGS + 1)  // derived: do not override
) (
`ifndef TB_INTERNAL_CLOCK
    input  logic               clk,
`endif
    input  logic               rst,
    input  logic               spi_sclk,
    input  logic               spi_cs_n,
    input  logic               spi_mosi,
    output logic               spi_miso,
    output logic               spi_miso_oe,
    output logic               dac_sclk,
    output logic               dac_din,
    output logic [  NCHIP-1:0] dac_sync_n,
    output logic               adc_start,
    output logic [    CHW-1:0] adc_ch,
    input  logic               adc_valid,
    input  logic [       11:0] adc_data,
    output logic               rng_probe_valid,
    output logic [        2:0] rng_probe_node,
    input  logic               rng_echo_valid,
    input  logic [        2:0] rng_echo_node,
    input  logic [        5:0] rng_echo_pos,
    output logic [N_RINGS-1:0] locked,
    output logic               los
);
`ifdef TB_INTERNAL_CLOCK
  logic clk = 1'b1;
  always #3200 clk = ~clk;  // 6.4 ns period with the 1 ps time unit of the build
`endif

  opticloud_ctrl #(
      .N_RINGS(N_RINGS),
      .N_NODES(N_NODES)
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
