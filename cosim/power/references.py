"""Published energy-efficiency figures the power model is compared with (mW/TOPS).

1 mW/TOPS = 1 fJ per operation = 2 fJ per multiply-accumulate (2 operations per MAC).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """A published efficiency: ``mw_per_tops`` (mW/TOPS), what it counts, and its source."""

    label: str
    mw_per_tops: float
    counts: str
    source: str


XING_2025 = Reference(
    label="Xing et al. 2025 (published optical cloud)",
    mw_per_tops=118.6,
    counts="the demonstrated optical computing system, as reported (8.43 TOPS/W)",
    source=(
        "Xing et al., 'Seamless optical cloud computing across edge-metro network for "
        "generative AI', Nature Communications 16:6097 (2025)"
    ),
)

H100_INT8 = Reference(
    label="NVIDIA H100 SXM, dense INT8",
    # 700 W board TDP / 1979 TOPS dense INT8 (3958 TOPS is quoted with 2:4 sparsity)
    mw_per_tops=700.0 / 1979.0 * 1e3,
    counts="GPU board power at TDP only (no host, memory system or cooling beyond the board)",
    source="NVIDIA H100 Tensor Core GPU datasheet (SXM5: 700 W, 3958 INT8 TOPS with sparsity)",
)

PACE_2024 = Reference(
    label="PACE 64x64 (with lasers)",
    mw_per_tops=420.0,
    counts="photonic accelerator including lasers (secondary source)",
    source=(
        "Hua et al., 'An integrated large-scale photonic accelerator with ultralow latency', "
        "Nature (2025); figure as quoted by shared/SYSTEM.md (secondary source)"
    ),
)

PLOTTED = (XING_2025, H100_INT8)

__all__ = ["H100_INT8", "PACE_2024", "PLOTTED", "XING_2025", "Reference"]
