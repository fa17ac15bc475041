"""Composed circuits built from the component library (weight banks, meshes, chips)."""
