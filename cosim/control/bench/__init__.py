"""cocotb testbenches of the control RTL and models of the chips around it."""
