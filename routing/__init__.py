"""Road and walk networks, travel matrices and the vehicle-routing core."""
