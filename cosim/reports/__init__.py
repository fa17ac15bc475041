"""Reports: rendered layouts, plots and result pages."""
