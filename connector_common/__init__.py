"""What both sources share: the per-stream summary counters and the loopback-only http rule."""
