// CRC-8/I-432-1 (ITU-T I.432.1 ATM HEC): poly 0x07, init 0x00, MSB first, xorout 0x55.
// Catalogue check value CRC("123456789") = 0xA1; golden model: cosim/control/crc.py.
// Combinational over the 24-bit frame payload (write/read flag, address, data).
function automatic logic [7:0] crc8_24(input logic [23:0] d);
  logic [7:0] c;
  c = 8'h00;
  for (int i = 23; i >= 0; i--) begin
    c = {c[6:0], 1'b0} ^ ((c[7] ^ d[i]) ? 8'h07 : 8'h00);
  end
  crc8_24 = c ^ 8'h55;
endfunction
