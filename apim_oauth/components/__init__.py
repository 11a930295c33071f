"""Component resources and the pure helpers they share (settings, clouds, policy rendering)."""
