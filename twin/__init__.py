"""A simulated Kortrijk: bins, sensors and cameras speaking the same MQTT contract as real ones."""
