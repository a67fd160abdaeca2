"""Classical (non-learned) fusion methods, one module per family."""
