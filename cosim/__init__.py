"""Co-simulation layer: link, network, control, workloads, metrics, power, reports, CLI."""
