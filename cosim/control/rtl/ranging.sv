// Edge-node ranging: round-trip time of each edge node and the launch offsets that make
// every node's symbols arrive at the optical core in the same sample.
// Golden model: cosim/control/ranging.py.
//
// For each node in the mask, in ascending order: send a probe (probe_valid for one cycle;
// the probe marker is sample 0 of the word sent in that cycle), count words until the
// node's echo comes back (echo_pos = the marker's sample within the word), so
// RTT = words * 2^SPW_LOG2 + echo_pos samples. No echo before the word counter saturates:
// the node is marked invalid. Then offset_k = max(RTT) - RTT_k over the valid nodes: a node
// that delays its launch (relative to a trigger it receives on the same fibre as the
// probe) by offset_k lands in the same sample as the farthest node, PON-style equalisation
// (ITU-T G.984.3 sec. 10) without assuming equal up- and downstream delays. The residual
// spread is below one sample, the RTT quantisation.
//
// Clocking: clk is the SerDes parallel (word) clock, e.g. 10 GBd / 64 = 156.25 MHz;
// probe and echo are synchronous to it. Reset: synchronous, active high; results cleared.
module ranging #(
    parameter int N_NODES   = 4,
    parameter int SPW_LOG2  = 6,   // samples per word = 2^SPW_LOG2
    parameter int WORD_BITS = 20   // word counter: longest RTT = 2^WORD_BITS words
) (
    input  logic                  clk,
    input  logic                  rst,
    input  logic                  start,
    input  logic [           7:0] mask,
    output logic                  probe_valid,
    output logic [           2:0] probe_node,
    input  logic                  echo_valid,
    input  logic [           2:0] echo_node,
    input  logic [  SPW_LOG2-1:0] echo_pos,
    output logic                  busy,
    output logic                  done,
    output logic [           7:0] valid,
    output logic [N_NODES*32-1:0] rtt_flat,
    output logic [N_NODES*32-1:0] ofs_flat
);
  localparam logic [2:0] S_IDLE = 3'd0, S_NEXT = 3'd1, S_WAIT = 3'd2, S_MAX = 3'd3, S_OFS = 3'd4;
  localparam logic [WORD_BITS-1:0] WORD_MAX = '1;

  logic [2:0] state;
  logic [3:0] k;
  logic [7:0] pending;
  logic [WORD_BITS-1:0] word;
  logic [31:0] rtt[N_NODES];
  logic [31:0] ofs[N_NODES];
  logic [31:0] rtt_max, rtt_k;

  always_comb begin
    rtt_k = 32'd0;
    for (int i = 0; i < N_NODES; i++) if (32'(k) == i) rtt_k = rtt[i];
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      state <= S_IDLE; k <= '0; pending <= '0; word <= '0; rtt_max <= '0;
      probe_valid <= 1'b0; probe_node <= '0; busy <= 1'b0; done <= 1'b0; valid <= '0;
      for (int i = 0; i < N_NODES; i++) begin
        rtt[i] <= '0;
        ofs[i] <= '0;
      end
    end else begin
      probe_valid <= 1'b0;
      case (state)
        S_IDLE:
        if (start) begin
          pending <= mask & 8'((1 << N_NODES) - 1);
          valid   <= '0;
          busy    <= 1'b1;
          done    <= 1'b0;
          k       <= '0;
          for (int i = 0; i < N_NODES; i++) begin
            rtt[i] <= '0;
            ofs[i] <= '0;
          end
          state <= S_NEXT;
        end

        S_NEXT:
        if (32'(k) == N_NODES) begin
          k       <= '0;
          rtt_max <= '0;
          state   <= S_MAX;
        end else if (pending[k[2:0]]) begin
          probe_valid <= 1'b1;
          probe_node  <= k[2:0];
          word        <= '0;
          state       <= S_WAIT;
        end else k <= k + 4'd1;

        S_WAIT: begin
          word <= word + 1'b1;
          if (echo_valid && echo_node == k[2:0]) begin
            for (int i = 0; i < N_NODES; i++)
              if (32'(k) == i) rtt[i] <= 32'({word, echo_pos});
            valid[k[2:0]] <= 1'b1;
            k     <= k + 4'd1;
            state <= S_NEXT;
          end else if (word == WORD_MAX) begin
            k     <= k + 4'd1;
            state <= S_NEXT;
          end
        end

        S_MAX:
        if (32'(k) == N_NODES) begin
          k     <= '0;
          state <= S_OFS;
        end else begin
          if (valid[k[2:0]] && rtt_k > rtt_max) rtt_max <= rtt_k;
          k <= k + 4'd1;
        end

        S_OFS:
        if (32'(k) == N_NODES) begin
          busy  <= 1'b0;
          done  <= 1'b1;
          state <= S_IDLE;
        end else begin
          for (int i = 0; i < N_NODES; i++)
            if (32'(k) == i) ofs[i] <= valid[k[2:0]] ? rtt_max - rtt_k : 32'd0;
          k <= k + 4'd1;
        end

        default: state <= S_IDLE;
      endcase
    end
  end

  genvar g;
  generate
    for (g = 0; g < N_NODES; g++) begin : g_flat
      assign rtt_flat[g*32+:32] = rtt[g];
      assign ofs_flat[g*32+:32] = ofs[g];
    end
  endgenerate
endmodule
