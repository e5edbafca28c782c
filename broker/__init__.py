"""The MQTT side of the platform: the client every service connects with."""
